// The demo page's line naming the loaded model, and what changing "Weights in
// memory" or "KV cache" does: the loaded model loads again with the new type
// (whichever way it was picked), and the line and status say which type it has.
// "auto", the default weights' type, sends none: the library picks it from the checkpoint.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadModel } from '../../dist/index.js';
import { settledPage, useDemoPage } from './demo-page.mjs';

let page;
let errors;

const demo = useDemoPage({
  viewport: { width: 1000, height: 1200 },
  onReady: (d) => {
    ({ page, errors } = d);
  },
  // Records the options of every load the page sends to its worker.
  initScript: () => {
    globalThis.loadOptions = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function postMessage(message, ...rest) {
      if (message?.type === 'load') globalThis.loadOptions.push({ ...message.args.options });
      return post.call(this, message, ...rest);
    };
  },
});

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
  // The weights' type follows the checkpoint unless one is picked.
  assert.equal(await page.inputValue('#dtype'), '');
  assert.equal(await page.$eval('#dtype', (s) => s.selectedOptions[0].textContent), 'auto (as the checkpoint)');
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

test('"auto" passes no dtype: the line names the type the library chose for the checkpoint', async () => {
  // What loadModel gives this f16 checkpoint without a dtype: the library's default, whatever it is.
  const library = await loadModel(new URL('../../examples/models/sotu-llama/', import.meta.url).pathname);
  const chosen = library.info.dtype;
  library.dispose();
  // No model is loaded (the test above): changing the selects loads nothing.
  await page.selectOption('#dtype', '');
  await page.selectOption('#kv-dtype', 'f32');
  await page.selectOption('#bundled-model', 'sotu-llama');
  await page.evaluate(() => { globalThis.loadOptions.length = 0; });
  await page.click('#load-bundled');
  await settled();
  const [auto] = await page.evaluate(() => globalThis.loadOptions);
  assert.equal('dtype' in auto, false, JSON.stringify(auto));
  assert.equal(await page.textContent('#current-model'), `Loaded: sotu-llama (${chosen} weights, f32 KV cache).`);
  assert.match(await page.textContent('#load-status'), new RegExp(`^sotu-llama: LlamaForCausalLM, .*, ${chosen}, `));
  // A type picked is sent and named; back to auto, none is sent again.
  assert.ok((await change('#dtype', 'q8')).includes('loading'));
  assert.equal(await page.textContent('#current-model'), 'Loaded: sotu-llama (q8 weights, f32 KV cache).');
  assert.ok((await change('#dtype', '')).includes('loading'));
  assert.equal(await page.textContent('#current-model'), `Loaded: sotu-llama (${chosen} weights, f32 KV cache).`);
  assert.deepEqual(await page.evaluate(() => globalThis.loadOptions.map((o) => o.dtype ?? 'none')), ['none', 'q8', 'none']);
  assert.deepEqual(errors, []);
});
