// nomic-bert (nomic-ai/nomic-embed-text-v1.5's NomicBertModel layout, remote code
// modeling_hf_nomic_bert.py) through the public API against the PyTorch reference of
// tests/fixtures/nomic-bert-tiny (gen_nomic_bert.py): rotary on half of each head's dims, SwiGLU
// of width n_inner 200 rounded up to 256, a vocabulary padded to a multiple of 64, post-LN blocks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { flavourFor } from './flavours.mjs';
import { compareRows, filesWithConfig, folder, maxAbsError, reference } from './fixtures.mjs';
import { UnsupportedError, backendInfo, env, loadModel } from '../../dist/index.js';

const NAME = 'nomic-bert-tiny';
const ref = reference(NAME);
const DIM = ref.config.n_embd;
const TOL = 1e-4;
const withConfig = (edit) => filesWithConfig(NAME, edit);

let model;
before(async () => {
  env.wasm.numThreads = 1;
  assert.equal((await backendInfo()).flavour, flavourFor(1));
  model = await loadModel(folder(NAME));
});
after(() => model?.dispose());

test('nomic-bert-tiny: hidden states, texts and a batch equal PyTorch\'s', async () => {
  assert.equal(model.info.architecture, 'NomicBertModel');
  assert.deepEqual(model.info.capabilities, ['encode']);
  assert.equal(model.info.nVocab, ref.n_vocab_padded);
  for (const input of ref.inputs) {
    const { data } = await model.embed([input.ids], { pooling: 'none' });
    const worst = maxAbsError(data, input.last_hidden_state);
    assert.ok(worst <= TOL, `${input.ids.length} tokens: max |error| ${worst}`);
  }
  ref.texts.forEach((t) => assert.deepEqual(model.tokenizer.encode(t.text), t.ids, t.text));
  for (const [pooling, normalize, field] of [['mean', true, 'mean_pooled_normalized'], ['cls', false, 'cls_pooled']]) {
    const texts = await model.embed(ref.texts.map((t) => t.text), { pooling, normalize });
    const a = compareRows(texts.data, DIM, ref.texts.map((t) => t[field]));
    assert.ok(a.maxAbs <= TOL && a.minCos >= 0.9999, `texts ${field}: ${a.maxAbs}`);
    const batch = await model.embed(ref.inputs.map((i) => i.ids), { pooling, normalize });
    const b = compareRows(batch.data, DIM, ref.inputs.map((i) => i[field]));
    assert.ok(b.maxAbs <= TOL && b.minCos >= 0.9999, `batch ${field}: ${b.maxAbs}`);
  }
});

test('nomic-bert-tiny: the rotary fraction matters; unsupported variants are named', async () => {
  for (const key of ['rotary_all_dims', 'swiglu_halves_swapped', 'no_rotary']) assert.ok(ref.checks[key] >= 10 * TOL, key);
  const longest = ref.inputs[ref.variants.input];
  const wrong = await loadModel(withConfig({ rotary_emb_fraction: 1.0 }));
  try {
    const { data } = await wrong.embed([longest.ids], { pooling: 'none' });
    assert.ok(maxAbsError(data, longest.last_hidden_state) >= 10 * TOL);
  } finally {
    wrong.dispose();
  }
  for (const [edit, message] of [
    [{ activation_function: 'gelu' }, /activation_function "gelu" \(qkv's nomic-bert runs "swiglu"\)/],
    [{ rotary_emb_fraction: 0.0 }, /rotary_emb_fraction must give an even number of rotary dims/],
    [{ rotary_scaling_factor: 2.0 }, /rotary_scaling_factor 2/],
    [{ prenorm: true }, /prenorm true/],
  ]) {
    await assert.rejects(loadModel(withConfig(edit)), (e) => e instanceof UnsupportedError && message.test(e.message),
      JSON.stringify(edit));
  }
  const again = await model.embed([ref.inputs[1].ids], { pooling: 'none' });
  assert.ok(maxAbsError(again.data, ref.inputs[1].last_hidden_state) <= TOL);
});
