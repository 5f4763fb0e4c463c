// The demo page's other ways to pick a model, in Chromium: a local folder
// through the file input, files dropped on the page (a sharded checkpoint),
// a URL, and the message when a dropped set lacks a file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { settledPage, useDemoPage } from './demo-page.mjs';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
let page;
let errors;

const demo = useDemoPage({ onReady: (d) => {
  ({ page, errors } = d);
} });

const settled = () => settledPage(page);

/**
 * Does `action` and waits for the load it starts to end. (A file input's change event may reach the page
 * after setInputFiles returns, so waiting for a settled state could see the previous load's.)
 */
async function loadBy(action) {
  const loaded = page.evaluate(() => new Promise((resolve) => {
    let loading = false;
    const observer = new MutationObserver(() => {
      loading ||= document.body.dataset.state === 'loading';
      if (loading && document.body.dataset.state !== 'loading') { observer.disconnect(); resolve(); }
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  }));
  await action();
  await loaded;
}

/** Drops these fixture files on the drop zone, as Files built in the page. */
function dropFiles(paths) {
  return page.evaluate(async (urls) => {
    const dt = new DataTransfer();
    for (const url of urls) {
      const blob = await (await fetch(url)).blob();
      dt.items.add(new File([blob], url.split('/').pop()));
    }
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, paths.map((p) => `/isolated/tests/fixtures/${p}`));
}

test('the KV cache select reaches loadModel: an f16 cache is reported and generates', async () => {
  await page.selectOption('#kv-dtype', 'f16');
  await loadBy(() => page.setInputFiles('#folder-input', `${fixtures}gpt2-tiny`));
  assert.match(await page.textContent('#load-status'), /^gpt2-tiny: GPT2LMHeadModel, .* 64 positions of f16 KV cache, loaded in/);
  await page.fill('#prompt', 'Hello');
  await page.fill('input[name=max_new_tokens]', '5');
  await page.click('#generate');
  await settled();
  assert.match(await page.textContent('#generate-status'), /^Done: 5 tokens/);
  // Back to f32: the page loads the model again with it (demo-model-line.test.mjs tests that).
  await loadBy(() => page.selectOption('#kv-dtype', 'f32'));
  assert.match(await page.textContent('#load-status'), /of f32 KV cache/);
  assert.deepEqual(errors, []);
});

test('a local folder chosen with the file input loads, and generates', async () => {
  await loadBy(() => page.setInputFiles('#folder-input', `${fixtures}gpt2-tiny`));
  assert.match(await page.textContent('#load-status'), /^gpt2-tiny: GPT2LMHeadModel, 2 layers × 2 heads/);
  await page.fill('#prompt', 'Hello');
  await page.fill('input[name=max_new_tokens]', '5');
  await page.click('#generate');
  await settled();
  assert.match(await page.textContent('#generate-status'), /^Done: 5 tokens/);
  assert.deepEqual(errors, []);
});

test('dropped files of a sharded checkpoint load, with progress over both shards', async () => {
  const seen = page.evaluate(() => new Promise((resolve) => {
    const labels = new Set();
    let loading = false;
    const observer = new MutationObserver(() => {
      labels.add(document.getElementById('load-status').textContent);
      loading ||= document.body.dataset.state === 'loading';
      if (loading && document.body.dataset.state === 'ready') { observer.disconnect(); resolve([...labels]); }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }));
  await dropFiles(['gpt2-tiny-sharded/config.json', 'gpt2-tiny-sharded/model-00002-of-00002.safetensors',
    'gpt2-tiny-sharded/model-00001-of-00002.safetensors', 'gpt2-tiny-sharded/tokenizer.json']);
  const labels = await seen;
  assert.ok(labels.some((l) => /^model-00002-of-00002\.safetensors \(file 2 of 2\)/.test(l)), labels.join('\n'));
  assert.match(await page.textContent('#load-status'), /^local files: GPT2LMHeadModel/);
  assert.deepEqual(errors, []);
});

test('a drop without tokenizer.json says what is missing', async () => {
  await dropFiles(['gpt2-tiny/config.json', 'gpt2-tiny/model.safetensors']);
  // The error shows beside the drop zone (no longer in the status line); the status says no model is loaded.
  await page.waitForFunction(() => /lacks/.test(document.getElementById('load-error').textContent));
  assert.match(await page.textContent('#load-error'), /^Could not load the local model: the model folder lacks tokenizer\.json \(found: config\.json, model\.safetensors\)\. No model is loaded\.$/);
  assert.equal(await page.$eval('#load-error', (e) => e.previousElementSibling.id), 'drop-zone', 'the error sits right after the drop zone');
  assert.equal(await page.textContent('#load-status'), 'No model loaded.');
});

test('a model URL loads (a sharded checkpoint, found through its index)', async () => {
  await page.fill('#model-url', '../../tests/fixtures/gpt2-tiny-sharded/');
  await page.click('#load-url');
  await settled();
  assert.match(await page.textContent('#load-status'), /gpt2-tiny-sharded\/: GPT2LMHeadModel, 2 layers × 2 heads/);
  assert.deepEqual(errors, []);
});
