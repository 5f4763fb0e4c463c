// Gemma 3 (Gemma3ForCausalLM) through the public API (loadModel, forward,
// generate, attention) against the PyTorch references of
// tests/fixtures/gemma3-tiny (gen_gemma3.py: five layers over a sliding
// window of 6 keys with their own RoPE base, one full layer with linear
// rope_scaling, head_dim 32 != hidden / heads, query_pre_attn_scalar 48,
// (1 + w) norm gains, scaled embeddings, GeGLU, tied head). Run by
// gemma3-single.test.mjs and gemma3-threads.test.mjs, once per wasm build.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { compareLogits, idsOnlyFiles, maxAttentionError, reference } from './fixtures.mjs';
import { InvalidArgumentError, UnsupportedError, backendInfo, env, loadModel } from '../../dist/index.js';

const NAME = 'gemma3-tiny';
const files = idsOnlyFiles(NAME);

async function generateIds(model, input, maxNewTokens) {
  const tokens = [];
  for await (const step of model.generate(input, { max_new_tokens: maxNewTokens })) tokens.push(step.token);
  return tokens;
}

export function gemma3Suite({ numThreads, flavour }) {
  before(async () => {
    env.wasm.numThreads = numThreads;
    assert.equal((await backendInfo()).flavour, flavour);
  });

  test("gemma3-tiny: logits, greedy continuations (KV cache past the window) and attention equal PyTorch's", async () => {
    const model = await loadModel(files());
    try {
      const ref = reference(NAME);
      assert.equal(model.info.architecture, 'Gemma3ForCausalLM');
      assert.deepEqual(model.info.capabilities, ['generate']);
      assert.equal(model.info.nCtx, 128);
      const { maxAbs, rows, agree } = await compareLogits(model, NAME);
      assert.equal(rows, 97);
      assert.ok(maxAbs <= 1e-4, `max |logit error| ${maxAbs}`);
      assert.equal(agree, rows);
      // generate() decodes token by token with the KV cache (the sliding layers
      // keep their last 6 keys); PyTorch recomputed the whole sequence per step.
      for (const prompt of ref.prompts) {
        assert.deepEqual(await generateIds(model, prompt.ids, prompt.greedy.new_tokens), prompt.greedy.ids);
      }
      const att = await model.attention(ref.prompts[ref.attention.prompt].ids);
      const n = ref.attention.shape[2];
      assert.deepEqual(att.dims, [ref.attention.shape[1], n, n]);
      const maxProb = maxAttentionError(att.layers, ref.attention.probs, n);
      assert.ok(maxProb <= 1e-5, `max |attention error| ${maxProb}`);
    } finally {
      model.dispose();
    }
  });

  test('gemma3-tiny: an f16 KV cache decodes the same continuations', async () => {
    const model = await loadModel(files(), { kvDtype: 'f16' });
    try {
      const ref = reference(NAME);
      for (const prompt of ref.prompts.slice(2)) {
        assert.deepEqual(await generateIds(model, prompt.ids, prompt.greedy.new_tokens), prompt.greedy.ids);
      }
    } finally {
      model.dispose();
    }
  });

  // Bounds measured in tests/cpp/gemma3_checkpoint_test.cc (q8 0.82, f16 0.025).
  test("gemma3-tiny: dtype 'q8' and 'f16' keep the top token wherever PyTorch's margin exceeds twice the error bound", async () => {
    for (const [dtype, bound] of [['q8', 1.5], ['f16', 0.05]]) {
      const model = await loadModel(files(), { dtype });
      try {
        const { maxAbs, clearRows, clearAgree } = await compareLogits(model, NAME, 2 * bound);
        assert.ok(maxAbs <= bound, `${dtype}: max |logit error| ${maxAbs}`);
        assert.equal(clearAgree, clearRows, dtype);
        assert.equal(model.info.dtype, dtype);
      } finally {
        model.dispose();
      }
    }
  });

  test('gemma3-tiny refuses embed(), and bad inputs leave it working', async () => {
    const model = await loadModel(files());
    try {
      await assert.rejects(model.embed('hello'), UnsupportedError);
      await assert.rejects(model.forward([2, 1024]), (e) => e instanceof InvalidArgumentError && /1024/.test(e.message));
      const tooLong = Array.from({ length: model.info.nCtx + 1 }, () => 2);
      await assert.rejects(model.forward(tooLong), InvalidArgumentError);
      const prompt = reference(NAME).prompts[3];
      assert.deepEqual(await generateIds(model, prompt.ids, prompt.greedy.new_tokens), prompt.greedy.ids);
    } finally {
      model.dispose();
    }
  });
}
