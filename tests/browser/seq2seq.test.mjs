// An encoder-decoder (t5-tiny, loaded by URL) in real Chromium: greedy and beam-search targets (every
// returned hypothesis and its score, renormalize_logits on), logits and cross-attention against the PyTorch
// references of gen_t5.py / gen_t5_beams.py, greedy tokens streamed as they are picked on the page's event
// loop (a timer fires between two of them; an abort after the 3rd, or from a timer, stops it there), and a
// named error after which the model answers as before (tests/browser/pages/seq2seq.html).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useServerAndBrowser } from './chromium.mjs';

const live = useServerAndBrowser();

test('t5-tiny in a cross-origin isolated page: targets, logits and cross-attention as PyTorch', async () => {
  const page = await live.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await page.goto(`${live.server.url}/isolated/tests/browser/pages/seq2seq.html`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
    const r = await page.evaluate(() => window.__result);
    assert.deepEqual(pageErrors, []);
    assert.equal(r.failed, undefined, r.failed);
    assert.equal(r.flavour, 'qkv-simd-threads');
    assert.deepEqual(r.capabilities, ['text2text']);
    assert.deepEqual(r.greedy, r.wantGreedy);
    assert.deepEqual(r.beamIds, r.wantBeam);
    assert.ok(r.maxLogitError <= 1e-4, `max |logit error| ${r.maxLogitError}`);
    assert.ok(r.maxCrossError <= 1e-5, `max |cross-attention error| ${r.maxCrossError}`);
    assert.deepEqual(r.error, { name: 'InvalidArgumentError', isInvalidArgument: true });
    assert.deepEqual(r.after, r.wantGreedy);
    assert.deepEqual(r.sequences, r.wantSequences);
    assert.ok(r.maxScoreError <= 1e-4, `max |score error| ${r.maxScoreError}`);
    assert.ok(r.timerAfter > 0 && r.timerAfter < 500, `the timer ran after token ${r.timerAfter} of 500`);
    assert.deepEqual(r.three, [...r.wantGreedy.slice(0, 3), -1]);
    assert.equal(r.threeReason, 'abort');
    assert.equal(r.timedReason, 'abort');
    assert.ok(r.timedTokens < 500, `${r.timedTokens} tokens after an abort from a timer`);
  } finally {
    await page.close();
  }
});
