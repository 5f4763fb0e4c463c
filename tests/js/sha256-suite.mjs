// The wasm SHA-256 (web/src/io/sha256.ts over wasm-build/sha256_bindings.cc)
// in one flavour, against node:crypto as the independent reference. Each
// *.test.mjs file runs in its own Node process and picks its flavour through
// env.wasm.numThreads before the runtime starts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { backendInfo, env, InvalidArgumentError, softmax } from '../../dist/index.js';
import { getBackend } from '../../dist/backend.js';
import { heapU8 } from '../../dist/heap.js';
import { createSha256, WASM_SCRATCH_BYTES } from '../../dist/io/sha256.js';

// The bytes and chunkings the browser pages use too (plain ESM, no Node modules).
import { chunking, randomBytes } from '../browser/pages/sha256-cases.mjs';

export { chunking, randomBytes };

export const nodeSha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Feeds bytes to hash in the given chunk lengths. */
export function feed(hash, bytes, lengths) {
  let at = 0;
  for (const n of lengths) {
    hash.update(bytes.subarray(at, at + n));
    at += n;
  }
  assert.equal(at, bytes.length);
}

const wasmModule = async () => (await getBackend()).call((m) => m);

export function sha256WasmSuite({ numThreads, flavour }) {
  env.wasm.numThreads = numThreads;

  test(`runs on the ${flavour} build`, async () => {
    assert.equal((await backendInfo()).flavour, flavour);
  });

  test('wasm SHA-256 equals node:crypto on sizes around the padding boundaries, one-shot and chunked', async () => {
    const sizes = [0, 1, 55, 56, 63, 64, 65, 1000, (1 << 20) + 1, 9 << 20];
    for (const [i, n] of sizes.entries()) {
      const bytes = randomBytes(n, 1000 + i);
      const expected = nodeSha256(bytes);
      const chunkings = {
        'one update': [n],
        // Up to 3 MiB: chunks larger than the 1 MiB scratch go through in pieces.
        'large random chunks': chunking(n, 3 * WASM_SCRATCH_BYTES, 7 + i),
        'scratch-sized chunks': chunking(n, WASM_SCRATCH_BYTES, 11 + i),
        'small random chunks': n <= (1 << 20) + 1 ? chunking(n, 200, 13 + i) : chunking(n, 70000, 13 + i),
      };
      for (const [name, lengths] of Object.entries(chunkings)) {
        const hash = await createSha256({ implementation: 'wasm' });
        feed(hash, bytes, lengths);
        assert.equal(hash.digestHex(), expected, `${n} bytes, ${name} (${lengths.length} updates)`);
      }
    }
  });

  test('every split of a short message into two updates gives the one-shot digest', async () => {
    const bytes = randomBytes(130, 5);
    for (let split = 0; split <= bytes.length; split++) {
      const hash = await createSha256({ implementation: 'wasm' });
      hash.update(bytes.subarray(0, split));
      hash.update(bytes.subarray(split));
      assert.equal(hash.digestHex(), nodeSha256(bytes), `split at ${split}`);
    }
  });

  test('views of wasm memory are hashed (in place), and memory growth mid-hash is handled', async () => {
    const m = await wasmModule();
    const bytes = randomBytes(300_000, 17);
    const ptr = m._malloc(bytes.length);
    assert.notEqual(ptr, 0);
    let grow = 0;
    try {
      heapU8(m).set(bytes, ptr);
      const hash = await createSha256({ implementation: 'wasm' });
      hash.update(heapU8(m).subarray(ptr, ptr + 100_000));
      // 64 MB more than the heap has: memory grows (and, in one thread, HEAPU8 is replaced).
      const heapBefore = m.heapStats().heapSize;
      grow = m._malloc(heapBefore + (64 << 20));
      assert.notEqual(grow, 0);
      assert.ok(m.heapStats().heapSize > heapBefore, 'memory grew');
      hash.update(bytes.subarray(100_000, 200_000));
      hash.update(heapU8(m).subarray(ptr + 200_000, ptr + bytes.length));
      assert.equal(hash.digestHex(), nodeSha256(bytes));
    } finally {
      m._free(ptr);
      if (grow) m._free(grow);
    }
  });

  test('digestHex() and dispose() free the scratch; the instance keeps working', async () => {
    const m = await wasmModule();
    const before = m.heapStats().inUse;
    const abandoned = await createSha256({ implementation: 'wasm' });
    assert.ok(m.heapStats().inUse >= before + WASM_SCRATCH_BYTES, 'the scratch is allocated');
    abandoned.update(randomBytes(5000, 3));
    abandoned.dispose();
    assert.equal(m.heapStats().inUse, before, 'dispose() freed everything');
    abandoned.dispose(); // twice is harmless
    assert.throws(() => abandoned.update(new Uint8Array(1)), (e) => e instanceof InvalidArgumentError && /already digested or disposed/.test(e.message));
    assert.throws(() => abandoned.digestHex(), InvalidArgumentError);

    const hash = await createSha256({ implementation: 'wasm' });
    hash.update(new TextEncoder().encode('abc'));
    // FIPS 180-4's example "abc".
    assert.equal(hash.digestHex(), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(m.heapStats().inUse, before, 'digestHex() freed everything');
    hash.dispose(); // after digestHex: harmless
    assert.throws(() => hash.digestHex(), InvalidArgumentError);

    for (let i = 0; i < 50; i++) (await createSha256({ implementation: 'wasm' })).dispose();
    assert.equal(m.heapStats().inUse, before, '50 abandoned hashers leave nothing behind');
    const y = await softmax([0, 0]);
    assert.deepEqual(Array.from(y), [0.5, 0.5]);
  });

  test('the binding checks what JS hands over', async () => {
    const m = await wasmModule();
    const handle = m.Sha256Hasher.create();
    try {
      assert.throws(() => handle.update(m.heapStats().heapSize - 10, 100), (e) => e instanceof InvalidArgumentError && /sha256: buffer .* is outside wasm memory/.test(e.message));
      assert.throws(() => handle.update(0, 1), /outside wasm memory/);
      assert.throws(() => handle.update(1024, -1), (e) => e instanceof InvalidArgumentError && /sha256: byte count must be a whole number >= 0, got -1/.test(e.message));
      assert.throws(() => handle.update(1024, 1.5), /byte count must be a whole number/);
      // Nothing was appended by the failed calls.
      assert.equal(handle.hexDigest(), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    } finally {
      handle.delete();
    }
  });
}
