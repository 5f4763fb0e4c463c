// The demo page's encoder-task panel: the task list follows the loaded model's heads (a decoder
// offers none), a classifier's scores for a text and for a sentence pair are PyTorch's
// (tests/fixtures/*/reference.json, written by gen_classifiers.py), a token classifier's entities are
// marked at the spans of transformers' pipeline (each grouping strategy), a one-logit cross-encoder ranks
// documents in PyTorch's order with sigmoid scores, an NLI model scores candidate labels zero-shot, a
// masked LM fills the mask of its own mask token with transformers' top k, a QA model's answers are
// marked in the context at the reference's characters, and a bad input (no documents, no mask, no
// labels, no question) is an error beside the panel that the next run clears, the model still usable.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { settledPage, useDemoPage } from './demo-page.mjs';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${name}/reference.json`, import.meta.url), 'utf8'));
const sst2 = fixture('distilbert-sst2-tiny');
const nli = fixture('bert-nli-tiny');
const ranking = fixture('rerank-tiny');
const ner = fixture('bert-ner-tiny');
const mlm = fixture('bert-mlm-tiny');
const qa = fixture('bert-qa-tiny');
let page;
let errors;

useDemoPage({ viewport: { width: 1100, height: 1400 }, onReady: (d) => {
  ({ page, errors } = d);
} });

async function loadBundled(id) {
  await page.selectOption('#bundled-model', id);
  await page.click('#load-bundled');
  await settledPage(page);
  assert.match(await page.textContent('#load-status'), new RegExp(`^${id}: `));
}

/** Fills the task's fields (a boolean checks or unchecks a checkbox), runs it and waits for it. */
async function run(values) {
  for (const [id, value] of Object.entries(values)) {
    if (typeof value === 'boolean') await page.setChecked(`#task-${id}`, value);
    else await page.fill(`#task-${id}`, String(value));
  }
  await page.click('#run-task');
  await settledPage(page);
}

/** The result table's rows: [name, score]. */
const rows = () => page.$$eval('#task-output tr', (trs) => trs.map((tr) =>
  [tr.querySelector('td').textContent, Number(tr.querySelector('td.score').dataset.value)]));

/** Each score within `tol` of the reference's. */
function assertScores(got, want, tol, what) {
  assert.equal(got.length, want.length, what);
  got.forEach((score, i) => assert.ok(Math.abs(score - want[i]) <= tol, `${what}: ${score} vs ${want[i]}`));
}

