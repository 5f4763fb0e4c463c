import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';

import { backendInfo, env } from '../../dist/index.js';
import { flavourFor } from './flavours.mjs';

test('numThreads = 0 (the default) uses one thread per core in Node', async () => {
  assert.equal(env.wasm.numThreads, 0);
  const info = await backendInfo();
  const cores = Math.min(availableParallelism(), 8);
  assert.equal(info.numThreads, cores);
  assert.equal(info.flavour, flavourFor(cores));
});
