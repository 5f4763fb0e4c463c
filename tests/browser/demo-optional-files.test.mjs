// The demo page passes a model's optional files (tokenizer_config.json,
// generation_config.json, a sentence-transformers model's pooling files) for
// every kind of load when the model has them, and never asks for ones it lacks
// (no 404s in the console).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium } from './chromium.mjs';
import { startServer } from './server.mjs';

let server;
let browser;
let page;
let errors;
let requests;

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  const context = await browser.newContext();
  page = await context.newPage();
  errors = [];
  requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`); });
  page.on('pageerror', (e) => errors.push(e.message));
  // The worker's fetches too: they are the context's requests.
  context.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(`${server.url}/isolated/examples/browser/index.html`);
  await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const settled = () => page.waitForFunction(() => ['ready', 'idle'].includes(document.body.dataset.state), null, { timeout: 30_000 });

async function loadBundled(id) {
  requests.length = 0;
  await page.selectOption('#bundled-model', id);
  await page.click('#load-bundled');
  await settled();
  assert.match(await page.textContent('#load-status'), new RegExp(`^${id}: `));
  return requests.filter((p) => p.includes('/fixtures/') || p.includes('/models/')).map((p) => p.split('/').pop());
}

test('a bundled model with tokenizer_config.json and generation_config.json has both read', async () => {
  const read = await loadBundled('gpt2-tiny');
  for (const name of ['config.json', 'tokenizer.json', 'model.safetensors', 'tokenizer_config.json', 'generation_config.json']) {
    assert.ok(read.includes(name), `${name} not read (read: ${read.join(', ')})`);
  }
});

test('a bundled model without them is never asked for them', async () => {
  const read = await loadBundled('llama-tiny');
  assert.ok(read.includes('config.json'), read.join(', '));
  assert.ok(!read.includes('tokenizer_config.json') && !read.includes('generation_config.json'), read.join(', '));
  assert.deepEqual(errors, []);
});

/**
 * pickModelFiles (the page's module) on Files fetched from the fixtures, as a folder pick or drop gives them;
 * `as` gives each file's path in the picked folder.
 */
const pick = (paths, as = (p) => p) => page.evaluate(async (list) => {
  const { pickModelFiles } = await import('./model-source.js');
  const entries = [];
  for (const [url, path] of list) entries.push({ file: new File([await (await fetch(url)).blob()], path.split('/').pop()), path });
  const files = pickModelFiles(entries);
  const name = (f) => f.name;
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k,
    Array.isArray(v) ? v.map(name) : v instanceof File ? name(v) : Object.fromEntries(Object.entries(v).map(([p, f]) => [p, f.size]))]));
}, paths.map((p) => [`/isolated/tests/fixtures/${p}`, as(p)]));

test('a folder pick or drop passes the optional files it holds, and only those', async () => {
  const gpt2 = await pick(['gpt2-tiny/config.json', 'gpt2-tiny/model.safetensors', 'gpt2-tiny/tokenizer.json',
    'gpt2-tiny/tokenizer_config.json', 'gpt2-tiny/generation_config.json']);
  assert.deepEqual(gpt2, {
    config: 'config.json', weights: ['model.safetensors'], tokenizer: 'tokenizer.json',
    tokenizerConfig: 'tokenizer_config.json', generationConfig: 'generation_config.json',
  });
  const llama = await pick(['llama-tiny/config.json', 'llama-tiny/model.safetensors', 'llama-tiny/tokenizer.json']);
  assert.deepEqual(llama, { config: 'config.json', weights: ['model.safetensors'], tokenizer: 'tokenizer.json' });
});

test('a folder without tokenizer.json passes its tokenizer\'s own files (M2M100: sentencepiece.bpe.model, vocab.json)', async () => {
  const m2m = await pick(['m2m100-tiny/config.json', 'm2m100-tiny/model.safetensors', 'm2m100-tiny/generation_config.json',
    'm2m100-spm/sentencepiece.bpe.model', 'm2m100-spm/vocab.json', 'm2m100-spm/tokenizer_config.json', 'm2m100-spm/special_tokens_map.json'],
    (p) => p.replace(/^m2m100-(tiny|spm)\//, 'm2m100/'));
  assert.deepEqual(Object.keys(m2m).sort(), ['config', 'extraFiles', 'generationConfig', 'tokenizerConfig', 'weights']);
  assert.deepEqual(Object.keys(m2m.extraFiles).sort(), ['sentencepiece.bpe.model', 'special_tokens_map.json', 'vocab.json']);
});

test('a sentence-transformers folder passes its pooling files, keyed by their path in the folder', async () => {
  const picked = await page.evaluate(async () => {
    const { pickModelFiles } = await import('./model-source.js');
    const entry = (path) => ({ file: new File(['{}'], path.split('/').pop()), path });
    const files = pickModelFiles(['st/config.json', 'st/model.safetensors', 'st/tokenizer.json', 'st/modules.json',
      'st/1_Pooling/config.json', 'st/onnx/model.safetensors'].map(entry));
    return { extra: Object.keys(files.extraFiles ?? {}).sort(), config: files.config === files.extraFiles?.['1_Pooling/config.json'] };
  });
  assert.deepEqual(picked, { extra: ['1_Pooling/config.json', 'modules.json'], config: false });
});

test('a folder with the optional files, chosen with the file input, loads and generates', async () => {
  await page.setInputFiles('#folder-input', new URL('../fixtures/gpt2-tiny', import.meta.url).pathname);
  await settled();
  assert.match(await page.textContent('#load-status'), /^gpt2-tiny: GPT2LMHeadModel/);
  await page.fill('input[name=max_new_tokens]', '3');
  await page.fill('input[name=seed]', '1');
  await page.click('#generate');
  await page.waitForFunction(() => /^Done: /.test(document.getElementById('generate-status').textContent), null, { timeout: 30_000 });
  assert.deepEqual(errors, []);
});
