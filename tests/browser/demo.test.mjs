// The demo page (examples/browser) in real Chromium, cross-origin isolated
// (threads build) and not (one-thread build, with qkv's warning): load the
// first model of its list, stream text, stop a generation, and read the
// attention heatmap. Screenshots go to tests/browser/artifacts/ (gitignored).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { MODELS } from '../../examples/browser/models.js';
import { artifacts, stopOnFirstToken, useServerAndBrowser } from './demo-page.mjs';

// What the page should report about the model, from its config.json.
const listed = MODELS[0];
const config = JSON.parse(readFileSync(new URL(`../../examples/browser/${listed.path}config.json`, import.meta.url), 'utf8'));
const expected = {
  architecture: config.architectures[0],
  nLayer: config.n_layer ?? config.num_hidden_layers,
  nHead: config.n_head ?? config.num_attention_heads,
  nCtx: config.n_positions ?? config.max_position_embeddings,
};
const env = useServerAndBrowser();

/** A fresh page on the demo, with every console error and uncaught exception collected. */
async function openDemo(isolation) {
  const page = await env.browser.newPage({ viewport: { width: 1200, height: 1300 } });
  const errors = [];
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.server.url}/${isolation}/examples/browser/index.html?model=${listed.id}`);
  await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
  return { page, errors, warnings };
}

const waitForState = (page, state) =>
  page.waitForFunction((s) => document.body.dataset.state === s, state, { timeout: 30_000 });

/** Count of non-transparent pixels and a hash of the heatmap canvas. */
const canvasDigest = (page) => page.evaluate(() => {
  const canvas = document.getElementById('heatmap');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  let hash = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] !== 0) painted++;
    hash = (Math.imul(hash, 31) + data[i] + (data[i + 1] << 8) + (data[i + 2] << 16)) | 0;
  }
  return { painted, total: data.length / 4, hash };
});

for (const isolation of ['isolated', 'plain']) {
  test(`demo page, ${isolation}: load, stream, stop, attention heatmap`, { timeout: 60_000 }, async () => {
    const { page, errors, warnings } = await openDemo(isolation);
    try {
      const backend = await page.textContent('#backend');
      if (isolation === 'isolated') {
        assert.match(backend, /qkv-relaxed-threads build, 2 threads, relaxed SIMD, SIMD \w+;/);
        assert.match(backend, /page is cross-origin isolated/);
        assert.equal(await page.isVisible('#backend-warning'), false);
      } else {
        assert.match(backend, /qkv-relaxed build, 1 thread, relaxed SIMD,/);
        assert.match(backend, /page is not cross-origin isolated/);
        assert.match(await page.textContent('#backend-warning'), /^qkv: running on one thread: the page is not cross-origin isolated/);
        assert.ok(warnings.some((w) => /qkv: running on one thread/.test(w)), 'the worker logs qkv\'s warning');
      }

      // Load the listed model; the bar reaches the end.
      await page.click('#load-bundled');
      await waitForState(page, 'ready');
      const { architecture, nLayer, nHead, nCtx } = expected;
      assert.ok(nLayer >= 2 && nHead >= 2, 'the heatmap checks need two layers and two heads');
      assert.ok((await page.textContent('#load-status')).startsWith(`${listed.id}: ${architecture}, ${nLayer} layers × ${nHead} heads`));
      assert.equal(await page.$eval('#load-progress', (p) => p.value), 1);

      // Generate: text streams in, with its numbers.
      await page.fill('#prompt', 'The cat sat on the mat');
      await page.fill('input[name=max_new_tokens]', '24');
      await page.fill('input[name=seed]', '7');
      const arrivals = page.evaluate(() => new Promise((resolve) => {
        // Lengths of the generated text each time it grows: more than one means it streamed.
        const lengths = [];
        let started = false;
        const observer = new MutationObserver(() => {
          const generated = document.querySelector('#output .generated');
          if (generated && generated.textContent.length > (lengths.at(-1) ?? 0)) lengths.push(generated.textContent.length);
          started ||= document.body.dataset.state === 'generating';
          if (started && document.body.dataset.state !== 'generating') { observer.disconnect(); resolve(lengths); }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      }));
      await page.click('#generate');
      await waitForState(page, 'ready');
      const lengths = await arrivals;
      assert.ok(lengths.length > 1, `text arrived in ${lengths.length} step(s)`);
      const generated = await page.textContent('#output .generated');
      assert.ok(generated.length > 0);
      // At most 24: a trained model may end its text sooner.
      const status = await page.textContent('#generate-status');
      const [, done, why] = /^Done: (\d+) tokens in [\d.]+ s \(seed 7\)\. Stopped: (.+)\.$/.exec(status) ?? [];
      assert.ok(Number(done) > 1 && Number(done) <= 24, `${done} tokens: ${status}`);
      // All 24 only when the budget ended it; fewer only at the end-of-sequence token.
      assert.equal(why, Number(done) === 24 ? 'reached max new tokens' : 'end of sequence', status);
      assert.equal(await page.textContent('#count'), done);
      assert.match(await page.textContent('#ttft'), /^\d+ ms$/);
      assert.match(await page.textContent('#speed'), /^\d+(\.\d)?$/);

      // The same seed gives the same text.
      await page.click('#generate');
      await waitForState(page, 'ready');
      assert.equal(await page.textContent('#output .generated'), generated);

      // Stop: clicked as soon as the first token shows, long before the context is full.
      const most = Math.min(500, nCtx - 20);
      await page.fill('input[name=max_new_tokens]', String(most));
      const stopped = stopOnFirstToken(page);
      await page.click('#generate');
      await stopped;
      await waitForState(page, 'ready');
      const [, count] = /^Done: (\d+) tokens in [\d.]+ s \(seed 7\)\. Stopped: aborted\.$/.exec(await page.textContent('#generate-status')) ?? [];
      assert.ok(Number(count) >= 1 && Number(count) < most, `stopped after ${count} of ${most} tokens`);
      assert.equal(await page.textContent('#count'), count);
      const stoppedText = await page.textContent('#output .generated');
      await page.waitForTimeout(100);
      assert.equal(await page.textContent('#output .generated'), stoppedText, 'text kept coming after Stop');

      // The heatmap of the prompt: drawn, and different for another head and another layer.
      assert.deepEqual(await page.$eval('#layer', (s) => [s.value, s.options.length]), ['0', nLayer]);
      assert.deepEqual(await page.$eval('#head', (s) => [s.value, s.options.length]), ['0', nHead]);
      const first = await canvasDigest(page);
      assert.ok(first.painted > first.total / 4, `${first.painted} of ${first.total} pixels painted`);
      const n = Number(await page.$eval('#heatmap', (c) => c.dataset.n));
      assert.ok(n >= 5, `${n} prompt tokens`); // the pieces of 'The cat sat on the mat'
      assert.match(await page.textContent('#attention-caption'), new RegExp(`^${n} prompt tokens`));
      await page.selectOption('#head', '1');
      const head1 = await canvasDigest(page);
      assert.notEqual(head1.hash, first.hash, 'head 1 looks like head 0');
      await page.selectOption('#layer', '1');
      const layer1 = await canvasDigest(page);
      assert.notEqual(layer1.hash, head1.hash, 'layer 1 looks like layer 0');

      // Hovering a cell shows its weight; the first query token can only see itself.
      const { left, top, cell } = await page.$eval('#heatmap', (c) => ({ ...c.dataset }));
      const box = await page.locator('#heatmap').boundingBox();
      const at = (q, k) => page.mouse.move(box.x + Number(left) + (k + 0.5) * Number(cell), box.y + Number(top) + (q + 0.5) * Number(cell));
      await at(0, 0);
      assert.match(await page.textContent('#attention-readout'), /^".+" \(#0\) → ".+" \(#0\): 1\.0000$/);
      await at(n - 1, 2);
      assert.match(await page.textContent('#attention-readout'), new RegExp(`^".+" \\(#${n - 1}\\) → ".+" \\(#2\\): 0\\.\\d{4}$`));
      await at(2, 5);
      assert.match(await page.textContent('#attention-readout'), /cannot see the later token/);

      await page.screenshot({ path: `${artifacts}demo-${isolation}.png`, fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}
