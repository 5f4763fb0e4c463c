// transformers.js's loading options: its dtype names are accepted where they
// name what qkv has, its ONNX quantizations are refused naming 'q8', and the
// options qkv has no use for are said once on the console, not dropped silently.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { folder } from './fixtures.mjs';
import { InvalidArgumentError, loadModel, pipeline } from '../../dist/index.js';

async function warnings(run) {
  const seen = [];
  const original = console.warn;
  console.warn = (...args) => { seen.push(args.join(' ')); };
  try {
    await run();
  } finally {
    console.warn = original;
  }
  return seen;
}

test("loadModel takes transformers.js's 'fp32' and 'fp16'; int8/uint8/q4 are refused naming 'q8'", async () => {
  for (const [alias, dtype] of [['fp32', 'f32'], ['fp16', 'f16']]) {
    const model = await loadModel(folder('gpt2-tiny'), { dtype: alias });
    const same = await loadModel(folder('gpt2-tiny'), { dtype });
    try {
      assert.equal(model.info.dtype, dtype);
      assert.deepEqual((await model.forward([1, 2, 3])).logits, (await same.forward([1, 2, 3])).logits);
    } finally {
      model.dispose();
      same.dispose();
    }
  }
  // 'q4' is qkv's own 4-bit type since issue 17 (tests/js/q4.test.mjs); the others stay refused.
  for (const name of ['int8', 'uint8', 'q4f16', 'bnb4']) {
    await assert.rejects(loadModel(folder('gpt2-tiny'), { dtype: name }), (e) => e instanceof InvalidArgumentError &&
      e.message === `dtype must be one of auto, f32, f16, q8, q4, fp32, fp16, got "${name}" ('${name}' names one of ` +
        "transformers.js's ONNX quantizations; qkv's own 8-bit weights are 'q8', its 4-bit ones 'q4')");
  }
  await assert.rejects(pipeline('text-generation', folder('gpt2-tiny'), { dtype: 'f64' }),
    /^InvalidArgumentError: pipeline: dtype must be one of auto, f32, f16, q8, q4, fp32, fp16, got "f64"$/);
});

// The default keeps the checkpoint's dtype, as transformers' torch_dtype="auto" does: gpt2-tiny is f32,
// gpt2-tiny-f16 f16, gpt2-tiny-bf16 bf16 (held as f16: exact in f16's range, so its logits equal f32's within
// 1e-4 of PyTorch's on the bf16 weights).
test("the default dtype, 'auto', follows the checkpoint: f32 stays f32, f16 and bf16 become f16", async () => {
  for (const [fixture, held] of [['gpt2-tiny', 'f32'], ['gpt2-tiny-f16', 'f16'], ['gpt2-tiny-bf16', 'f16'],
    ['llama-tiny', 'f32']]) {
    const byDefault = await loadModel(folder(fixture));
    const auto = await loadModel(folder(fixture), { dtype: 'auto' });
    const widened = await loadModel(folder(fixture), { dtype: 'f32' });
    try {
      assert.equal(byDefault.info.dtype, held, fixture);
      assert.equal(auto.info.dtype, held, fixture);
      assert.equal(widened.info.dtype, 'f32', fixture);
      const { logits } = await byDefault.forward([1, 2, 3]);
      assert.deepEqual((await auto.forward([1, 2, 3])).logits, logits);
      const exact = (await widened.forward([1, 2, 3])).logits;
      let maxAbs = 0;
      for (let i = 0; i < logits.length; i++) maxAbs = Math.max(maxAbs, Math.abs(logits[i] - exact[i]));
      assert.ok(maxAbs <= 1e-4, `${fixture}: the checkpoint's own dtype moved a logit by ${maxAbs}`);
      // The weights take the bytes of the dtype held: half of f32's for f16.
      assert.ok(byDefault.info.weightBytes <= widened.info.weightBytes * (held === 'f16' ? 0.55 : 1), fixture);
    } finally {
      for (const m of [byDefault, auto, widened]) m.dispose();
    }
  }
  const generator = await pipeline('text-generation', folder('gpt2-tiny-f16'));
  try {
    assert.equal(generator.model.info.dtype, 'f16');
  } finally {
    await generator.dispose();
  }
});

test('device, session_options and the like are warned about once each, and the model still loads', async () => {
  const first = await warnings(async () => {
    const model = await loadModel(folder('gpt2-tiny'), { device: 'webgpu', session_options: {} });
    model.dispose();
    const again = await loadModel(folder('gpt2-tiny'), { device: 'webgpu' });
    again.dispose();
  });
  assert.deepEqual(first, [
    "qkv: loadModel ignores the transformers.js option 'device': qkv always runs on its WebAssembly backend " +
      '(env.wasm.numThreads picks the threads)',
    "qkv: loadModel ignores the transformers.js option 'session_options': qkv has no ONNX Runtime session",
  ]);
  const viaPipeline = await warnings(async () => {
    const generator = await pipeline('text-generation', folder('gpt2-tiny'), { device: 'wasm', subfolder: 'onnx' });
    await generator.dispose();
  });
  assert.deepEqual(viaPipeline, ["qkv: pipeline() ignores the transformers.js option 'subfolder': qkv reads the repository root"]);
  // Options qkv knows draw no warning.
  assert.deepEqual(await warnings(async () => (await loadModel(folder('gpt2-tiny'), { dtype: 'f32' })).dispose()), []);
});
