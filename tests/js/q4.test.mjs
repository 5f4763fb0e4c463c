// dtype 'q4' through the public API (loadModel, the worker, the CLI): the
// policy of src/runtime/weight_policy.h as model.info reports it (token
// embedding and LM head q8, every other matrix q4), its overrides, their
// errors, and the logits against PyTorch's f32 reference
// (tests/cpp/q4_accuracy_test.cc bounds every decoder fixture natively).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { env, InvalidArgumentError, loadModel, WorkerEngine } from '../../dist/index.js';

env.wasm.numThreads = 1;

const repo = new URL('../../', import.meta.url).pathname;
const folder = (name) => new URL(`../fixtures/${name}/`, import.meta.url).pathname;

/** Top-1 agreement and max |logit error| against the fixture's PyTorch logits. */
async function againstPyTorch(model, name) {
  const ref = JSON.parse(readFileSync(new URL('reference.json', `file://${folder(name)}`), 'utf8'));
  const bin = readFileSync(new URL('reference-logits.bin', `file://${folder(name)}`));
  const vocab = ref.logits.vocab_size;
  let worst = 0, positions = 0, agree = 0;
  for (const block of ref.logits.blocks) {
    const { logits } = await model.forward(ref.prompts[block.prompt].ids);
    const want = new Float32Array(bin.buffer.slice(bin.byteOffset + block.offset, bin.byteOffset + block.offset + block.positions.length * vocab * 4));
    block.positions.forEach((pos, i) => {
      let mine = 0, theirs = 0;
      for (let v = 0; v < vocab; v++) {
        worst = Math.max(worst, Math.abs(logits[pos * vocab + v] - want[i * vocab + v]));
        if (logits[pos * vocab + v] > logits[pos * vocab + mine]) mine = v;
        if (want[i * vocab + v] > want[i * vocab + theirs]) theirs = v;
      }
      positions++;
      agree += mine === theirs ? 1 : 0;
    });
  }
  return { worst, positions, agree };
}

const matrices = (info) => Object.entries(info.weightDtypes);

test("dtype 'q4': the embedding / LM head q8, every other matrix q4, less memory than q8, PyTorch's top token mostly kept", async () => {
  for (const [name, roles, bounds] of [
    // Measured in wasm (SIMD128, 1 thread): gpt2-tiny 14/23 top-1, max 5.2; llama-tiny 10/19, max 13.0 (as natively).
    ['gpt2-tiny', ['wte.weight'], { agree: 0.5, worst: 8 }],
    ['llama-tiny', ['model.embed_tokens.weight', 'lm_head.weight'], { agree: 0.4, worst: 20 }],
  ]) {
    const q4 = await loadModel(folder(name), { dtype: 'q4' });
    const q8 = await loadModel(folder(name), { dtype: 'q8' });
    try {
      assert.equal(q4.info.dtype, 'q4');
      const types = matrices(q4.info);
      assert.ok(types.length > roles.length);
      for (const [tensor, dtype] of types) assert.equal(dtype, roles.includes(tensor) ? 'q8' : 'q4', tensor);
      assert.ok(matrices(q8.info).every(([, dtype]) => dtype === 'q8'));
      assert.ok(q4.info.weightBytes < q8.info.weightBytes, `${q4.info.weightBytes} >= ${q8.info.weightBytes}`);
      const { worst, positions, agree } = await againstPyTorch(q4, name);
      console.log(`${name} q4: top-1 ${agree}/${positions}, max |logit error| ${worst.toFixed(3)}`);
      assert.ok(agree >= positions * bounds.agree, `${agree} of ${positions}`);
      assert.ok(worst <= bounds.worst, `${worst}`);
    } finally {
      q4.dispose();
      q8.dispose();
    }
  }
});

test('embeddingDtype and lmHeadDtype override the policy; contradictions and bad names are errors', async () => {
  const model = await loadModel(folder('llama-tiny'), { dtype: 'q4', lmHeadDtype: 'fp16', embeddingDtype: 'q4' });
  try {
    assert.equal(model.info.weightDtypes['lm_head.weight'], 'f16');
    assert.equal(model.info.weightDtypes['model.embed_tokens.weight'], 'q4');
    assert.equal(model.info.weightDtypes['model.layers.0.mlp.down_proj.weight'], 'q4');
  } finally {
    model.dispose();
  }
  // An f32 checkpoint left 'auto' with its LM head in q8.
  const auto = await loadModel(folder('llama-tiny'), { lmHeadDtype: 'q8' });
  try {
    assert.equal(auto.info.dtype, 'f32');
    assert.equal(auto.info.weightDtypes['lm_head.weight'], 'q8');
    assert.equal(auto.info.weightDtypes['model.embed_tokens.weight'], 'f32');
  } finally {
    auto.dispose();
  }
  await assert.rejects(loadModel(folder('gpt2-tiny'), { dtype: 'q4', embeddingDtype: 'q8', lmHeadDtype: 'q4' }),
    (e) => e instanceof InvalidArgumentError && /token embedding is also its LM head \("wte\.weight"/.test(e.message));
  await assert.rejects(loadModel(folder('gpt2-tiny'), { embeddingDtype: 'auto' }),
    /embeddingDtype must be one of f32, f16, q8, q4, fp32, fp16, got "auto"/);
  await assert.rejects(loadModel(folder('gpt2-tiny'), { lmHeadDtype: 'int4' }), InvalidArgumentError);
  // 'q4' is qkv's own now; transformers.js's q4f16 still names an ONNX format.
  await assert.rejects(loadModel(folder('gpt2-tiny'), { dtype: 'q4f16' }), /its 4-bit ones 'q4'/);
});

test("dtype 'q4' in a worker and from the CLI", async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const model = await engine.loadModel(folder('gpt2-tiny'), { dtype: 'q4', lmHeadDtype: 'q4' });
    assert.equal(model.info.dtype, 'q4');
    assert.equal(model.info.weightDtypes['wte.weight'], 'q4');
  } finally {
    engine.terminate();
  }
  const run = (...args) => new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/qkv.js', ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
  const q4 = await run('inspect', 'tests/fixtures/llama-tiny', '--dtype', 'q4', '--json', '--threads', '1');
  assert.equal(q4.code, 0, q4.stderr);
  const over = await run('inspect', 'tests/fixtures/llama-tiny', '--dtype', 'q4', '--lm-head-dtype', 'q4', '--json', '--threads', '1');
  assert.equal(over.code, 0, over.stderr);
  const [a, b] = [JSON.parse(q4.stdout), JSON.parse(over.stdout)];
  assert.equal(a.dtype, 'q4');
  assert.ok(b.weightBytes < a.weightBytes, 'the LM head in q4 takes less than in q8');
});
