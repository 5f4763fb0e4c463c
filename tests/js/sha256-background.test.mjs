// createBackgroundSha256() (web/src/io/sha256-background.ts) in Node.js: the
// hash runs on a worker thread, with node:crypto or with the standalone wasm
// of io/Sha256 (the browsers' hash, run here in a worker thread too), and must
// give node:crypto's digests computed here on the bytes; then the copies that
// let callers reuse their buffers, interleaved hashes, workers that never
// keep the process alive, and the inline fallback when no worker can start.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { InternalError, InvalidArgumentError } from '../../dist/index.js';
import { BACKGROUND_BATCH_BYTES, createBackgroundSha256, createFileTailSha256 } from '../../dist/io/sha256-background.js';
import { chunking, feed, nodeSha256, randomBytes } from './sha256-suite.mjs';

const MiB = 1 << 20;
const sizes = [0, 1, 63, 64, 65, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB];
const workerScript = (name) => new URL(`./sha256-workers/${name}`, import.meta.url);

test('the batch is 4 MiB (the sizes below straddle it)', () => {
  assert.equal(BACKGROUND_BATCH_BYTES, 4 * MiB);
});

for (const implementation of ['node', 'wasm']) {
  test(`${implementation} in a worker: node:crypto's digests for sizes around the batch, in random chunkings`, async () => {
    for (const [i, size] of sizes.entries()) {
      const bytes = randomBytes(size, 1000 + i);
      const want = nodeSha256(bytes);
      // Small chunks, chunks around a block, and chunks larger than the batch.
      for (const [j, max] of [[0, 4096], [1, 100_000], [2, 6 * MiB]]) {
        const hash = await createBackgroundSha256({ implementation });
        assert.equal(hash.inBackground, true);
        feed(hash, bytes, chunking(size, max, 7 + 31 * i + j));
        assert.equal(await hash.digest(), want, `size ${size}, chunks up to ${max}`);
      }
    }
  });

  test(`${implementation} in a worker: the bytes are copied, so a caller may reuse one buffer for every chunk`, async () => {
    const bytes = randomBytes(9 * MiB + 17, 42);
    const scratch = new Uint8Array(5 * MiB);
    const hash = await createBackgroundSha256({ implementation });
    let at = 0;
    for (const n of chunking(bytes.length, 5 * MiB, 3)) {
      scratch.set(bytes.subarray(at, at + n));
      hash.update(scratch.subarray(0, n));
      at += n;
      assert.equal(scratch.byteLength, 5 * MiB, 'the caller\'s buffer is never transferred');
      scratch.fill(0xa5);
    }
    assert.equal(await hash.digest(), nodeSha256(bytes));
  });

  test(`${implementation} in a worker: many hashes at once, interleaved, each gets its own digest`, async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => randomBytes((i * 1_234_567) % (7 * MiB) + i, 500 + i));
    const hashes = await Promise.all(inputs.map(() => createBackgroundSha256({ implementation })));
    const plans = inputs.map((bytes, i) => ({ bytes, lengths: chunking(bytes.length, 700_000, 90 + i), next: 0, at: 0 }));
    for (let round = 0; plans.some((p) => p.next < p.lengths.length); round++) {
      for (const [i, p] of plans.entries()) {
        if (p.next >= p.lengths.length || (round + i) % 3 === 0) continue;
        const n = p.lengths[p.next++];
        hashes[i].update(p.bytes.subarray(p.at, p.at + n));
        p.at += n;
      }
    }
    // Digests asked in another order than the hashes were made.
    const order = [...inputs.keys()].reverse();
    const digests = await Promise.all(order.map((i) => hashes[i].digest()));
    assert.deepEqual(digests, order.map((i) => nodeSha256(inputs[i])));
  });
}

test('drain() waits until the worker has caught up', async () => {
  const hash = await createBackgroundSha256({ implementation: 'wasm' });
  const bytes = randomBytes(24 * MiB, 77);
  hash.update(bytes);
  await hash.drain(0);
  await hash.drain();
  assert.equal(await hash.digest(), nodeSha256(bytes));
});

test('a hash ends once: update/digest after the end are errors, dispose() is safe twice and after digest()', async () => {
  const hash = await createBackgroundSha256();
  hash.update(new Uint8Array([1, 2, 3]));
  assert.equal(await hash.digest(), nodeSha256(new Uint8Array([1, 2, 3])));
  assert.throws(() => hash.update(new Uint8Array(1)), InvalidArgumentError);
  await assert.rejects(hash.digest(), InvalidArgumentError);
  hash.dispose();
  hash.dispose();

  const abandoned = await createBackgroundSha256();
  abandoned.update(randomBytes(5 * MiB, 5));
  abandoned.dispose();
  abandoned.dispose();
  assert.throws(() => abandoned.update(new Uint8Array(1)), InvalidArgumentError);
  await assert.rejects(abandoned.digest(), InvalidArgumentError);

  const pending = await createBackgroundSha256();
  pending.update(randomBytes(9 * MiB, 6));
  const digest = pending.digest();
  pending.dispose();
  await assert.rejects(digest, /disposed before its digest/);

  // The worker serves the next hash as before.
  const next = await createBackgroundSha256();
  next.update(new Uint8Array([4]));
  assert.equal(await next.digest(), nodeSha256(new Uint8Array([4])));
});

