import assert from 'node:assert/strict';
import { test } from 'node:test';

import { backendInfo, env, softmax } from '../../dist/index.js';
import { flavourFor } from './flavours.mjs';
import { maxRelativeError, softmaxReference, wave } from './reference.mjs';
import { runtimeSuite } from './runtime-suite.mjs';

runtimeSuite({ numThreads: 2, flavour: flavourFor(2) });

test('numThreads can be lowered and raised again after start, and is capped with a warning', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const x = wave(64 * 500);
  const ref = softmaxReference(x, 64);
  env.wasm.numThreads = 1;
  assert.equal((await backendInfo()).numThreads, 1);
  assert.ok(maxRelativeError(await softmax(x, { rows: 64 }), ref) < 1e-5);
  env.wasm.numThreads = 8;
  const info = await backendInfo();
  assert.equal(info.numThreads, 2);
  assert.equal(info.maxThreads, 2);
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0].arguments[0]), /only 2 thread\(s\) were started/);
  assert.ok(maxRelativeError(await softmax(x, { rows: 64 }), ref) < 1e-5);
  env.wasm.numThreads = 2;
});
