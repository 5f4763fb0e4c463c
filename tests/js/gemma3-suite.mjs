// Gemma 3 (Gemma3ForCausalLM) through the public API (loadModel, forward,
// generate, attention) against the PyTorch references of
// tests/fixtures/gemma3-tiny (gen_gemma3.py: five layers over a sliding
// window of 6 keys with their own RoPE base, one full layer with linear
// rope_scaling, head_dim 32 != hidden / heads, query_pre_attn_scalar 48,
// (1 + w) norm gains, scaled embeddings, GeGLU, tied head). Run by
// gemma3-single.test.mjs and gemma3-threads.test.mjs, once per wasm build.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assertDtypesKeepTopToken, assertGreedyContinuations, assertMatchesReference, assertRefusesBadInputs,
} from './causal-lm-checks.mjs';
import { idsOnlyFiles, reference } from './fixtures.mjs';
import { backendInfo, env, loadModel } from '../../dist/index.js';

const NAME = 'gemma3-tiny';
const files = idsOnlyFiles(NAME);

export function gemma3Suite({ numThreads, flavour }) {
  before(async () => {
    env.wasm.numThreads = numThreads;
    assert.equal((await backendInfo()).flavour, flavour);
  });

  test("gemma3-tiny: logits, greedy continuations (KV cache past the window) and attention equal PyTorch's", async () => {
    const model = await loadModel(files());
    try {
      assert.equal(model.info.architecture, 'Gemma3ForCausalLM');
      assert.deepEqual(model.info.capabilities, ['generate']);
      assert.equal(model.info.nCtx, 128);
      // generate() decodes token by token with the KV cache (the sliding layers
      // keep their last 6 keys).
      assert.equal(await assertMatchesReference(model, NAME), 97);
    } finally {
      model.dispose();
    }
  });

  test('gemma3-tiny: an f16 KV cache decodes the same continuations', async () => {
    const model = await loadModel(files(), { kvDtype: 'f16' });
    try {
      await assertGreedyContinuations(model, reference(NAME).prompts.slice(2));
    } finally {
      model.dispose();
    }
  });

  // Bounds measured in tests/cpp/gemma3_checkpoint_test.cc (q8 0.82, f16 0.025).
  test("gemma3-tiny: dtype 'q8' and 'f16' keep the top token wherever PyTorch's margin exceeds twice the error bound", async () => {
    await assertDtypesKeepTopToken((dtype) => loadModel(files(), { dtype }), NAME, [['q8', 1.5], ['f16', 0.05]]);
  });

  test('gemma3-tiny refuses embed(), and bad inputs leave it working', async () => {
    const model = await loadModel(files());
    try {
      await assertRefusesBadInputs(model, { token: 2, badId: 1024, prompt: reference(NAME).prompts[3] });
    } finally {
      model.dispose();
    }
  });
}
