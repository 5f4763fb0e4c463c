// Sequence classification through the public API (loadModel + classify, pipeline('text-classification' |
// 'sentiment-analysis' | 'text-ranking'), rerank) against the PyTorch references of
// tests/fixtures/{distilbert-sst2-tiny, bert-nli-tiny, rerank-tiny} (gen_classifiers.py): the logits of
// DistilBERT's, BERT's and XLM-RoBERTa's heads, the pipeline's labels and scores as transformers'
// text_classification.py post-processes them, pairs with token types, and the sensitivity variants
// the references record (a dropped ReLU, pairs without token types, softmax on one logit).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fixtures, folder, maxAbsError, reference } from './fixtures.mjs';
import {
  FormatError, InvalidArgumentError, UnsupportedError, WorkerEngine, classifyTexts, createTokenizer, loadModel, pipeline,
  rerank,
} from '../../dist/index.js';

const TOL = 1e-4; // logits: f32 through two tiny layers
const SCORE_TOL = 1e-5;

const rows = (logits, width) => Array.from({ length: logits.length / width }, (_, r) => logits.subarray(r * width, (r + 1) * width));

function assertResults(got, want, what) {
  assert.deepEqual(got.map((r) => r.label), want.map((r) => r.label), `${what}: labels`);
  got.forEach((r, i) => assert.ok(Math.abs(r.score - want[i].score) <= SCORE_TOL, `${what}: score ${r.score} vs ${want[i].score}`));
}

/** The fixture's files with config.json edited: ModelFiles for loadModel. */
function withConfig(name, edit) {
  const config = JSON.parse(readFileSync(new URL(`${name}/config.json`, fixtures), 'utf8'));
  edit(config);
  return {
    config: new TextEncoder().encode(JSON.stringify(config)),
    weights: readFileSync(new URL(`${name}/model.safetensors`, fixtures)),
    tokenizer: readFileSync(new URL(`${name}/tokenizer.json`, fixtures)),
  };
}

const models = {};
before(async () => {
  for (const name of ['distilbert-sst2-tiny', 'bert-nli-tiny', 'rerank-tiny']) models[name] = await loadModel(folder(name));
});
after(() => Object.values(models).forEach((m) => m.dispose()));

test('distilbert-sst2-tiny: DistilBERT\'s head logits equal PyTorch\'s, and the pre_classifier ReLU is applied', async () => {
  const model = models['distilbert-sst2-tiny'];
  const ref = reference('distilbert-sst2-tiny');
  assert.equal(model.info.architecture, 'DistilBertForSequenceClassification');
  assert.deepEqual(model.info.capabilities, ['encode', 'classify']);
  assert.deepEqual(model.info.classification, { labels: ['NEGATIVE', 'POSITIVE'] });
  assert.equal(model.info.nTokenTypes, 0);
  ref.inputs.forEach((i) => assert.deepEqual(model.tokenizer.encode(i.text), i.ids, i.text));
  const { logits, dims } = await model.classify(ref.inputs.map((i) => i.text));
  assert.deepEqual(dims, [ref.inputs.length, 2]);
  const err = maxAbsError(logits, ref.inputs.map((i) => i.logits));
  const variant = maxAbsError(logits, ref.inputs.map((i) => i.no_relu_logits));
  assert.ok(err <= TOL, `max |logit error| ${err}`);
  // Sensitivity: the head without its ReLU is far from what qkv computes.
  assert.ok(variant > 100 * TOL, `without the ReLU the logits move by only ${variant}`);
});