test('an unknown implementation is an InvalidArgumentError', async () => {
  await assert.rejects(createBackgroundSha256({ implementation: 'subtle' }), InvalidArgumentError);
});

const run = promisify(execFile);

/** Runs `body` as an ES module in a child Node.js process that must exit by itself. */
async function runChild(body) {
  const dist = new URL('../../dist/io/sha256-background.js', import.meta.url).href;
  // A file, not --input-type=module -e: worker threads inherit the flags, and that one fails them.
  const dir = mkdtempSync(join(tmpdir(), 'qkv-sha256-'));
  try {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, `import { createBackgroundSha256 } from ${JSON.stringify(dist)};\n${body}`);
    return await run(process.execPath, [script], { timeout: 30_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('no worker keeps the process alive: after digests, after dispose() mid-stream, nor for a hash never ended', async () => {
  for (const implementation of ['node', 'wasm']) {
    const { stdout } = await runChild(`
      const done = await createBackgroundSha256({ implementation: '${implementation}' });
      done.update(new Uint8Array(6 << 20).fill(1));
      const hex = await done.digest();
      const disposed = await createBackgroundSha256({ implementation: '${implementation}' });
      disposed.update(new Uint8Array(30 << 20).fill(2));
      disposed.dispose();
      const forgotten = await createBackgroundSha256({ implementation: '${implementation}' });
      forgotten.update(new Uint8Array(30 << 20).fill(3));
      console.log(hex, done.inBackground, disposed.inBackground, forgotten.inBackground);
    `);
    // The digest awaited at the top level did arrive: the worker held the process until then.
    const want = nodeSha256(new Uint8Array(6 << 20).fill(1));
    assert.equal(stdout.trim(), `${want} true true true`, implementation);
  }
});

test('no worker: the hash runs inline (createSha256()) behind the same interface', async () => {
  const bytes = randomBytes(9 * MiB + 3, 11);
  for (const workerUrl of [false, workerScript('missing.mjs'), workerScript('throws.mjs')]) {
    const hash = await createBackgroundSha256({ workerUrl });
    assert.equal(hash.inBackground, false, String(workerUrl));
    feed(hash, bytes, chunking(bytes.length, 6 * MiB, 12));
    await hash.drain();
    assert.equal(await hash.digest(), nodeSha256(bytes), String(workerUrl));
    hash.dispose();
    await assert.rejects(hash.digest(), InvalidArgumentError);
  }
});

test('a worker that dies mid-hash fails its hashes with an InternalError; the next hash gets a new worker', async () => {
  const hash = await createBackgroundSha256({ workerUrl: workerScript('exits-after-ready.mjs') });
  assert.equal(hash.inBackground, true);
  hash.update(randomBytes(5 * MiB, 13));
  await assert.rejects(hash.digest(), InternalError);
  assert.throws(() => hash.update(new Uint8Array(1)), InvalidArgumentError);
  const next = await createBackgroundSha256({ workerUrl: workerScript('exits-after-ready.mjs') });
  assert.equal(next.inBackground, true);
  next.dispose();
});

test('a file hashed behind its writes (createFileTailSha256) gives node:crypto\'s digest of the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-tail-'));
  try {
    for (const size of [0, 1, 65, 4 * 1024 * 1024 + 3, 9 * 1024 * 1024]) {
      const bytes = randomBytes(size, size + 7);
      const path = join(dir, `file-${size}`);
      writeFileSync(path, new Uint8Array(0));
      const hash = await createFileTailSha256(path);
      assert.ok(hash, 'Node.js hashes files in the worker');
      // Written in uneven pieces, each extent announced after its write, some announced twice.
      let to = 0;
      for (const length of chunking(size, 3 << 20, size + 1)) {
        appendFileSync(path, bytes.subarray(to, to + length));
        to += length;
        hash.extend(to);
        hash.extend(to);
      }
      assert.equal(await hash.digest(), nodeSha256(bytes), `${size} bytes`);
    }
    // A hash disposed mid-file releases it; a later one works.
    const path = join(dir, 'abandoned');
    writeFileSync(path, randomBytes(1000, 3));
    const abandoned = await createFileTailSha256(path);
    abandoned.extend(500);
    abandoned.dispose();
    const again = await createFileTailSha256(path);
    again.extend(1000);
    assert.equal(await again.digest(), nodeSha256(new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(path)))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
