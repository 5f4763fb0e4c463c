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
  for (const name of ['int8', 'uint8', 'q4', 'bnb4']) {
    await assert.rejects(loadModel(folder('gpt2-tiny'), { dtype: name }), (e) => e instanceof InvalidArgumentError &&
      e.message === `dtype must be one of f32, f16, q8, fp32, fp16, got "${name}" ('${name}' names one of ` +
        "transformers.js's ONNX quantizations; qkv's own 8-bit weights are 'q8')");
  }
  await assert.rejects(pipeline('text-generation', folder('gpt2-tiny'), { dtype: 'f64' }),
    /^InvalidArgumentError: pipeline: dtype must be one of f32, f16, q8, fp32, fp16, got "f64"$/);
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
