// The runtime tests shared by both wasm flavours. Each *.test.mjs file runs in
// its own Node process, so each can pick a flavour through env.wasm.numThreads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { backendInfo, env, InvalidArgumentError, QkvError, softmax } from '../../dist/index.js';
import { maxRelativeError, softmaxReference, wave } from './reference.mjs';

export function runtimeSuite({ numThreads, flavour }) {
  env.wasm.numThreads = numThreads;

  test(`starts the ${flavour} build with SIMD128`, async () => {
    const info = await backendInfo();
    assert.equal(info.flavour, flavour);
    assert.equal(info.numThreads, numThreads);
    assert.equal(info.simd, 'WASM');
    assert.equal(info.fallbackReason, undefined);
  });

  test("the host program's own uncaught errors stay its own", () => {
    // Emscripten's defaults add uncaughtException / unhandledRejection
    // listeners that rethrow the host's errors from inside the glue, printing
    // ~100 KB of minified source. A child process starts the runtime, then fails.
    const index = new URL('../../dist/index.js', import.meta.url).href;
    const script = `import { env, backendInfo } from '${index}';
      env.wasm.numThreads = ${numThreads};
      await backendInfo();
      const before = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
      console.log('listeners', before);
      Promise.reject(new Error('host failure 42'));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.match(run.stdout, /listeners 0/);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /host failure 42/);
    assert.ok(run.stderr.length < 4000, `stderr is ${run.stderr.length} characters`);
  });

  test('softmax matches a float64 reference on awkward sizes', async () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 17, 31, 64, 1000, 50257]) {
      const x = wave(n);
      const y = await softmax(x);
      assert.ok(y instanceof Float32Array);
      assert.equal(y.length, n);
      const err = maxRelativeError(y, softmaxReference(x));
      assert.ok(err < 1e-5, `n=${n}: relative error ${err}`);
    }
  });

  test('softmax over many rows (split across threads in the threads build)', async () => {
    const rows = 257;
    const x = wave(rows * 300, 20);
    const y = await softmax(x, { rows });
    const err = maxRelativeError(y, softmaxReference(x, rows));
    assert.ok(err < 1e-5, `relative error ${err}`);
  });

  test('softmax accepts plain arrays and leaves its input alone', async () => {
    const input = [1, 2, 3, 4];
    const y = await softmax(input, { rows: 2 });
    assert.deepEqual(input, [1, 2, 3, 4]);
    const ref = softmaxReference(input, 2);
    assert.ok(maxRelativeError(y, ref) < 1e-6);
  });

  test('NaN and -Infinity behave as in torch.softmax', async () => {
    const y = await softmax([0, -Infinity, 0, NaN, 1, 2], { rows: 2 });
    assert.deepEqual(Array.from(y.slice(0, 3)), [0.5, 0, 0.5]);
    assert.ok(Array.from(y.slice(3)).every(Number.isNaN));
  });

  test('a bad argument from C++ is a named Error and the instance keeps working', async () => {
    await assert.rejects(softmax([1, 2, 3], { rows: 2 }), (e) => {
      assert.ok(e instanceof InvalidArgumentError && e instanceof QkvError && e instanceof Error);
      assert.equal(e.name, 'InvalidArgumentError');
      assert.equal(e.code, 'invalid_argument');
      assert.equal(e.message, 'softmax: 3 values do not split into 2 rows of equal length');
      return true;
    });
    await assert.rejects(softmax([1, 2], { rows: 0 }), /softmax: rows must be a whole number >= 1, got 0/);
    await assert.rejects(softmax([1, 2], { rows: 1.5 }), /softmax: rows must be a whole number >= 1, got 1.5/);
    await assert.rejects(softmax([1, 2], { rows: NaN }), /softmax: rows must be a whole number >= 1, got NaN/);
    await assert.rejects(softmax(new Float32Array(0)), /softmax: input length must be a whole number >= 1, got 0/);
    const y = await softmax([0, 0]);
    assert.deepEqual(Array.from(y), [0.5, 0.5]);
  });

  test('a bad argument caught in JS is a named Error too', async () => {
    await assert.rejects(softmax('1,2,3'), (e) => e instanceof InvalidArgumentError && /got string/.test(e.message));
    await assert.rejects(softmax([1, 2], { rows: '2' }), (e) => e instanceof InvalidArgumentError && /options.rows/.test(e.message));
    assert.throws(() => { env.wasm.numThreads = -1; }, (e) => e instanceof InvalidArgumentError && /numThreads/.test(e.message));
    assert.equal(env.wasm.numThreads, numThreads);
  });

  test('inputs that grow wasm memory are handled (views re-read after growth)', async () => {
    const n = 8 << 20; // 32 MB: past the initial 16 MB heap
    const x = wave(n, 3);
    const y = await softmax(x, { rows: 8 });
    const rowRef = softmaxReference(x.slice(0, n / 8));
    assert.ok(maxRelativeError(y.slice(0, n / 8), rowRef) < 1e-4);
  });
}