test('sentiment-analysis: labels and softmax scores as transformers\' pipeline, in transformers.js\'s shapes', async () => {
  const ref = reference('distilbert-sst2-tiny');
  const classifier = await pipeline('sentiment-analysis', folder('distilbert-sst2-tiny'));
  try {
    const texts = ref.inputs.map((i) => i.text);
    // One text: [{ label, score }] (top_k 1).
    const one = await classifier(texts[0]);
    assert.equal(one.length, 1);
    assertResults(one, ref.inputs[0].results.slice(0, 1), 'one text');
    // An array with top_k 1: one { label, score } per text.
    const many = await classifier(texts);
    assert.equal(many.length, texts.length);
    many.forEach((r, i) => assertResults([r], ref.inputs[i].results.slice(0, 1), texts[i]));
    // top_k null: every label, best first; per text for an array.
    assertResults(await classifier(texts[1], { top_k: null }), ref.inputs[1].results, 'top_k null');
    const all = await classifier(texts, { top_k: 2 });
    all.forEach((r, i) => assertResults(r, ref.inputs[i].results, `top_k 2, ${texts[i]}`));
    // function_to_apply 'none': the logits themselves.
    const raw = await classifier(texts[2], { top_k: null, function_to_apply: 'none' });
    const want = ref.inputs[2].logits;
    raw.forEach((r) => assert.ok(Math.abs(r.score - want[['NEGATIVE', 'POSITIVE'].indexOf(r.label)]) <= TOL));
  } finally {
    await classifier.dispose();
  }
});

test('bert-nli-tiny: pairs get BERT\'s pair template with token types 1 on the second text', async () => {
  const model = models['bert-nli-tiny'];
  const ref = reference('bert-nli-tiny');
  for (const p of ref.pairs) {
    assert.deepEqual(model.tokenizer.encodePair(p.text, p.text_pair), { input_ids: p.ids, token_type_ids: p.token_type_ids });
  }
  const { logits } = await model.classify(ref.pairs.map(({ text, text_pair }) => ({ text, text_pair })));
  const err = maxAbsError(logits, ref.pairs.map((p) => p.logits));
  assert.ok(err <= TOL, `max |logit error| ${err}`);
  // Sensitivity: the same ids with every token type 0 give other logits.
  const untyped = maxAbsError(logits, ref.pairs.map((p) => p.no_token_types_logits));
  assert.ok(untyped > 100 * TOL, `without token types the logits move by only ${untyped}`);
  // Singles (no text_pair) in the same call as pairs.
  const mixed = await model.classify([ref.singles[0].text, { text: ref.pairs[0].text, text_pair: ref.pairs[0].text_pair },
    { text: ref.singles[1].text }]);
  const want = [ref.singles[0].logits, ref.pairs[0].logits, ref.singles[1].logits];
  assert.ok(maxAbsError(mixed.logits, want) <= TOL);
});

test('text-classification on pairs: softmax over 3 labels; a batch equals one input at a time', async () => {
  const ref = reference('bert-nli-tiny');
  const classifier = await pipeline('text-classification', folder('bert-nli-tiny'));
  try {
    const inputs = ref.pairs.map(({ text, text_pair }) => ({ text, text_pair }));
    const batch = await classifier(inputs, { top_k: null });
    for (const [i, input] of inputs.entries()) {
      assertResults(batch[i], ref.pairs[i].results, `pair ${i}`);
      assert.deepEqual(await classifier(input, { top_k: null }), batch[i], `pair ${i} alone`);
    }
    const { logits: together } = await classifier.model.classify(inputs);
    const alone = await Promise.all(inputs.map((x) => classifier.model.classify(x)));
    alone.forEach(({ logits }, i) => assert.deepEqual(logits, rows(together, 3)[i]));
  } finally {
    await classifier.dispose();
  }
});

