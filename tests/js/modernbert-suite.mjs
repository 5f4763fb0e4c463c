// ModernBERT (answerdotai/ModernBERT-base's layout, ModernBertForMaskedLM) through the public API
// (loadModel, embed, attention, pipeline('feature-extraction')) against the PyTorch reference of
// tests/fixtures/modernbert-tiny (gen_modernbert.py): 4 layers, layers 0 and 3 global, 1 and 2 local
// over |i - j| <= 8 with their own RoPE base; inputs up to the 128-position context. Run by
// modernbert-single.test.mjs and modernbert-threads.test.mjs, once per wasm build.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compareRows, filesWithConfig, folder, maxAbsError, maxAttentionError, reference } from './fixtures.mjs';
import { FormatError, InvalidArgumentError, UnsupportedError, backendInfo, env, loadModel, pipeline } from '../../dist/index.js';

const NAME = 'modernbert-tiny';
const ref = reference(NAME);
const DIM = ref.config.hidden_size;
const POOLED = [
  ['mean', false, 'mean_pooled'], ['mean', true, 'mean_pooled_normalized'],
  ['cls', false, 'cls_pooled'], ['cls', true, 'cls_pooled_normalized'],
];
const TOL = 1e-4;

const withConfig = (edit) => filesWithConfig(NAME, edit);

// Token states of one sequence (pooling 'none') against its reference last_hidden_state.
async function stateError(model, input) {
  const { data, dims } = await model.embed([input.ids], { pooling: 'none' });
  assert.deepEqual(dims, [1, input.ids.length, DIM]);
  return maxAbsError(data, input.last_hidden_state);
}

