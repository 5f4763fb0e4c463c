// Download hashes in Chromium (web/src/io/sha256.ts): there 'auto' is the wasm
// SHA-256 (in the threads build when the page is cross-origin isolated) and
// gitBlobSha1 uses SubtleCrypto. Digests are checked against node:crypto.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { useServerAndBrowser } from './chromium.mjs';

const live = useServerAndBrowser();

// The same pseudo-random bytes in the page and here.
function bytesOf(n, seed) {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const sizes = [0, 55, 56, 64, 65, (1 << 20) + 1, 5 << 20];

async function hashInPage(isolation) {
  const page = await live.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await page.goto(`${live.server.url}/${isolation}/tests/browser/pages/blank.html`);
    const result = await page.evaluate(async ({ sizes, bytesOfSource }) => {
      const bytesOf = new Function(`return ${bytesOfSource}`)();
      const { env, backendInfo } = await import('../../../dist/index.js');
      const { createSha256, gitBlobSha1 } = await import('../../../dist/io/sha256.js');
      env.wasm.numThreads = 2;
      const digests = [];
      for (const n of sizes) {
        const bytes = bytesOf(n, n + 1);
        const hash = await createSha256();
        // Chunks of 0 to 3 MiB: some larger than the hasher's 1 MiB scratch.
        let x = n + 7;
        for (let at = 0; at < n;) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          const take = Math.min(n - at, (x >>> 8) % (3 << 20));
          hash.update(bytes.subarray(at, at + take));
          at += take;
        }
        digests.push(hash.digestHex());
      }
      const oid = await gitBlobSha1(new TextEncoder().encode('hello\n'));
      return { flavour: (await backendInfo()).flavour, digests, oid };
    }, { sizes, bytesOfSource: bytesOf.toString() });
    assert.deepEqual(pageErrors, []);
    return result;
  } finally {
    await page.close();
  }
}

for (const [isolation, flavour] of [['plain', 'qkv-relaxed'], ['isolated', 'qkv-relaxed-threads']]) {
  test(`${isolation} page: the wasm SHA-256 (${flavour}) equals node:crypto, and gitBlobSha1 gives git's oid`, async () => {
    const result = await hashInPage(isolation);
    assert.equal(result.flavour, flavour);
    assert.deepEqual(result.digests, sizes.map((n) => createHash('sha256').update(bytesOf(n, n + 1)).digest('hex')));
    // `printf 'hello\n' | git hash-object --stdin`
    assert.equal(result.oid, 'ce013625030ba8dba906f756967f9e9ca394464a');
  });
}
