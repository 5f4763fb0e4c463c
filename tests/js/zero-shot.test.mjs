// zero-shot-classification through the public API (pipeline('zero-shot-classification'), zeroShotClassify
// on a worker's model) against the PyTorch reference of tests/fixtures/bert-nli-tiny (gen_classifiers.py:
// the NLI classifier's logits of each (text, hypothesis) pair, then transformers'
// zero_shot_classification.py post-processing): labels best first with their scores, multi_label,
// a custom template, one candidate label, a premise cut by truncation ONLY_FIRST; the sensitivity of
// multi_label; bad inputs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { folder, reference } from './fixtures.mjs';
import { InvalidArgumentError, UnsupportedError, WorkerEngine, pipeline, zeroShotClassify } from '../../dist/index.js';
import { pairLayout, truncateFirst } from '../../dist/pair-layout.js';

const SCORE_TOL = 1e-5;
const ref = reference('bert-nli-tiny').zero_shot;

function assertResult(got, want, what) {
  assert.equal(got.sequence, want.sequence, `${what}: sequence`);
  assert.deepEqual(got.labels, want.labels, `${what}: labels`);
  got.scores.forEach((s, i) => assert.ok(Math.abs(s - want.scores[i]) <= SCORE_TOL, `${what}: score ${s} vs ${want.scores[i]}`));
}

let classifier;
before(async () => { classifier = await pipeline('zero-shot-classification', folder('bert-nli-tiny')); });
after(() => classifier.dispose());

test('pairs: each text with each hypothesis through BERT\'s pair template, as the reference tokenizes them', () => {
  for (const { hypothesis_template: template, candidate_labels: labels, results } of ref.cases) {
    for (const r of results) {
      labels.forEach((label, i) => assert.deepEqual(
        classifier.tokenizer.encodePair(r.sequence, template.replace('{}', label)).input_ids, r.pair_ids[i]));
    }
  }
});

test('scores and order as transformers\' pipeline: softmax over labels, multi_label, a template, one label', async () => {
  for (const c of ref.cases) {
    const options = { hypothesis_template: c.hypothesis_template, multi_label: c.multi_label };
    const what = JSON.stringify(options) + ` ${c.candidate_labels.length} labels`;
    // A list of texts gives a list; one text gives its result.
    const all = await classifier(ref.texts, c.candidate_labels, options);
    assert.equal(all.length, ref.texts.length);
    all.forEach((r, i) => assertResult(r, c.results[i], what));
    assertResult(await classifier(ref.texts[1], c.candidate_labels, options), c.results[1], `${what}, one text`);
    if (!c.multi_label && c.candidate_labels.length > 1) {
      const sum = all[0].scores.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-6, `the labels' scores add up to ${sum}`);
    }
  }
  // The comma-separated string form of candidate_labels (trimmed, empty ones dropped).
  const c = ref.cases[0];
  assertResult(await classifier(ref.texts[0], ` ${c.candidate_labels.join(' , ')}, `), c.results[0], 'labels as a string');
});

test('sensitivity: multi_label changes the scores (entailment vs contradiction per label)', async () => {
  const [single, multi] = ref.cases;
  const a = await classifier(ref.texts[0], single.candidate_labels);
  const b = await classifier(ref.texts[0], single.candidate_labels, { multi_label: true });
  const byLabel = (r) => Object.fromEntries(r.labels.map((l, i) => [l, r.scores[i]]));
  const diff = Math.max(...single.candidate_labels.map((l) => Math.abs(byLabel(a)[l] - byLabel(b)[l])));
  assert.ok(diff > 100 * SCORE_TOL, `multi_label moves the scores by only ${diff}`);
  assertResult(b, multi.results[0], 'multi_label');
});

test('a premise too long for the model: cut at its end (truncation ONLY_FIRST), never the hypothesis', async () => {
  const long = ref.long_text;
  const tokenizer = classifier.tokenizer;
  // The cut pairs are the reference's ids (tokenizers' truncate_encodings, OnlyFirst, at 64 positions).
  long.candidate_labels.forEach((label, i) => {
    const hypothesis = long.hypothesis_template.replace('{}', label);
    const full = tokenizer.encodePair(long.sequence, hypothesis).input_ids;
    assert.ok(full.length > 64);
    const cut = truncateFirst(pairLayout(tokenizer, long.sequence, hypothesis, 'test'), full.length - 64, 'test');
    assert.deepEqual(cut.ids, long.pair_ids[i], label);
  });
  assertResult(await classifier(long.sequence, long.candidate_labels), long, 'long premise');
  // Without truncation such a pair is an error (text-classification's pairs), as is a hypothesis that
  // leaves the premise nothing: tokenizers' "sequence to truncate too short".
  await assert.rejects(classifier.model.classify({ text: long.sequence, text_pair: 'This example is music.' }),
    InvalidArgumentError);
  await assert.rejects(classifier('short text', ['word '.repeat(70)]),
    (e) => e instanceof InvalidArgumentError && /first text/.test(e.message));
  await assert.rejects(classifier.model.classify({ text: 'a', text_pair: 'b', truncation: 'longest_first' }), InvalidArgumentError);
  assertResult(await classifier(long.sequence, long.candidate_labels), long, 'after the errors');
});

test('bad inputs: no labels, a template without {}, a model without an entailment label; models stay usable', async () => {
  await assert.rejects(classifier('text', []), InvalidArgumentError);
  await assert.rejects(classifier('text', ' , '), InvalidArgumentError);
  await assert.rejects(classifier('text', [3]), InvalidArgumentError);
  await assert.rejects(classifier('text', ['a'], { hypothesis_template: 'No slot here.' }),
    (e) => e instanceof InvalidArgumentError && /\{\}/.test(e.message));
  await assert.rejects(classifier([], ['a']), InvalidArgumentError);
  await assert.rejects(classifier('text', ['a'], { multi_label: 'yes' }), InvalidArgumentError);
  const sst2 = await pipeline('zero-shot-classification', folder('distilbert-sst2-tiny'));
  try {
    await assert.rejects(sst2('text', ['a', 'b']), (e) => e instanceof UnsupportedError && /entail/.test(e.message));
    assert.equal((await sst2.model.classify('still usable')).dims[0], 1);
  } finally {
    await sst2.dispose();
  }
  await assert.rejects(pipeline('zero-shot-classification', folder('bert-tiny')), InvalidArgumentError);
  assertResult(await classifier(ref.texts[0], ref.cases[0].candidate_labels), ref.cases[0].results[0], 'after the errors');
});

test('in a worker: zeroShotClassify on a WorkerModel gives the same results', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const remote = await engine.loadModel(folder('bert-nli-tiny'));
    const c = ref.cases[1];
    const got = await zeroShotClassify(remote, ref.texts, c.candidate_labels, { multi_label: true });
    got.forEach((r, i) => assertResult(r, c.results[i], 'worker'));
  } finally {
    engine.terminate();
  }
});
