// Token classification (NER) through the public API (loadModel + classifyTokens,
// pipeline('token-classification' | 'ner')) against the PyTorch references of
// tests/fixtures/bert-ner-tiny (gen_classifiers.py): every token's logits of BertForTokenClassification,
// and the entities of transformers' token_classification.py with every aggregation_strategy
// (softmax per token, special tokens skipped, start/end from Hugging Face tokenizers' offsets, words
// grouped, the "O" label ignored). Sensitivity: 'first' and 'max' differ on the fixture's texts, and
// offsets shifted by one fail the comparison.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { folder, maxAbsError, reference } from './fixtures.mjs';
import { InvalidArgumentError, UnsupportedError, WorkerEngine, classifyTokenTexts, loadModel, pipeline } from '../../dist/index.js';

const TOL = 1e-4;
const ref = reference('bert-ner-tiny');

/** Entities equal but for the score, which agrees within 1e-5 (float32 softmax in Python). */
function assertEntities(got, want, what) {
  const strip = (list) => list.map(({ score, ...rest }) => rest);
  assert.deepEqual(strip(got), strip(want), what);
  got.forEach((e, i) => assert.ok(Math.abs(e.score - want[i].score) <= 1e-5, `${what}: ${e.score} vs ${want[i].score}`));
}

const STRATEGIES = ['none', 'simple', 'first', 'average', 'max'];

let model;
before(async () => { model = await loadModel(folder('bert-ner-tiny')); });
after(() => model?.dispose());

test('bert-ner-tiny: every token\'s logits equal PyTorch\'s, one text or several at once', async () => {
  assert.deepEqual(model.info.capabilities, ['encode', 'classify-tokens']);
  assert.deepEqual(model.info.classification.labels, ref.labels);
  const results = await model.classifyTokens(ref.texts.map((t) => t.text));
  results.forEach((r, i) => {
    assert.deepEqual(r.ids, ref.texts[i].ids);
    assert.deepEqual(r.dims, [ref.texts[i].ids.length, ref.labels.length]);
    const err = maxAbsError(r.logits, ref.texts[i].logits);
    assert.ok(err <= TOL, `${ref.texts[i].text}: max |logit error| ${err}`);
  });
  const [alone] = await model.classifyTokens(ref.texts[1].text);
  assert.deepEqual(alone.logits, results[1].logits); // a batch equals one at a time
});

test('ner: the entities of transformers\' pipeline (aggregation none), "O" ignored unless asked', async () => {
  const ner = await pipeline('ner', folder('bert-ner-tiny'));
  try {
    assertEntities(await ner(ref.texts[0].text), ref.texts[0].entities, 'one text');
    const all = await ner(ref.texts.map((t) => t.text));
    all.forEach((entities, i) => assertEntities(entities, ref.texts[i].entities, ref.texts[i].text));
    // Sensitivity: some tokens are "O" (dropped), and they come back with ignore_labels [].
    assert.ok(ref.checks.dropped_as_O > 0 && ref.checks.entities > 0);
    const unfiltered = await ner(ref.texts.map((t) => t.text), { ignore_labels: [] });
    unfiltered.forEach((entities, i) => assertEntities(entities, ref.texts[i].unfiltered, `unfiltered ${i}`));
    await assert.rejects(ner('x', { aggregation_strategy: 'best' }), InvalidArgumentError);
    await assert.rejects(ner('x', { ignore_labels: 'O' }), InvalidArgumentError);
    assertEntities(await ner(ref.texts[2].text), ref.texts[2].entities, 'still usable');
  } finally {
    await ner.dispose();
  }
});

test('ner: every aggregation_strategy as transformers\' pipeline gives it, with start/end', async () => {
  const ner = await pipeline('token-classification', folder('bert-ner-tiny'));
  try {
    for (const strategy of STRATEGIES) {
      const all = await ner(ref.texts.map((t) => t.text), { aggregation_strategy: strategy });
      all.forEach((entities, i) => assertEntities(entities, ref.texts[i].strategies[strategy], `${strategy}: ${ref.texts[i].text}`));
    }
    // The [UNK] token's word is its span of the text (the emoji), as Python's.
    const unk = (await ner(ref.texts[3].text, { ignore_labels: [] })).find((e) => e.word === '😀');
    assert.deepEqual([unk.start, unk.end], [ref.texts[3].text.indexOf('😀'), ref.texts[3].text.indexOf('😀') + 2]);
    // Sensitivity: the strategies give different entities on these texts, so each comparison can fail.
    assert.ok(ref.checks.first_vs_max > 0 && ref.checks.first_vs_average > 0 && ref.checks.simple_vs_first > 0);
    const i = ref.texts.findIndex((t) => JSON.stringify(t.strategies.first) !== JSON.stringify(t.strategies.max));
    assert.throws(() => assertEntities(ref.texts[i].strategies.first, ref.texts[i].strategies.max, 'first vs max'), assert.AssertionError);
    const got = await ner(ref.texts[0].text, { aggregation_strategy: 'first' });
    const shifted = got.map((e) => ({ ...e, start: e.start + 1 }));
    assert.throws(() => assertEntities(shifted, ref.texts[0].strategies.first, 'shifted'), assert.AssertionError);
    // Every span is the text's: text.slice(start, end) lowercased is the word for this uncased vocabulary.
    for (const e of got) assert.equal(ref.texts[0].text.slice(e.start, e.end).toLowerCase(), e.word);
  } finally {
    await ner.dispose();
  }
});

test('token classification on the wrong model, in a worker: named errors', async () => {
  await assert.rejects(pipeline('token-classification', folder('distilbert-sst2-tiny')), (e) =>
    e instanceof InvalidArgumentError && /cannot 'classify-tokens'/.test(e.message));
  await assert.rejects(model.classify('x'), UnsupportedError);
  await assert.rejects(model.classifyTokens([]), InvalidArgumentError);
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const remote = await engine.loadModel(folder('bert-ner-tiny'));
    const [r] = await remote.classifyTokens(ref.texts[0].text);
    assert.ok(maxAbsError(r.logits, ref.texts[0].logits) <= TOL);
    // The pipeline's post-processing in the worker (where the tokenizer is), every strategy.
    for (const strategy of STRATEGIES) {
      const all = await classifyTokenTexts(remote, ref.texts.map((t) => t.text), { aggregation_strategy: strategy });
      all.forEach((entities, i) => assertEntities(entities, ref.texts[i].strategies[strategy], `worker ${strategy} ${i}`));
    }
    assertEntities(await classifyTokenTexts(model, ref.texts[1].text, { aggregation_strategy: 'max' }),
      ref.texts[1].strategies.max, 'classifyTokenTexts on a Model');
    await assert.rejects(classifyTokenTexts(remote, 'x', { aggregation_strategy: 'best' }), InvalidArgumentError);
    await assert.rejects(remote.tokenEntities(['x'], { aggregation_strategy: 'best' }), InvalidArgumentError);
    // The tokenizer's offsets through the worker equal the local ones.
    const text = ref.texts[3].text;
    assert.deepEqual(await remote.tokenizer.encodeWithOffsets(text), model.tokenizer.encodeWithOffsets(text));
    assert.deepEqual(await remote.tokenizer.encodePairWithOffsets(text, 'Sarah'), model.tokenizer.encodePairWithOffsets(text, 'Sarah'));
    assertEntities(await remote.tokenEntities([ref.texts[0].text]).then((x) => x[0]), ref.texts[0].strategies.none, 'still usable');
  } finally {
    engine.terminate();
  }
});