/** The panel's error: its text, and whether it is styled and announced as one. */
const panelError = () => page.$eval('#task-status', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role') }));

/** A bad input: the named error in the panel, no result shown. */
async function assertFails(values, message) {
  await run(values);
  const failed = await panelError();
  assert.match(failed.text, message);
  assert.equal(failed.error, true);
  assert.equal(failed.role, 'alert');
  assert.equal(await page.$eval('#task-output', (o) => o.childElementCount), 0);
}

const tasksOffered = () => page.$$eval('#task option', (options) => options.map((o) => o.value));

test('a decoder offers no task; the hint says what would', async () => {
  await loadBundled('gpt2-tiny');
  assert.deepEqual(await tasksOffered(), []);
  assert.equal(await page.isDisabled('#run-task'), true);
  assert.equal(await page.isVisible('#task-hint'), true);
});

test('distilbert-sst2-tiny: every label scored as PyTorch scores the text', async () => {
  await loadBundled('distilbert-sst2-tiny');
  assert.deepEqual(await tasksOffered(), ['classify']);
  assert.equal(await page.isVisible('#task-hint'), false);
  for (const input of sst2.inputs.slice(0, 2)) {
    await run({ text: input.text, pair: '' });
    const shown = await rows();
    assert.deepEqual(shown.map(([label]) => label), input.results.map((r) => r.label), input.text);
    shown.forEach(([, score], i) => assert.ok(Math.abs(score - input.results[i].score) < 1e-4, `${score} vs ${input.results[i].score}`));
  }
  assert.match(await page.textContent('#task-status'), /^Classify a text or a pair: \d+ ms\.$/);
});

test('bert-nli-tiny: a sentence pair is scored with its token types, as PyTorch', async () => {
  await loadBundled('bert-nli-tiny');
  const pair = nli.pairs[0];
  await run({ text: pair.text, pair: pair.text_pair });
  const shown = await rows();
  assert.deepEqual(shown.map(([label]) => label), pair.results.map((r) => r.label));
  shown.forEach(([, score], i) => assert.ok(Math.abs(score - pair.results[i].score) < 1e-4, `${score} vs ${pair.results[i].score}`));
});

test('bert-nli-tiny: zero-shot labels scored as transformers\' pipeline, multi_label and a template too; no labels is an error', async () => {
  assert.deepEqual(await tasksOffered(), ['classify', 'zero-shot']);
  await page.selectOption('#task', 'zero-shot');
  const zeroShot = nli.zero_shot;
  const shown = {};
  for (const c of zeroShot.cases.slice(0, 3)) {
    for (const want of c.results) {
      await run({ text: want.sequence, labels: c.candidate_labels.join(', '), template: c.hypothesis_template, multi: c.multi_label });
      const got = await rows();
      const what = `${c.multi_label ? 'multi_label' : 'softmax'} ${c.hypothesis_template} ${want.sequence}`;
      assert.deepEqual(got.map(([label]) => label), want.labels, what);
      assertScores(got.map(([, score]) => score), want.scores, 1e-4, what);
      shown[`${c.multi_label} ${c.hypothesis_template} ${want.sequence}`] = got;
    }
  }
  // The checkbox reaches the pipeline: the same labels score differently with it.
  const [softmax, multi] = [false, true].map((m) => shown[`${m} ${zeroShot.cases[0].hypothesis_template} ${zeroShot.texts[0]}`]);
  assert.notDeepEqual(softmax, multi);
  await assertFails({ labels: ' , ' }, /give at least one candidate label/);
  await run({ labels: 'sports' });
  assert.equal((await rows()).length, 1, 'the model is still usable');
});

test('bert-ner-tiny: the entities of each grouping strategy marked at the reference spans', async () => {
  await loadBundled('bert-ner-tiny');
  assert.deepEqual(await tasksOffered(), ['ner']);
  let differ = 0;
  for (const item of ner.texts.slice(0, 3)) {
    const marked = {};
    for (const strategy of ['simple', 'first', 'none']) {
      await page.selectOption('#task-aggregation', strategy);
      await run({ text: item.text });
      const marks = await page.$$eval('#task-output mark', (ms) => ms.map((m) => ({ text: m.textContent, label: m.dataset.label, score: Number(m.dataset.score) })));
      // The page shows the text once: its spans, in order, are the reference's.
      const want = [...item.strategies[strategy]].sort((a, b) => a.start - b.start)
        .map((e) => ({ text: item.text.slice(e.start, e.end), label: e.entity_group ?? e.entity, score: e.score }));
      assert.deepEqual(marks.map(({ text, label }) => ({ text, label })), want.map(({ text, label }) => ({ text, label })), `${strategy}: ${item.text}`);
      marks.forEach((m, i) => assert.ok(Math.abs(m.score - want[i].score) < 1e-4, `${m.score} vs ${want[i].score}`));
      assert.equal(await page.$eval('#task-output .ner-text', (p) => p.textContent), item.text, 'the text is shown whole');
      marked[strategy] = JSON.stringify(marks);
    }
    if (marked.simple !== marked.first) differ++;
  }
  assert.ok(differ > 0, 'the strategies shown differ on some text: the check can tell them apart');
});

test('rerank-tiny: the documents in PyTorch\'s order with sigmoid scores', async () => {
  await loadBundled('rerank-tiny');
  assert.deepEqual(await tasksOffered(), ['rerank']);
  await run({ query: ranking.query, documents: ranking.documents.map((d) => d.text).join('\n') });
  const shown = await rows();
  assert.deepEqual(shown.map(([text]) => text), ranking.order.map((i) => ranking.documents[i].text));
  shown.forEach(([text, score]) => {
    const want = ranking.documents.find((d) => d.text === text).score;
    assert.ok(Math.abs(score - want) < 1e-4, `${text}: ${score} vs ${want}`);
  });
  const ids = await page.$$eval('#task-output tr', (trs) => trs.map((tr) => Number(tr.dataset.corpusId)));
  assert.deepEqual(ids, ranking.order);
});

test('no documents is an error in the panel, cleared by the next run; the model stays usable', async () => {
  await assertFails({ query: 'anything', documents: '  \n' }, /documents must be a non-empty array/);
  await run({ query: ranking.query, documents: ranking.documents[0].text });
  assert.equal((await rows()).length, 1);
  assert.equal(await page.$eval('#task-status', (e) => e.classList.contains('error')), false);
  assert.deepEqual(errors, []);
});

/** The fill-mask result: per mask (a table each), its predictions as [token_str, token id, sequence, score]. */
const predictions = () => page.$$eval('#task-output table', (tables) => tables.map((t) => [...t.querySelectorAll('tr')].map((tr) =>
  [tr.querySelector('td').textContent, Number(tr.dataset.token), tr.title, Number(tr.querySelector('td.score').dataset.value)])));

function assertPredictions(got, want, what) {
  assert.deepEqual(got.map(([text, token, sequence]) => [text, token, sequence]), want.map((p) => [p.token_str, p.token, p.sequence]), what);
  assertScores(got.map(([, , , score]) => score), want.map((p) => p.score), 1e-4, what);
}

test('bert-mlm-tiny: the example holds the model\'s mask token; each mask filled with transformers\' top k', async () => {
  await loadBundled('bert-mlm-tiny');
  assert.deepEqual(await tasksOffered(), ['fill-mask']);
  const example = await page.inputValue('#task-text');
  assert.ok(example.includes(mlm.mask_token), example);
  // The example as written is the reference's first text: Run with nothing typed.
  assert.equal(example, mlm.cases[0].text);
  await run({});
  let got = await predictions();
  assert.equal(got.length, 1);
  assertPredictions(got[0], mlm.cases[0].results, example);
  // Two masks: a table per mask, each captioned.
  const two = mlm.cases.find((c) => c.mask_positions.length === 2);
  await run({ text: two.text });
  got = await predictions();
  assert.deepEqual(await page.$$eval('#task-output caption', (cs) => cs.map((c) => c.textContent)), ['Mask 1 of 2', 'Mask 2 of 2']);
  got.forEach((mask, m) => assertPredictions(mask, two.results[m], `${two.text} mask ${m + 1}`));
  await run({ text: mlm.cases[2].text, top_k: 3 });
  assertPredictions((await predictions())[0], mlm.cases[2].results.slice(0, 3), 'top_k 3');
});

test('fill-mask: a text without the mask token is an error in the panel; the model stays usable', async () => {
  await assertFails({ text: 'No mask in this text.', top_k: 5 }, /no mask_token \(\[MASK\]\) found/);
  await assertFails({ text: mlm.cases[0].text, top_k: 0 }, /top_k must be a positive integer/);
  await run({ text: mlm.cases[0].text, top_k: '' });
  assertPredictions((await predictions())[0], mlm.cases[0].results, 'after the errors, the default top_k');
  assert.equal((await panelError()).error, false);
});

/** The QA result: the context shown, its marked span, and the answers listed. */
const qaShown = () => page.$eval('#task-output', (o) => {
  const mark = o.querySelector('.qa-context mark');
  return {
    context: o.querySelector('.qa-context').textContent,
    mark: mark === null ? null : { text: mark.textContent, start: Number(mark.dataset.start), end: Number(mark.dataset.end), score: Number(mark.dataset.score) },
    answers: [...o.querySelectorAll('tr')].map((tr) => ({ answer: tr.querySelector('td').textContent, start: Number(tr.dataset.start), end: Number(tr.dataset.end), score: Number(tr.querySelector('td.score').dataset.value) })),
  };
});

// The answers' scores are products of two probabilities (about 0.003 to 0.03): compared to 1e-6.
const QA_TOL = 1e-6;

function assertMarked(shown, context, want, what) {
  assert.equal(shown.context, context, `${what}: the context is shown whole`);
  assert.deepEqual([shown.mark.text, shown.mark.start, shown.mark.end], [want.answer, want.start, want.end], what);
  assert.equal(context.slice(shown.mark.start, shown.mark.end), want.answer);
  assert.ok(Math.abs(shown.mark.score - want.score) <= QA_TOL, `${what}: ${shown.mark.score} vs ${want.score}`);
}

test('bert-qa-tiny: the answer marked in the context at transformers\' characters, with its score; top_k answers to choose from', async () => {
  await loadBundled('bert-qa-tiny');
  assert.deepEqual(await tasksOffered(), ['question-answering']);
  // The example is the reference's first case; a long context (several windows) the second.
  for (const c of qa.cases.slice(0, 2)) {
    await run({ question: c.question, context: c.context, top_k: 1, impossible: false });
    const shown = await qaShown();
    assert.equal(shown.answers.length, 1);
    assertMarked(shown, c.context, c.offsets_answers[0], c.question);
  }
  // top_k 2 with handle_impossible_answer: both answers listed best first; choosing the second marks it.
  const c = qa.cases.find((k) => k.options.handle_impossible_answer);
  await run({ question: c.question, context: c.context, top_k: c.options.top_k, impossible: true });
  let shown = await qaShown();
  assert.deepEqual(shown.answers.map(({ answer, start, end }) => ({ answer, start, end })), c.offsets_answers.map(({ answer, start, end }) => ({ answer, start, end })));
  assertScores(shown.answers.map((a) => a.score), c.offsets_answers.map((a) => a.score), QA_TOL, c.question);
  assertMarked(shown, c.context, c.offsets_answers[0], 'the best answer marked first');
  await page.click('#task-output tr:nth-child(2)');
  shown = await qaShown();
  assertMarked(shown, c.context, c.offsets_answers[1], 'the second answer, chosen');
  assert.deepEqual(await page.$$eval('#task-output tr', (trs) => trs.map((tr) => tr.getAttribute('aria-current'))), ['false', 'true']);
});

test('question answering: an empty question is an error in the panel; the model stays usable', async () => {
  await assertFails({ question: '', top_k: 1, impossible: false }, /question cannot be empty/);
  const c = qa.cases[0];
  await run({ question: c.question, context: c.context });
  assertMarked(await qaShown(), c.context, c.offsets_answers[0], 'after the error');
  assert.deepEqual(errors, []);
});
