// Token classification (NER) through the public API (loadModel + classifyTokens,
// pipeline('token-classification' | 'ner')) against the PyTorch references of
// tests/fixtures/bert-ner-tiny (gen_classifiers.py): every token's logits of BertForTokenClassification,
// and the entities of transformers' token_classification.py with aggregation_strategy "none"
// (softmax per token, special tokens skipped, the "O" label ignored).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { folder, maxAbsError, reference } from './fixtures.mjs';
import { InvalidArgumentError, UnsupportedError, WorkerEngine, loadModel, pipeline } from '../../dist/index.js';

const TOL = 1e-4;
const ref = reference('bert-ner-tiny');

function assertEntities(got, want, what) {
  assert.deepEqual(got.map(({ entity, index, word }) => ({ entity, index, word })),
    want.map(({ entity, index, word }) => ({ entity, index, word })), what);
  got.forEach((e, i) => assert.ok(Math.abs(e.score - want[i].score) <= 1e-5, `${what}: ${e.score} vs ${want[i].score}`));
}

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
    await assert.rejects(ner('x', { aggregation_strategy: 'simple' }), UnsupportedError);
    await assert.rejects(ner('x', { aggregation_strategy: 'best' }), InvalidArgumentError);
    await assert.rejects(ner('x', { ignore_labels: 'O' }), InvalidArgumentError);
    assertEntities(await ner(ref.texts[2].text), ref.texts[2].entities, 'still usable');
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
  } finally {
    engine.terminate();
  }
});
