// Download verification hashes (web/src/io/sha256.ts): the wasm SHA-256 on
// the one-thread build (sha256-threads.test.mjs runs it on the other), the
// node:crypto path, the option checks, and git's blob SHA-1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { InvalidArgumentError } from '../../dist/index.js';
import { createSha256, gitBlobSha1 } from '../../dist/io/sha256.js';
import { flavourFor } from './flavours.mjs';
import { chunking, feed, nodeSha256, randomBytes, sha256WasmSuite } from './sha256-suite.mjs';

sha256WasmSuite({ numThreads: 1, flavour: flavourFor(1) });

test("'auto' and 'node' hash with node:crypto in Node.js, chunked or not", async () => {
  for (const implementation of [undefined, 'auto', 'node']) {
    for (const n of [0, 64, 100_003]) {
      const bytes = randomBytes(n, n + 1);
      const hash = await createSha256(implementation === undefined ? undefined : { implementation });
      feed(hash, bytes, chunking(n, 5000, 3));
      assert.equal(hash.digestHex(), nodeSha256(bytes), `${implementation}, ${n} bytes`);
      assert.throws(() => hash.update(new Uint8Array(1)), InvalidArgumentError);
    }
  }
  const abandoned = await createSha256();
  abandoned.update(new Uint8Array(10));
  abandoned.dispose();
  abandoned.dispose();
  assert.throws(() => abandoned.digestHex(), /already digested or disposed/);
});

test('an unknown implementation is an InvalidArgumentError', async () => {
  await assert.rejects(createSha256({ implementation: 'webcrypto' }),
    (e) => e instanceof InvalidArgumentError && /createSha256: implementation must be 'auto', 'node', 'wasm', got webcrypto/.test(e.message));
  await assert.rejects(gitBlobSha1(new Uint8Array(0), { implementation: 'wasm' }),
    (e) => e instanceof InvalidArgumentError && /gitBlobSha1: implementation must be 'auto', 'node', 'subtle'/.test(e.message));
});

test("gitBlobSha1 gives git's object ids, through node:crypto and through SubtleCrypto", async () => {
  // Object ids as git computes them (`printf 'hello\n' | git hash-object --stdin`,
  // `git hash-object /dev/null`, and Pro Git's `echo 'test content' | git hash-object --stdin`),
  // not values from qkv.
  const known = [
    ['hello\n', 'ce013625030ba8dba906f756967f9e9ca394464a'],
    ['', 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'],
    ['test content\n', 'd670460b4b4aece5915caf5c68d12f560a9fe3e4'],
  ];
  for (const implementation of ['auto', 'node', 'subtle']) {
    for (const [text, oid] of known) {
      assert.equal(await gitBlobSha1(new TextEncoder().encode(text), { implementation }), oid, `${implementation}: ${JSON.stringify(text)}`);
    }
    // A larger blob, and a view into a larger buffer (only the view is hashed).
    const bytes = randomBytes(70_000, 9);
    const view = bytes.subarray(1000, 61_000);
    const expected = createHash('sha1').update(`blob ${view.length}\0`).update(view).digest('hex');
    assert.equal(await gitBlobSha1(view, { implementation }), expected, `${implementation}: 60000-byte view`);
  }
});