export function modernbertSuite({ numThreads, flavour }) {
  let model;
  before(async () => {
    env.wasm.numThreads = numThreads;
    assert.equal((await backendInfo()).flavour, flavour);
    model = await loadModel(folder(NAME));
  });
  after(() => model?.dispose());

  test('modernbert-tiny: hidden states of every input equal PyTorch\'s, local and global layers alike', async () => {
    assert.equal(model.info.architecture, 'ModernBertForMaskedLM');
    assert.deepEqual(model.info.capabilities, ['encode', 'fill-mask']);
    assert.equal(model.info.nCtx, ref.config.max_position_embeddings);
    assert.ok(ref.inputs.some((i) => i.ids.length === model.info.nCtx), 'an input fills the context');
    assert.ok(ref.inputs.some((i) => i.ids.length > ref.config.local_attention + 1), 'inputs longer than the window');
    for (const input of ref.inputs) {
      const worst = await stateError(model, input);
      assert.ok(worst <= TOL, `${input.ids.length} tokens: max |error| ${worst}`);
    }
  });

  test('modernbert-tiny: texts tokenize as [CLS] … [SEP] and embed as PyTorch\'s for every pooling', async () => {
    ref.texts.forEach((t) => assert.deepEqual(model.tokenizer.encode(t.text), t.ids, t.text));
    const texts = ref.texts.map((t) => t.text);
    for (const [pooling, normalize, field] of POOLED) {
      const { data, dims } = await model.embed(texts, { pooling, normalize });
      assert.deepEqual(dims, [texts.length, DIM]);
      const { maxAbs, minCos } = compareRows(data, DIM, ref.texts.map((t) => t[field]));
      assert.ok(maxAbs <= TOL && minCos >= 0.9999, `${field}: max |error| ${maxAbs}, min cosine ${minCos}`);
    }
  });

  test('modernbert-tiny: a batch gives each sequence what it gets alone (PyTorch\'s padded batch)', async () => {
    const ids = ref.batch.inputs.map((i) => ref.inputs[i].ids);
    for (const [pooling, normalize, field] of POOLED) {
      const { data } = await model.embed(ids, { pooling, normalize });
      const { maxAbs, minCos } = compareRows(data, DIM, ref.batch[field]);
      assert.ok(maxAbs <= TOL && minCos >= 0.9999, `batch ${field}: max |error| ${maxAbs}, min cosine ${minCos}`);
    }
    const batch = await model.embed(ids, { pooling: 'mean' });
    for (const [r, one] of ids.entries()) {
      const alone = await model.embed([one], { pooling: 'mean' });
      assert.deepEqual(batch.data.subarray(r * DIM, (r + 1) * DIM), alone.data, `sequence ${r}`);
    }
  });

  test('modernbert-tiny: attention probabilities equal PyTorch\'s, zero outside the local layers\' window', async () => {
    const input = ref.inputs[ref.attention.input];
    const n = input.ids.length;
    const att = await model.attention(input.ids);
    assert.deepEqual(att.dims, [ref.attention.shape[1], n, n]);
    // Two float32 forms of the reference itself differ by checks.sliced_attention_vs_reference_max_abs_diff
    // (~1.6e-5 in the states); by layer 3 of these peaky weights the probabilities carry as much.
    const worst = maxAttentionError(att.layers, ref.attention.probs, n);
    assert.ok(worst <= 5e-5, `max |error| ${worst}`);
    const half = ref.config.local_attention / 2;
    for (const [l, layer] of att.layers.entries()) {
      const local = l % ref.config.global_attn_every_n_layers !== 0;
      let outside = 0;
      for (let i = 0; i < layer.length; i++) {
        const q = Math.floor(i / n) % n;
        if (Math.abs(q - (i % n)) > half) outside = Math.max(outside, layer[i]);
      }
      if (local) assert.equal(outside, 0, `layer ${l}`);
      else assert.ok(outside > 0.01, `layer ${l} is global`);
    }
  });

  // Run wrong in one way, the model must miss the reference by far more than TOL: first in the
  // reference's own checks (PyTorch run that way), then in qkv itself with the config changed.
  test('modernbert-tiny: the window, the local RoPE base and the GELU form each matter', async () => {
    for (const key of ['window_ignored', 'local_theta_as_global', 'geglu_halves_swapped', 'tanh_gelu', 'attn_norm_on_layer_0']) {
      assert.ok(ref.checks[key] >= 10 * TOL, `${key}: ${ref.checks[key]}`);
    }
    const longest = ref.inputs[ref.variants.input];
    for (const [edit, why] of [
      [{ global_attn_every_n_layers: 100 }, 'every layer global (no window)'],
      [{ local_attention: 1000 }, 'a window wider than the context'],
      [{ local_rope_theta: ref.config.global_rope_theta }, 'local layers at global_rope_theta'],
      [{ hidden_activation: 'gelu_pytorch_tanh' }, 'tanh GELU'],
    ]) {
      const wrong = await loadModel(withConfig(edit));
      try {
        const worst = await stateError(wrong, longest);
        assert.ok(worst >= 10 * TOL, `${why}: max |error| only ${worst}`);
      } finally {
        wrong.dispose();
      }
    }
  });

  // transformers halves the width down (sliding_window = local_attention // 2): one more is the same window.
  test('modernbert-tiny: an odd local_attention is halved down, as transformers does', async () => {
    const odd = await loadModel(withConfig({ local_attention: ref.config.local_attention + 1 }));
    try {
      assert.ok(await stateError(odd, ref.inputs[ref.variants.input]) <= TOL);
    } finally {
      odd.dispose();
    }
  });

  // The checkpoint holds ModernBertForMaskedLM's head beside the encoder; as a ModernBertModel (whose
  // checkpoints have no "model." prefix and no head) it loads the encoder alone.
  test('modernbert-tiny: the same file as a ModernBertModel gives the same states', async () => {
    const bare = await loadModel(withConfig({ architectures: ['ModernBertModel'] }));
    try {
      assert.equal(bare.info.architecture, 'ModernBertModel');
      assert.ok(await stateError(bare, ref.inputs[3]) <= TOL);
    } finally {
      bare.dispose();
    }
  });

  test("pipeline('feature-extraction') on modernbert-tiny returns transformers.js's tensor", async () => {
    const extractor = await pipeline('feature-extraction', folder(NAME));
    try {
      const texts = ref.texts.slice(0, 2);
      const out = await extractor(texts.map((t) => t.text), { pooling: 'mean', normalize: true });
      assert.deepEqual(out.dims, [2, DIM]);
      const { maxAbs } = compareRows(out.data, DIM, texts.map((t) => t.mean_pooled_normalized));
      assert.ok(maxAbs <= TOL, `max |error| ${maxAbs}`);
      const tokens = await extractor(texts[0].text);
      assert.deepEqual(tokens.dims, [1, texts[0].ids.length, DIM]);
    } finally {
      await extractor.dispose();
    }
  });

  test('modernbert-tiny: bad configs and inputs are named errors and leave qkv working', async () => {
    const cases = [
      [{ hidden_activation: 'relu' }, UnsupportedError, /hidden_activation "relu"/],
      [{ classifier_pooling: 'max' }, FormatError, /classifier_pooling must be "cls" or "mean"/],
      [{ rope_scaling: { rope_type: 'linear', factor: 2 } }, UnsupportedError, /rope_scaling\.rope_type "linear"/],
      [{ layer_types: ['full_attention'] }, FormatError, /layer_types must be a list of num_hidden_layers \(4\)/],
      [{ hidden_size: 30 }, FormatError, /hidden_size 30 is not divisible by num_attention_heads 4/],
      [{ norm_bias: true }, FormatError, /lacks .*embeddings\.norm\.bias/],
    ];
    for (const [edit, type, message] of cases) {
      await assert.rejects(loadModel(withConfig(edit)), (e) => e instanceof type && message.test(e.message),
        JSON.stringify(edit));
    }
    await assert.rejects(model.embed([[ref.special_ids['[CLS]'], ref.config.vocab_size]]),
      (e) => e instanceof InvalidArgumentError && new RegExp(String(ref.config.vocab_size)).test(e.message));
    await assert.rejects(model.forward([1]), UnsupportedError);
    // Longer than the context: cut to 128 ids, keeping the closing [SEP].
    const long = Array.from({ length: 300 }, (_, i) => 100 + i);
    long[0] = ref.special_ids['[CLS]'];
    long[299] = ref.special_ids['[SEP]'];
    const cut = [...long.slice(0, model.info.nCtx - 1), long[299]];
    const [a, b] = await Promise.all([model.embed([long]), model.embed([cut])]);
    assert.deepEqual(a.data, b.data);
    assert.ok(await stateError(model, ref.inputs[2]) <= TOL);
  });
}
