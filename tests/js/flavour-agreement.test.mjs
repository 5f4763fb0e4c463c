// The relaxed-SIMD build against the SIMD128 build in one process: this
// thread runs qkv with env.wasm.relaxedSimd 'auto' (qkv-relaxed from Node.js
// 22 on), a WorkerEngine runs the same models with relaxedSimd false
// (qkv-simd; a worker is a realm of its own, with its own runtime). Both
// builds are held to the PyTorch fixtures by the model suites; here they are
// held to each other, within these bounds:
// - f32 and f16 weights: |logit difference| <= 1e-4, the suites' bound
//   against PyTorch (relaxed_madd may round once where SIMD128 rounds twice);
// - q8 and q4 (measured <= 8e-6 for q4 with Node.js 24): <= 0.02, and the same
//   top token wherever SIMD128's top two differ by more than twice that. The int8 dot products are exact in both builds, but
//   activations are quantized to int8 from f32 values, and an f32 rounding
//   difference upstream can move one of them by one step.
// Embeddings (bert-tiny): cosine of each pair >= 1 - 1e-6 (q8: 1 - 1e-4).
// Under Node.js 20 both sides run SIMD128 and must agree the same way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { WorkerEngine, backendInfo, env, loadModel } from '../../dist/index.js';
import { cosine, folder, reference } from './fixtures.mjs';
import { flavourFor } from './flavours.mjs';

let simd128;

before(async () => {
  env.wasm.numThreads = 1;
  simd128 = await WorkerEngine.create({ numThreads: 1, relaxedSimd: false });
});

after(() => simd128?.terminate());

test('this thread runs the build "auto" picks, the worker the SIMD128 one', async () => {
  assert.equal((await backendInfo()).flavour, flavourFor(1));
  const info = await simd128.backendInfo();
  assert.deepEqual([info.flavour, info.relaxedSimd], ['qkv-simd', false]);
});

/** Largest |a - b|, and how many rows' top token differ where b's top two are more than `margin` apart. */
function compareRows(a, b, vocab, margin) {
  let maxAbs = 0;
  let topDiffers = 0;
  for (let row = 0; row * vocab < b.length; row++) {
    let aTop = 0;
    let bTop = 0;
    const at = row * vocab;
    for (let v = 0; v < vocab; v++) {
      maxAbs = Math.max(maxAbs, Math.abs(a[at + v] - b[at + v]));
      if (a[at + v] > a[at + aTop]) aTop = v;
      if (b[at + v] > b[at + bTop]) bTop = v;
    }
    let second = -Infinity;
    for (let v = 0; v < vocab; v++) if (v !== bTop) second = Math.max(second, b[at + v]);
    if (aTop !== bTop && b[at + bTop] - second > margin) topDiffers++;
  }
  return { maxAbs, topDiffers };
}

for (const name of ['gpt2-tiny', 'llama-tiny']) {
  for (const [dtype, bound] of [['f32', 1e-4], ['f16', 1e-4], ['q8', 0.02], ['q4', 0.02]]) {
    test(`${name}, ${dtype}: logits of both builds agree within ${bound}`, async () => {
      const here = await loadModel(folder(name), { dtype });
      const there = await simd128.loadModel(folder(name), { dtype });
      try {
        for (const [i, prompt] of reference(name).prompts.entries()) {
          const a = await here.forward(prompt.ids);
          const b = await there.forward(prompt.ids);
          assert.deepEqual(a.dims, b.dims);
          const { maxAbs, topDiffers } = compareRows(a.logits, b.logits, b.dims[1], 2 * bound);
          assert.ok(maxAbs <= bound, `prompt ${i}: max |logit difference| ${maxAbs}`);
          assert.equal(topDiffers, 0, `prompt ${i}: top tokens differ`);
        }
      } finally {
        here.dispose();
        there.dispose();
      }
    });
  }
}

for (const [dtype, bound] of [['f32', 1e-6], ['q8', 1e-4]]) {
  test(`bert-tiny, ${dtype}: embeddings of both builds agree (cosine >= 1 - ${bound})`, async () => {
    const texts = ['The quick brown fox.', 'A sentence that is somewhat longer than the first one, with commas, and more words.'];
    const here = await loadModel(folder('bert-tiny'), { dtype });
    const there = await simd128.loadModel(folder('bert-tiny'), { dtype });
    try {
      const a = await here.embed(texts);
      const b = await there.embed(texts);
      assert.deepEqual(a.dims, b.dims);
      const width = b.dims[1];
      for (let i = 0; i < texts.length; i++) {
        const similarity = cosine(a.data.subarray(i * width, (i + 1) * width), b.data.subarray(i * width, (i + 1) * width));
        assert.ok(similarity >= 1 - bound, `text ${i}: cosine ${similarity}`);
      }
    } finally {
      here.dispose();
      there.dispose();
    }
  });
}