test('problem_type multi_label_classification: sigmoid scores; no id2label: LABEL_i as transformers names them', async () => {
  const ref = reference('bert-nli-tiny');
  const multi = await pipeline('text-classification', withConfig('bert-nli-tiny', (c) => { c.problem_type = 'multi_label_classification'; }));
  try {
    const p = ref.pairs[1];
    assertResults(await multi({ text: p.text, text_pair: p.text_pair }, { top_k: null }), p.multi_label_results, 'multi-label');
  } finally {
    await multi.dispose();
  }
  // problem_type regression: no function, the logits themselves (transformers' ClassificationFunction.NONE).
  const regression = await pipeline('text-classification', withConfig('bert-nli-tiny', (c) => { c.problem_type = 'regression'; }));
  try {
    const p = ref.pairs[2];
    const got = await regression({ text: p.text, text_pair: p.text_pair }, { top_k: null });
    got.forEach((r) => assert.ok(Math.abs(r.score - p.logits[ref.labels.indexOf(r.label)]) <= TOL, r.label));
  } finally {
    await regression.dispose();
  }
  await assert.rejects(loadModel(withConfig('bert-nli-tiny', (c) => { c.problem_type = 'ranking'; })), FormatError);
  const unnamed = await pipeline('text-classification', withConfig('bert-nli-tiny', (c) => { delete c.id2label; delete c.label2id; c.num_labels = 3; }));
  try {
    assert.deepEqual(unnamed.model.info.classification.labels, ['LABEL_0', 'LABEL_1', 'LABEL_2']);
    const p = ref.pairs[0];
    const want = p.results.map((r) => ({ ...r, label: `LABEL_${ref.labels.indexOf(r.label)}` }));
    assertResults(await unnamed({ text: p.text, text_pair: p.text_pair }, { top_k: null }), want, 'LABEL_i');
  } finally {
    await unnamed.dispose();
  }
});

test('rerank-tiny: a one-logit XLM-R cross-encoder scores by sigmoid, never softmax (always 1)', async () => {
  const model = models['rerank-tiny'];
  const ref = reference('rerank-tiny');
  assert.equal(model.info.architecture, 'XLMRobertaForSequenceClassification');
  // RobertaProcessing's pair: [CLS] A [SEP] [SEP] B [SEP], every type 0.
  ref.documents.forEach((d) => assert.deepEqual(model.tokenizer.encodePair(ref.query, d.text).input_ids, d.ids));
  const ranked = await rerank(model, ref.query, ref.documents.map((d) => d.text), { return_documents: true });
  assert.deepEqual(ranked.map((r) => r.corpus_id), ref.order);
  ranked.forEach((r) => {
    assert.ok(Math.abs(r.score - ref.documents[r.corpus_id].score) <= SCORE_TOL);
    assert.equal(r.text, ref.documents[r.corpus_id].text);
  });
  assert.deepEqual((await rerank(model, ref.query, ref.documents.map((d) => d.text), { top_k: 2 })).map((r) => r.corpus_id),
    ref.order.slice(0, 2));
  // The pipeline's default for one logit is sigmoid; softmax, asked for, gives 1.0 whatever the pair.
  const classifier = await pipeline('text-classification', folder('rerank-tiny'));
  const ranking = await pipeline('text-ranking', folder('rerank-tiny'));
  try {
    const inputs = ref.documents.map((d) => ({ text: ref.query, text_pair: d.text }));
    const scores = await classifier(inputs);
    scores.forEach((r, i) => assert.ok(Math.abs(r.score - ref.documents[i].score) <= SCORE_TOL, `${r.score}`));
    const softmax = await classifier(inputs, { function_to_apply: 'softmax' });
    softmax.forEach((r) => assert.equal(r.score, 1));
    assert.ok(ref.checks.softmax_vs_sigmoid_min_abs_diff > 0.1);
    assert.deepEqual((await ranking(ref.query, ref.documents.map((d) => d.text))).map((r) => r.corpus_id), ref.order);
  } finally {
    await classifier.dispose();
    await ranking.dispose();
  }
});

test('a tokenizer.json whose pair template is unusable still encodes single texts; encodePair names the problem', () => {
  // tests/fixtures/unigram-tokenizer's exports write "pair": [] (no sequences).
  const tokenizer = createTokenizer(JSON.parse(readFileSync(new URL('unigram-tokenizer/tokenizer.json', fixtures), 'utf8')));
  assert.ok(tokenizer.encode('hello world').length > 1);
  assert.throws(() => tokenizer.encodePair('a', 'b'), (e) => e instanceof FormatError && /post_processor\.pair/.test(e.message));
  // Without any post_processor a pair is A then B, B's tokens of type 1 (Hugging Face tokenizers' default).
  const plain = createTokenizer({ ...JSON.parse(readFileSync(new URL('bert-nli-tiny/tokenizer.json', fixtures), 'utf8')), post_processor: null });
  const a = plain.encode('the cat');
  const b = plain.encode('sat');
  assert.deepEqual(plain.encodePair('the cat', 'sat'), { input_ids: [...a, ...b], token_type_ids: [...a.map(() => 0), ...b.map(() => 1)] });
});

