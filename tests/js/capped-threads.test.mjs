import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';

import { backendInfo, env } from '../../dist/index.js';

// Its own process: the thread count is fixed when the runtime starts.
test('numThreads above the cores (or 8) is capped with one warning, not started as asked', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  env.wasm.numThreads = 99;
  const info = await backendInfo();
  const cap = Math.min(availableParallelism(), 8);
  assert.equal(info.numThreads, cap);
  assert.equal(info.maxThreads, cap);
  const warnings = warn.mock.calls.map((call) => String(call.arguments[0]));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], new RegExp(`^qkv: 99 threads asked for but .*; using ${cap}\\.$`));
});
