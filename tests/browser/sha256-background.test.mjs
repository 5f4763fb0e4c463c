// createBackgroundSha256() in Chromium: the hash runs in a module Worker on
// the standalone wasm of io/Sha256 (embedded in dist/wasm/qkv-sha256.mjs),
// from a page and from inside a module Worker (nested), isolated and plain,
// and gives node:crypto's digests, computed here on the same bytes. Where
// the worker cannot start, the hash runs inline, with the same digests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { useServerAndBrowser } from './chromium.mjs';
import { cases, randomBytes } from './pages/sha256-cases.mjs';

const live = useServerAndBrowser();
const expected = cases.map((c) => createHash('sha256').update(randomBytes(c.size, c.seed)).digest('hex'));

/** Runs the cases on a blank page (or in a module Worker it starts); resolves to the results and the paths requested. */
async function run(isolation, where, options = {}) {
  const page = await live.browser.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${live.server.url}/${isolation}/tests/browser/pages/blank.html`);
    const results = await page.evaluate(async ({ where, options }) => {
      if (where === 'page') return (await import('./sha256-cases.mjs')).runHashes(options);
      const worker = new Worker('./sha256-worker.mjs', { type: 'module' });
      const reply = await new Promise((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message || 'the test worker failed'));
        worker.postMessage(options);
      });
      worker.terminate();
      if (reply.failed) throw new Error(reply.failed);
      return reply.results;
    }, { where, options });
    return { results, requests, errors };
  } finally {
    await page.close();
  }
}

for (const isolation of ['isolated', 'plain']) {
  for (const where of ['page', 'worker']) {
    test(`in a module Worker on the embedded wasm, started from a ${where}, ${isolation}: node:crypto's digests`, async () => {
      const { results, requests, errors } = await run(isolation, where);
      assert.deepEqual(results.map((r) => r.digest), expected);
      assert.ok(results.every((r) => r.inBackground), 'every hash ran on the hashing worker');
      assert.ok(requests.some((p) => p === `/${isolation}/dist/io/sha256-worker.js`), String(requests));
      // The wasm came embedded: neither a .wasm fetch nor qkv's runtime.
      assert.deepEqual(requests.filter((p) => p.endsWith('.wasm') || /qkv-(simd|relaxed)/.test(p)), []);
      assert.deepEqual(errors, []);
    });
  }
}

test('a hashing worker that cannot start: the hashes run inline in wasm, same digests', async () => {
  const { results, errors } = await run('plain', 'page', { workerUrl: './no-such-worker.mjs' });
  assert.deepEqual(results.map((r) => r.digest), expected);
  assert.ok(results.every((r) => !r.inBackground));
  assert.deepEqual(errors, []);
});
