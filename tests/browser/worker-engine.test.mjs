// WorkerEngine in real Chromium: the page drives qkv's own module worker
// (pages/worker-engine.mjs), cross-origin isolated (threads in the worker)
// and not (one thread), on the relaxed-SIMD builds ('auto') and on the
// SIMD128 ones (relaxedSimd false in the worker's settings). Greedy ids equal PyTorch's, an abort crosses to the
// worker, errors keep their class, Blobs are cloned across, and the page's
// timers run while the worker generates (they cannot while the page itself does).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useServerAndBrowser } from './chromium.mjs';

const live = useServerAndBrowser();

for (const [isolation, flavour, threads, query] of [
  ['isolated', 'qkv-relaxed-threads', 2, ''], ['plain', 'qkv-relaxed', 1, ''],
  ['isolated', 'qkv-simd-threads', 2, '&relaxed=false'], ['plain', 'qkv-simd', 1, '&relaxed=false'],
]) {
  test(`WorkerEngine in Chromium, ${isolation}${query === '' ? '' : ', relaxedSimd false'}: ${flavour} in the worker`, async () => {
    const page = await live.browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    try {
      await page.goto(`${live.server.url}/${isolation}/tests/browser/pages/worker-engine.html?threads=${threads}${query}`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
      const r = await page.evaluate(() => window.__result);
      assert.equal(r.failed, undefined, r.failed);
      assert.deepEqual(errors, []);
      assert.equal(r.crossOriginIsolated, isolation === 'isolated');
      assert.equal(r.info.flavour, flavour);
      assert.equal(r.info.relaxedSimd, flavour.startsWith('qkv-relaxed'));
      assert.equal(r.info.numThreads, threads);
      assert.ok(r.progress.includes('done'), 'load progress reached the page');
      for (const { got, want } of r.greedy) assert.deepEqual(got, want);
      const [nLayer, nHead, n] = r.attention.want;
      assert.deepEqual(r.attention.dims, [nHead, n, n]);
      assert.equal(r.attention.layers, nLayer);
      assert.equal(r.abortError, 'AbortError');
      assert.ok(r.seen >= 3 && r.seen < 1000, `stopped after ${r.seen} tokens`);
      assert.equal(r.badOption.isInvalidArgument, true, JSON.stringify(r.badOption));
      assert.match(r.badOption.message, /top_p/);
      assert.deepEqual(r.blobTokens, r.blobWant);
      // The page stayed responsive: its timers ran between the worker's tokens...
      const ticks = r.greedy.reduce((sum, g) => sum + g.ticks, 0);
      assert.ok(ticks > 0, `page timer callbacks during worker generation: ${ticks}`);
      // ...which they cannot while the page generates itself.
      assert.ok(r.pageTokens > 1);
      assert.equal(r.pageTicks, 0);
    } finally {
      await page.close();
    }
  });
}
