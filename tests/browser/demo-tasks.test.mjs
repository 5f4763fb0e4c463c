// The demo page's encoder-task panel: the task list follows the loaded model's heads (a decoder
// offers none), a classifier's scores for a text and for a sentence pair are PyTorch's
// (tests/fixtures/*/reference.json, written by gen_classifiers.py), a token classifier's entities are
// marked at the spans of transformers' pipeline (each grouping strategy), a one-logit cross-encoder ranks
// documents in PyTorch's order with sigmoid scores, and a bad input is an error beside the panel
// that the next run clears.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { settledPage, useDemoPage } from './demo-page.mjs';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${name}/reference.json`, import.meta.url), 'utf8'));
const sst2 = fixture('distilbert-sst2-tiny');
const nli = fixture('bert-nli-tiny');
const ranking = fixture('rerank-tiny');
const ner = fixture('bert-ner-tiny');
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

async function run(values) {
  for (const [id, value] of Object.entries(values)) await page.fill(`#task-${id}`, value);
  await page.click('#run-task');
  await settledPage(page);
}

/** The result table's rows: [name, score]. */
const rows = () => page.$$eval('#task-output tr', (trs) => trs.map((tr) =>
  [tr.querySelector('td').textContent, Number(tr.querySelector('td.score').dataset.value)]));

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
  await run({ query: 'anything', documents: '  \n' });
  const failed = await page.$eval('#task-status', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role') }));
  assert.match(failed.text, /documents must be a non-empty array/);
  assert.equal(failed.error, true);
  assert.equal(failed.role, 'alert');
  assert.equal(await page.$$eval('#task-output tr', (trs) => trs.length), 0);
  await run({ query: ranking.query, documents: ranking.documents[0].text });
  assert.equal((await rows()).length, 1);
  assert.equal(await page.$eval('#task-status', (e) => e.classList.contains('error')), false);
  assert.deepEqual(errors, []);
});
