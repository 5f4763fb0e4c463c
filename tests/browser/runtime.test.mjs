// The built package in real Chromium (Debian's, driven by playwright-core):
// in a page and in a module worker, cross-origin isolated (threads build) and
// not (one-thread build, with a warning).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useServerAndBrowser } from './chromium.mjs';

const live = useServerAndBrowser();

async function run(where, isolation) {
  const page = await live.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await page.goto(`${live.server.url}/${isolation}/tests/browser/pages/${where}.html?threads=2`);
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

for (const where of ['page', 'worker']) {
  test(`${where}, cross-origin isolated: threads build on 2 threads`, async () => {
    const result = await run(where, 'isolated');
    assert.equal(result.crossOriginIsolated, true);
    assert.equal(result.info.flavour, 'qkv-simd-threads');
    assert.equal(result.info.numThreads, 2);
    assert.equal(result.info.simd, 'WASM');
    assert.deepEqual(result.warnings, []);
    assertComputes(result);
  });

  test(`${where}, not isolated: one-thread build and a warning that says why`, async () => {
    const result = await run(where, 'plain');
    assert.equal(result.crossOriginIsolated, false);
    assert.equal(result.info.flavour, 'qkv-simd');
    assert.equal(result.info.numThreads, 1);
    assert.match(result.info.fallbackReason, /not cross-origin isolated/);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0], /^qkv: running on one thread: /);
    assertComputes(result);
  });
}
