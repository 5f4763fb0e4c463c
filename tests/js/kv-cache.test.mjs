// The KV cache's options through the public API: kvDtype 'f16' (the cache
// stored in f16 and read by the attention kernels as it is), contextLength
// (the positions a generation may hold, refused at load when its cache would
// not fit, naming what fits), and contexts past the old 4096-position cap.
// References: PyTorch's logits for tests/fixtures/llama-tiny (gen_llama.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { compareLogits, folder, reference } from './fixtures.mjs';
import { InvalidArgumentError, OutOfMemoryError, loadModel } from '../../dist/index.js';

/** llama-tiny as ModelFiles with config.json's max_position_embeddings replaced. */
function llamaTinyWithContext(positions) {
  const dir = folder('llama-tiny');
  const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8'));
  config.max_position_embeddings = positions;
  return {
    config: new Blob([JSON.stringify(config)]),
    weights: [`${dir}/model.safetensors`],
    tokenizer: `${dir}/tokenizer.json`,
  };
}

async function greedy(model, ids, n) {
  const out = [];
  for await (const { token } of model.generate(ids, { max_new_tokens: n, eos_token_id: [] })) out.push(token);
  return out;
}

test("kvDtype 'f16': logits stay within f16 rounding of PyTorch's, and differ from the f32 cache's", async () => {
  const f32 = await loadModel(folder('llama-tiny'));
  const f16 = await loadModel(folder('llama-tiny'), { kvDtype: 'f16' });
  try {
    assert.equal(f32.info.kvDtype, 'f32');
    assert.equal(f16.info.kvDtype, 'f16');
    const exact = await compareLogits(f32, 'llama-tiny');
    // K and V rounded to f16 (relative 2^-11) move these peaky logits by ~1e-2; f16 weights, which round
    // every matrix, stay within 0.15 (llama-suite), so the cache alone must too.
    const rounded = await compareLogits(f16, 'llama-tiny', 0.3);
    assert.ok(rounded.maxAbs <= 0.15, `f16 cache: max |logit error| ${rounded.maxAbs}`);
    assert.equal(rounded.clearAgree, rounded.clearRows);
    // The option reached the cache: rounding K/V shows, well above the f32 cache's error.
    assert.ok(rounded.maxAbs > 10 * exact.maxAbs, `f16 ${rounded.maxAbs} vs f32 ${exact.maxAbs}`);
  } finally {
    f32.dispose();
    f16.dispose();
  }
});

test('contextLength bounds what a generation holds, and is checked at load', async () => {
  const ref = reference('llama-tiny');
  const model = await loadModel(folder('llama-tiny'), { contextLength: 40 });
  try {
    assert.equal(model.info.nCtx, 40);
    const prompt = ref.prompts[3].ids;
    assert.equal(prompt.length, 31);
    // Generation stops when the context is full: 31 + 9 positions hold the prompt and the first 9
    // tokens, and the 10th is sampled from the last position's logits.
    assert.equal((await greedy(model, prompt, 64)).length, 10);
  } finally {
    model.dispose();
  }
  await assert.rejects(loadModel(folder('llama-tiny'), { contextLength: 129 }),
    (e) => e instanceof InvalidArgumentError && /a context of 129 positions exceeds the model's 128 \(max_position_embeddings\)/.test(e.message));
  for (const bad of [0, 1.5, -3]) {
    await assert.rejects(loadModel(folder('llama-tiny'), { contextLength: bad }),
      (e) => e instanceof InvalidArgumentError && /contextLength must be a whole number/.test(e.message), String(bad));
  }
  await assert.rejects(loadModel(folder('llama-tiny'), { kvDtype: 'q8' }),
    (e) => e instanceof InvalidArgumentError && /kvDtype must be 'f32' or 'f16', got "q8"/.test(e.message));
});

test('a context past the old 4096-position cap: the cache grows as positions are used', async () => {
  const model = await loadModel(llamaTinyWithContext(32768));
  try {
    assert.equal(model.info.nCtx, 32768);
    // 4200 positions: past 4096, where RoPE's table ends and positions are computed per token.
    const prompt = Array.from({ length: 4190 }, (_, i) => 3 + ((i * 7919) % 31000));
    const tokens = await greedy(model, prompt, 10);
    assert.equal(tokens.length, 10);
    assert.ok(tokens.every((t) => Number.isInteger(t) && t >= 0 && t < 32000));
  } finally {
    model.dispose();
  }
});

test('a context whose cache cannot fit is refused at load, naming the positions that fit; the runtime stays usable', async () => {
  // 2^24 positions of llama-tiny's cache (512 bytes each in f32) are 8 GB: more than wasm32 holds.
  await assert.rejects(loadModel(llamaTinyWithContext(1 << 24), { contextLength: 1 << 24 }), (e) => {
    assert.ok(e instanceof OutOfMemoryError, String(e));
    const m = /KV cache: 16777216 positions need .* available; (\d+) positions fit/.exec(e.message);
    assert.ok(m, e.message);
    assert.ok(Number(m[1]) > 100000 && Number(m[1]) < 1 << 24, m[1]);
    return true;
  });
  // The same model without the up-front context loads and generates as PyTorch does.
  const model = await loadModel(llamaTinyWithContext(1 << 24));
  try {
    const prompt = reference('llama-tiny').prompts[0];
    assert.deepEqual(await greedy(model, prompt.ids, prompt.greedy.new_tokens), prompt.greedy.ids);
  } finally {
    model.dispose();
  }
});