test('bad inputs: named errors, and every model stays usable', async () => {
  const model = models['distilbert-sst2-tiny'];
  const ref = reference('distilbert-sst2-tiny');
  await assert.rejects(model.classify([]), InvalidArgumentError);
  await assert.rejects(model.classify([42]), InvalidArgumentError);
  await assert.rejects(model.classify({ text: 'a', text_pair: 7 }), InvalidArgumentError);
  const classifier = await pipeline('text-classification', folder('distilbert-sst2-tiny'));
  try {
    await assert.rejects(classifier('x', { top_k: 0 }), InvalidArgumentError);
    await assert.rejects(classifier('x', { function_to_apply: 'relu' }), InvalidArgumentError);
  } finally {
    await classifier.dispose();
  }
  // A pair longer than the context is refused; a long single text is cut as embed() cuts it.
  const long = 'word '.repeat(200);
  await assert.rejects(model.classify({ text: long, text_pair: 'x' }), InvalidArgumentError);
  assert.deepEqual((await model.classify(long)).dims, [1, 2]);
  // rerank needs one logit.
  await assert.rejects(rerank(model, 'q', ['d']), InvalidArgumentError);
  await assert.rejects(rerank(models['rerank-tiny'], 'q', []), InvalidArgumentError);
  // A model without a classification head: pipeline() names the missing capability.
  await assert.rejects(pipeline('text-classification', folder('bert-tiny')), (e) =>
    e instanceof InvalidArgumentError && /cannot 'classify'/.test(e.message));
  const encoder = await loadModel(folder('bert-tiny'));
  try {
    await assert.rejects(encoder.classify('hello'), UnsupportedError);
    assert.equal((await encoder.embed('hello')).dims[0], 1);
  } finally {
    encoder.dispose();
  }
  // id2label that disagrees with the head's weights: a format error at load.
  await assert.rejects(loadModel(withConfig('distilbert-sst2-tiny', (c) => { c.id2label = { 0: 'A', 1: 'B', 2: 'C' }; })),
    (e) => e.name === 'FormatError');
  const { logits } = await model.classify(ref.inputs[0].text);
  assert.ok(maxAbsError(logits, [ref.inputs[0].logits]) <= TOL);
});

test('in a worker: classify(), rerank() and classifyTexts() as on the main thread; errors keep their class', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const ref = reference('rerank-tiny');
    const remote = await engine.loadModel(folder('rerank-tiny'));
    assert.deepEqual(remote.info.classification, { labels: ['LABEL_0'] });
    const docs = ref.documents.map((d) => d.text);
    const { logits } = await remote.classify(docs.map((text_pair) => ({ text: ref.query, text_pair })));
    assert.ok(maxAbsError(logits, ref.documents.map((d) => [d.logit])) <= TOL);
    assert.deepEqual((await rerank(remote, ref.query, docs)).map((r) => r.corpus_id), ref.order);
    const [best] = await classifyTexts(remote, { text: ref.query, text_pair: docs[0] });
    assert.ok(Math.abs(best.score - ref.documents[0].score) <= SCORE_TOL);
    await assert.rejects(remote.classify([]), InvalidArgumentError);
    const bert = await engine.loadModel(folder('bert-tiny'));
    await assert.rejects(bert.classify('hi'), (e) => e instanceof UnsupportedError && /cannot 'classify'/.test(e.message));
    assert.equal((await remote.classify('still usable')).dims[0], 1);
  } finally {
    engine.terminate();
  }
});
