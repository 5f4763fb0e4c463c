// The built package in real Chromium (Debian's, driven by playwright-core):
// in a page and in a module worker, cross-origin isolated (threads build) and
// not (one-thread build, with a warning); with env.wasm.relaxedSimd 'auto'
// (Chromium runs relaxed SIMD: the qkv-relaxed builds), false (the SIMD128
// builds), and in a page playing an engine without relaxed SIMD.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useServerAndBrowser } from './chromium.mjs';

const live = useServerAndBrowser();

async function run(where, isolation, query = '') {
  const page = await live.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await page.goto(`${live.server.url}/${isolation}/tests/browser/pages/${where}.html?threads=2${query}`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
    const result = await page.evaluate(() => window.__result);
    assert.deepEqual(pageErrors, []);
    assert.equal(result.failed, undefined, result.failed);
    return result;
  } finally {
    await page.close();
  }
}

function assertComputes(result) {
  assert.ok(result.maxRelError < 1e-5, `softmax relative error ${result.maxRelError}`);
  assert.deepEqual(result.error, {
    name: 'InvalidArgumentError',
    message: 'softmax: 3 values do not split into 2 rows of equal length',
    isError: true,
    isInvalidArgument: true,
  });
  assert.deepEqual(result.after, [0.5, 0.5]);
}

const builds = [
  // [query, what it means, the builds (isolated, plain), relaxedSimd, relaxedSimdReason]
  ['', "'auto' (the default)", ['qkv-relaxed-threads', 'qkv-relaxed'], true, undefined],
  ['&relaxed=false', 'relaxedSimd false', ['qkv-simd-threads', 'qkv-simd'], false, 'env.wasm.relaxedSimd is false'],
  ['&norelaxed', "'auto' in an engine without relaxed SIMD", ['qkv-simd-threads', 'qkv-simd'], false, 'this engine lacks WebAssembly relaxed SIMD'],
];

for (const where of ['page', 'worker']) {
  for (const [query, what, [threaded, single], relaxedSimd, relaxedSimdReason] of builds) {
    test(`${where}, cross-origin isolated, ${what}: ${threaded} on 2 threads`, async () => {
      const result = await run(where, 'isolated', query);
      assert.equal(result.crossOriginIsolated, true);
      assert.equal(result.info.flavour, threaded);
      assert.equal(result.info.relaxedSimd, relaxedSimd);
      assert.equal(result.info.relaxedSimdReason, relaxedSimdReason);
      assert.equal(result.info.numThreads, 2);
      assert.equal(result.info.simd, 'WASM');
      assert.deepEqual(result.warnings, []);
      assertComputes(result);
    });

    test(`${where}, not isolated, ${what}: ${single} and a warning that says why`, async () => {
      const result = await run(where, 'plain', query);
      assert.equal(result.crossOriginIsolated, false);
      assert.equal(result.info.flavour, single);
      assert.equal(result.info.relaxedSimd, relaxedSimd);
      assert.equal(result.info.numThreads, 1);
      assert.match(result.info.fallbackReason, /not cross-origin isolated/);
      assert.equal(result.warnings.length, 1);
      assert.match(result.warnings[0], /^qkv: running on one thread: /);
      assertComputes(result);
    });
  }
}

test('relaxedSimd true: the relaxed build in Chromium; an UnsupportedError where the engine lacks relaxed SIMD', async () => {
  const result = await run('page', 'isolated', '&relaxed=true');
  assert.equal(result.info.flavour, 'qkv-relaxed-threads');
  assertComputes(result);
  const refused = await run('page', 'isolated', '&relaxed=true&norelaxed');
  assert.deepEqual(refused.startError, {
    name: 'UnsupportedError',
    message: "env.wasm.relaxedSimd is true, but this engine lacks WebAssembly relaxed SIMD; set it to 'auto' to fall back to SIMD128",
    isUnsupported: true,
  });
});
