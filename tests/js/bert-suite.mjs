// The BERT encoder through the public API (loadModel, embed, attention,
// pipeline('feature-extraction')) against the PyTorch references of
// tests/fixtures/bert-tiny and roberta-tiny (gen_bert.py). Run by
// bert-single.test.mjs and bert-threads.test.mjs, once per wasm build.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compareRows, cosine, folder, idsOnlyFiles, maxAbsError, maxAttentionError, reference } from './fixtures.mjs';
import { InvalidArgumentError, UnsupportedError, backendInfo, env, loadModel, pipeline } from '../../dist/index.js';

const POOLED = [
  ['mean', false, 'mean_pooled'], ['mean', true, 'mean_pooled_normalized'],
  ['cls', false, 'cls_pooled'], ['cls', true, 'cls_pooled_normalized'],
];

export function bertSuite({ numThreads, flavour }) {
  let model;
  const ref = reference('bert-tiny');
  before(async () => {
    env.wasm.numThreads = numThreads;
    assert.equal((await backendInfo()).flavour, flavour);
    model = await loadModel(folder('bert-tiny'));
  });
  after(() => model?.dispose());

  test('bert-tiny: embeddings of texts equal PyTorch\'s for every pooling', async () => {
    assert.equal(model.info.architecture, 'BertModel');
    assert.deepEqual(model.info.capabilities, ['encode']);
    const texts = ref.texts.map((t) => t.text);
    // The tokenizer adds [CLS] … [SEP] as BERT's post-processor says.
    ref.texts.forEach((t) => assert.deepEqual(model.tokenizer.encode(t.text), t.ids, t.text));
    for (const [pooling, normalize, field] of POOLED) {
      const { data, dims } = await model.embed(texts, { pooling, normalize });
      assert.deepEqual(dims, [texts.length, model.info.nEmbd]);
      const { maxAbs, minCos } = compareRows(data, dims[1], ref.texts.map((t) => t[field]));
      assert.ok(maxAbs <= 1e-4 && minCos >= 0.9999, `${field}: max |error| ${maxAbs}, min cosine ${minCos}`);
    }
  });

  test('bert-tiny: a batch gives each sequence the states it has alone (the padded batch of PyTorch)', async () => {
    const ids = ref.batch.inputs.map((i) => ref.inputs[i].ids);
    for (const [pooling, normalize, field] of POOLED) {
      const { data, dims } = await model.embed(ids, { pooling, normalize });
      const { maxAbs, minCos } = compareRows(data, dims[1], ref.batch[field]);
      assert.ok(maxAbs <= 1e-4 && minCos >= 0.9999, `${field}: max |error| ${maxAbs}, min cosine ${minCos}`);
    }
    // Token states of one sequence: pooling 'none'.
    const single = ref.inputs.find((i) => i.token_type_ids.every((t) => t === 0) && i.ids.length > 8);
    const { data, dims } = await model.embed([single.ids], { pooling: 'none' });
    assert.deepEqual(dims, [1, single.ids.length, model.info.nEmbd]);
    assert.ok(maxAbsError(data, single.last_hidden_state) <= 1e-4);
  });

  test('bert-tiny: attention probabilities equal PyTorch\'s', async () => {
    const input = ref.inputs[ref.attention.input];
    assert.ok(input.token_type_ids.every((t) => t === 0), 'the API encodes segment A only');
    const att = await model.attention(input.ids);
    const n = input.ids.length;
    assert.deepEqual(att.dims, [ref.attention.shape[1], n, n]);
    assert.ok(maxAttentionError(att.layers, ref.attention.probs, n) <= 1e-5);
  });

  test("pipeline('feature-extraction') returns a tensor like transformers.js's", async () => {
    const extractor = await pipeline('feature-extraction', folder('bert-tiny'));
    try {
      const texts = ref.texts.slice(0, 2);
      const out = await extractor(texts.map((t) => t.text), { pooling: 'mean', normalize: true });
      assert.equal(out.type, 'float32');
      assert.deepEqual(out.dims, [2, 64]);
      const list = out.tolist();
      assert.equal(list.length, 2);
      assert.ok(cosine(list[1], texts[1].mean_pooled_normalized) >= 0.9999);
      const tokens = await extractor(texts[0].text);  // pooling 'none' by default, as transformers.js
      assert.deepEqual(tokens.dims, [1, texts[0].ids.length, 64]);
      await assert.rejects(extractor(texts.map((t) => t.text)), (e) => e instanceof InvalidArgumentError && /one text/.test(e.message));
    } finally {
      await extractor.dispose();
    }
    await assert.rejects(pipeline('text-generation', folder('bert-tiny')), (e) => e instanceof InvalidArgumentError &&
      /^pipeline\('text-generation'\): BertModel cannot 'generate'; it can 'encode'/.test(e.message));
  });

  // Max pooling (sentence-transformers' pooling_mode_max_tokens): each dimension's largest value over
  // the tokens of PyTorch's last hidden states, computed here.
  test('bert-tiny: max pooling takes each dimension\'s largest token state', async () => {
    const inputs = ref.inputs.filter((i) => i.token_type_ids.every((t) => t === 0));
    for (const normalize of [false, true]) {
      const { data, dims } = await model.embed(inputs.map((i) => i.ids), { pooling: 'max', normalize });
      const want = inputs.map(({ last_hidden_state: rows }) => {
        const max = rows[0].map((_, d) => Math.max(...rows.map((r) => r[d])));
        const norm = normalize ? Math.hypot(...max) : 1;
        return max.map((v) => v / norm);
      });
      const { maxAbs, minCos } = compareRows(data, dims[1], want);
      assert.ok(maxAbs <= 1e-4 && minCos >= 0.9999, `max${normalize ? ', normalized' : ''}: max |error| ${maxAbs}, min cosine ${minCos}`);
    }
  });

  test('bert-tiny: bad inputs are named and leave the model working', async () => {
    await assert.rejects(model.embed([]), InvalidArgumentError);
    await assert.rejects(model.embed(['a'], { pooling: 'median' }), (e) => e instanceof InvalidArgumentError && /pooling/.test(e.message));
    await assert.rejects(model.embed([[101, 40000, 102]]), (e) => e instanceof InvalidArgumentError && /40000/.test(e.message));
    await assert.rejects(model.forward([101]), (e) => e instanceof UnsupportedError && /^model\.forward\(\): BertModel cannot 'generate'; it can 'encode' \(embed\(\)\)$/.test(e.message));
    await assert.rejects(async () => { for await (const _ of model.generate('hi')) { /* nothing */ } },
      (e) => e instanceof UnsupportedError && /^model\.generate\(\): BertModel cannot 'generate'; it can 'encode'/.test(e.message));
    // Longer than the 128 positions: cut to the context, keeping [SEP] at the end.
    const long = Array.from({ length: 300 }, (_, i) => `word${i % 7}`).join(' ');
    const { data } = await model.embed(long, { pooling: 'cls' });
    assert.equal(data.length, 64);
    const again = await model.embed(ref.texts[0].text, { pooling: 'mean', normalize: true });
    assert.ok(cosine(again.data, ref.texts[0].mean_pooled_normalized) >= 0.9999);
  });

  // RoBERTa: positions from pad_token_id + 1, so 130 position rows hold a 128-token context.
  test('roberta-tiny: embeddings, a batch and attention equal PyTorch\'s (ids only)', async () => {
    const rob = reference('roberta-tiny');
    const roberta = await loadModel(idsOnlyFiles('roberta-tiny')());
    try {
      assert.equal(roberta.info.architecture, 'RobertaModel');
      assert.deepEqual(roberta.info.capabilities, ['encode']);
      assert.equal(roberta.info.nCtx, rob.positions.context);
      const ids = rob.inputs.map((i) => i.ids);
      assert.ok(ids.some((s) => s.length === rob.positions.context), 'an input fills the context');
      for (const [pooling, normalize, field] of POOLED) {
        const { data, dims } = await roberta.embed(ids, { pooling, normalize });
        const { maxAbs, minCos } = compareRows(data, dims[1], rob.inputs.map((i) => i[field]));
        assert.ok(maxAbs <= 1e-4 && minCos >= 0.9999, `${field}: max |error| ${maxAbs}, min cosine ${minCos}`);
        const batch = await roberta.embed(rob.batch.inputs.map((i) => ids[i]), { pooling, normalize });
        const b = compareRows(batch.data, dims[1], rob.batch[field]);
        assert.ok(b.maxAbs <= 1e-4 && b.minCos >= 0.9999, `batch ${field}: max |error| ${b.maxAbs}`);
      }
      for (const input of rob.inputs) {
        const { data } = await roberta.embed([input.ids], { pooling: 'none' });
        assert.ok(maxAbsError(data, input.last_hidden_state) <= 1e-4);
      }
      const input = rob.inputs[rob.attention.input];
      const att = await roberta.attention(input.ids);
      assert.ok(maxAttentionError(att.layers, rob.attention.probs, input.ids.length) <= 1e-5);
      // Longer than the context: cut to 128 ids, keeping the closing </s>.
      const long = Array.from({ length: 300 }, (_, i) => 4 + (i % 1000));
      long[299] = rob.special_ids['</s>'];
      const cut = [...long.slice(0, rob.positions.context - 1), long[299]];
      const [a, b] = await Promise.all([roberta.embed([long]), roberta.embed([cut])]);
      assert.deepEqual(a.data, b.data);
    } finally {
      roberta.dispose();
    }
  });
}
