// ModernBERT's task heads through the public API (classify, classifyTokens, the text-classification and
// zero-shot pipelines) against the PyTorch references of tests/fixtures/modernbert-{nli,ner}-tiny
// (gen_modernbert_heads.py: ModernBertPredictionHead, then `classifier`; the sequence head pools
// as classifier_pooling says). Sensitivity: the [CLS] row's logits are far from the mean-pooled ones
// the config asks for, and a config saying "cls" gives them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixtures, folder, maxAbsError, reference } from './fixtures.mjs';
import { loadModel, pipeline } from '../../dist/index.js';

const TOL = 1e-4;

const inputsOf = (ref) => ref.inputs.map((i) => (i.text_pair === undefined ? i.text : { text: i.text, text_pair: i.text_pair }));

test('modernbert-nli-tiny: mean-pooled sequence logits equal PyTorch\'s; the [CLS] row\'s are far', async () => {
  const ref = reference('modernbert-nli-tiny');
  const model = await loadModel(folder('modernbert-nli-tiny'));
  try {
    assert.deepEqual(model.info.capabilities, ['encode', 'classify']);
    assert.deepEqual(model.info.classification, { labels: ref.labels });
    ref.inputs.forEach((i) => assert.deepEqual(
      i.text_pair === undefined ? model.tokenizer.encode(i.text) : model.tokenizer.encodePair(i.text, i.text_pair).input_ids, i.ids));
    // One packed call, the longest input wider than the local layers' window.
    const { logits, dims } = await model.classify(inputsOf(ref));
    assert.deepEqual(dims, [ref.inputs.length, 3]);
    const err = maxAbsError(logits, ref.inputs.map((i) => i.logits));
    assert.ok(err <= TOL, `max |logit error| ${err}`);
    const cls = maxAbsError(logits, ref.inputs.map((i) => i.cls_pooling_logits));
    assert.ok(cls > 100 * TOL, `the [CLS] row's logits are only ${cls} away`);
    // A batch equals one at a time.
    const one = await model.classify(inputsOf(ref)[2]);
    assert.ok(maxAbsError(one.logits, [ref.inputs[2].logits]) <= TOL);
  } finally {
    model.dispose();
  }
});

test('classifier_pooling "cls" in config.json: the [CLS] row\'s logits', async () => {
  const ref = reference('modernbert-nli-tiny');
  const config = JSON.parse(readFileSync(new URL('modernbert-nli-tiny/config.json', fixtures), 'utf8'));
  config.classifier_pooling = 'cls';
  const model = await loadModel({
    config: new TextEncoder().encode(JSON.stringify(config)),
    weights: readFileSync(new URL('modernbert-nli-tiny/model.safetensors', fixtures)),
    tokenizer: readFileSync(new URL('modernbert-nli-tiny/tokenizer.json', fixtures)),
  });
  try {
    const { logits } = await model.classify(inputsOf(ref));
    assert.ok(maxAbsError(logits, ref.inputs.map((i) => i.cls_pooling_logits)) <= TOL);
  } finally {
    model.dispose();
  }
});

test('modernbert-ner-tiny: every token\'s logits through head and classifier; the pipelines run', async () => {
  const ref = reference('modernbert-ner-tiny');
  const model = await loadModel(folder('modernbert-ner-tiny'));
  try {
    assert.deepEqual(model.info.capabilities, ['encode', 'classify-tokens']);
    const results = await model.classifyTokens(ref.texts.map((t) => t.text));
    results.forEach((r, i) => {
      assert.deepEqual(r.ids, ref.texts[i].ids);
      // Logits up to ~10 after the prediction head's LayerNorm: 2e-4 is 2e-5 of them.
      assert.ok(maxAbsError(r.logits, ref.texts[i].logits) <= 2 * TOL, ref.texts[i].text);
    });
  } finally {
    model.dispose();
  }
  const nli = await pipeline('zero-shot-classification', folder('modernbert-nli-tiny'));
  try {
    const out = await nli('The team won the match', ['sports', 'music']);
    assert.equal(out.labels.length, 2);
    assert.ok(Math.abs(out.scores[0] + out.scores[1] - 1) < 1e-6);
  } finally {
    await nli.dispose();
  }
});

test('modernbert-qa-tiny: the question-answering head gives spans inside the context', async () => {
  const model = await loadModel(folder('modernbert-qa-tiny'));
  try {
    assert.deepEqual(model.info.capabilities, ['encode', 'question-answering']);
    const { windows } = await model.answerSpans('Where is the park?', 'The old city has a large park by the river.', { top_k: 2 });
    assert.equal(windows.length, 1);
    const [w] = windows;
    assert.equal(w.spans.length, 2);
    for (const s of w.spans) assert.ok(s.start >= w.contextOffset && s.end < w.contextOffset + w.contextLength && s.score > 0);
  } finally {
    model.dispose();
  }
});
