// The demo page's line naming the loaded model, and what changing "Weights in
// memory" or "KV cache" does: the loaded model loads again with the new type
// (whichever way it was picked), and the line and status say which type it has.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { settledPage, useDemoPage } from './demo-page.mjs';

let page;
let errors;

const demo = useDemoPage({ viewport: { width: 1000, height: 1200 }, onReady: (d) => {
  ({ page, errors } = d);
} });

const settled = () => settledPage(page);

/** Changes a select and waits for the load it starts to end; returns the states the page went through. */
async function change(select, value) {
  const states = page.evaluate(() => new Promise((resolve) => {
    const seen = [];
    const observer = new MutationObserver(() => {
      seen.push(document.body.dataset.state);
      if (seen.includes('loading') && document.body.dataset.state === 'ready') { observer.disconnect(); resolve(seen); }
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  }));
  await page.selectOption(select, value);
  return states;
}

test('one line names the loaded model and its types; none before a load', async () => {
  assert.equal(await page.textContent('#current-model'), 'No model loaded.');
  await page.selectOption('#bundled-model', 'gpt2-tiny');
  await page.click('#load-bundled');
  await settled();
  assert.equal(await page.textContent('#current-model'), 'Loaded: gpt2-tiny (f32 weights, f32 KV cache).');
});

test('changing "Weights in memory" loads the loaded model again with that type', async () => {
  assert.ok((await change('#dtype', 'f16')).includes('loading'));
  assert.equal(await page.textContent('#current-model'), 'Loaded: gpt2-tiny (f16 weights, f32 KV cache).');
  assert.match(await page.textContent('#load-status'), /^gpt2-tiny: GPT2LMHeadModel, .*, f16, .* of f32 KV cache/);
  // It still generates.
  await page.fill('input[name=max_new_tokens]', '3');
  await page.fill('input[name=seed]', '1');
  await page.click('#generate');
  await settled();
  assert.match(await page.textContent('#generate-status'), /^Done: 3 tokens/);
});

test('changing "KV cache" does too, and a model loaded by URL loads again from its URL', async () => {
  await page.fill('#model-url', `${demo.server.url}/isolated/tests/fixtures/gpt2-tiny-sharded/`);
  await page.click('#load-url');
  await settled();
  assert.match(await page.textContent('#current-model'), /^Loaded: .*gpt2-tiny-sharded\/ \(f16 weights, f32 KV cache\)\.$/);
  assert.ok((await change('#kv-dtype', 'f16')).includes('loading'));
  assert.match(await page.textContent('#current-model'), /^Loaded: .*gpt2-tiny-sharded\/ \(f16 weights, f16 KV cache\)\.$/);
  assert.match(await page.textContent('#load-status'), /gpt2-tiny-sharded\/: GPT2LMHeadModel, .* of f16 KV cache/);
});

test('with no model loaded, changing the type loads nothing', async () => {
  await page.fill('#model-url', `${demo.server.url}/isolated/tests/fixtures/bert-tiny/`);
  await page.click('#load-url');
  await settled();
  // An encoder: no KV cache to name.
  assert.match(await page.textContent('#current-model'), /^Loaded: .*bert-tiny\/ \(f16 weights\)\.$/);
  await page.evaluate(() => {
    // Unload the way a failed pick does, then change the type.
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: new DataTransfer(), bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => !document.getElementById('load-error').hidden);
  assert.equal(await page.textContent('#current-model'), 'No model loaded.');
  await page.selectOption('#dtype', 'f32');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle');
  assert.equal(await page.textContent('#current-model'), 'No model loaded.');
  assert.deepEqual(errors, []);
});
