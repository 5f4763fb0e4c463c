// The demo page's errors and notes: an error shows as an error (class, role,
// colour) beside the control that caused it; every kind of failed load leaves
// the page the same way (no model, said so); and nothing goes stale: the
// encoder's "does not generate" note, a load error, an "Attention only" error,
// a failed generation: all clear on the next success.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { settledPage, useDemoPage } from './demo-page.mjs';

const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));
const live = { server: undefined, browser: undefined };
let page;
let errors;
// The missing files these tests ask for on purpose: their 404s are expected, any other console error is not.
const expected404 = /\/no-such-model\//;

const demo = useDemoPage({ viewport: { width: 1000, height: 1200 }, ignoreError: (m) => /status of 404/.test(m.text()) && expected404.test(m.location().url), onReady: (d) => {
  ({ page, errors } = d);
  Object.assign(live, { server: d.server, browser: d.browser });
  mkdirSync(artifacts, { recursive: true });
} });

const settled = () => settledPage(page);

async function loadBundled(id) {
  await page.selectOption('#bundled-model', id);
  await page.click('#load-bundled');
  await settled();
  assert.match(await page.textContent('#load-status'), new RegExp(`^${id}: `));
}

async function loadUrl(path) {
  await page.fill('#model-url', `${live.server.url}/isolated/${path}`);
  await page.click('#load-url');
  await settled();
}

/** What the page shows of a load error: text, where, and whether it looks like one. */
const loadError = () => page.$eval('#load-error', (e) => ({
  hidden: e.hidden,
  text: e.textContent,
  // The element right before the error: its id, or the ids of the controls in that row.
  after: [e.previousElementSibling?.id, ...[...e.previousElementSibling?.querySelectorAll('[id]') ?? []].map((c) => c.id)].filter(Boolean),
  role: e.getAttribute('role'),
  error: e.classList.contains('error'),
  color: getComputedStyle(e).color,
  sign: getComputedStyle(e, '::before').content,
}));

/** A red-dominant colour, unlike the grey of a status line. */
function assertRed(color) {
  const [r, g, b] = color.match(/\d+/g).map(Number);
  assert.ok(r > 120 && r > 2 * g && r > 2 * b, `${color} is not an error colour`);
}

test('a failed URL load is an error beside the URL field; the old model is unloaded, and says so', { timeout: 60_000 }, async () => {
  await loadBundled('gpt2-tiny');
  assert.equal((await loadError()).hidden, true);
  await loadUrl('tests/fixtures/no-such-model/');
  const shown = await loadError();
  assert.equal(shown.hidden, false);
  assert.match(shown.text, /^Could not load .*no-such-model\/: .+ No model is loaded\.$/);
  assert.ok(shown.after.includes('load-url'), `the error sits right after the URL row, not after ${shown.after}`);
  assert.equal(shown.role, 'alert');
  assert.ok(shown.error);
  assertRed(shown.color);
  assert.match(shown.sign, /⚠/);
  assert.equal(await page.textContent('#load-status'), 'No model loaded.');
  assert.equal(await page.isDisabled('#generate'), true);
  assert.equal(await page.isDisabled('#show-attention'), true);
  await page.screenshot({ path: `${artifacts}demo-load-error.png`, fullPage: true });

  // The next success clears the error.
  await loadBundled('gpt2-tiny');
  assert.equal((await loadError()).hidden, true);
  assert.equal(await page.isDisabled('#generate'), false);
});

test('a failed folder pick is treated like a failed URL: error beside its control, old model unloaded', { timeout: 60_000 }, async () => {
  await loadBundled('gpt2-tiny');
  // A folder holding only config.json.
  const folder = join(mkdtempSync(join(tmpdir(), 'qkv-demo-')), 'half-a-model');
  mkdirSync(folder);
  copyFileSync(fileURLToPath(new URL('../fixtures/gpt2-tiny/config.json', import.meta.url)), join(folder, 'config.json'));
  // The folder stays until the page has read it: Chromium reads a picked folder's files lazily, and a file
  // deleted before then fails in the browser, not in this test.
  let shown;
  try {
    await page.setInputFiles('#folder-input', folder);
    await page.waitForFunction(() => !document.getElementById('load-error').hidden);
    shown = await loadError();
  } finally {
    rmSync(folder, { recursive: true });
  }
  assert.match(shown.text, /^Could not load the local model: the model folder lacks tokenizer\.json, a \.safetensors file \(found: config\.json\)\. No model is loaded\.$/);
  assert.ok(shown.after.includes('folder-input'), `after ${shown.after}`);
  assert.ok(shown.error);
  assert.equal(shown.role, 'alert');
  assert.equal(await page.textContent('#load-status'), 'No model loaded.');
  assert.equal(await page.isDisabled('#generate'), true);
});

test('a failed Hub id load is the same error, beside the Hub id', { timeout: 60_000 }, async () => {
  await loadBundled('gpt2-tiny');
  await page.evaluate(() => { document.querySelector('.hub-settings').open = true; });
  await page.fill('#hub-host', `${live.server.url}/isolated/tests/fixtures/no-such-model/`);
  await page.fill('#model-id', 'nobody/nothing');
  await page.click('#load-id');
  await settled();
  const shown = await loadError();
  assert.equal(shown.hidden, false);
  assert.match(shown.text, /^Could not load nobody\/nothing: .+ No model is loaded\.$/);
  assert.ok(shown.after.includes('load-id'), `after ${shown.after}`);
  assert.ok(shown.error);
  assert.equal(await page.textContent('#load-status'), 'No model loaded.');
  assert.equal(await page.isDisabled('#generate'), true);
});

test('the encoder\'s "does not generate" note goes when a decoder loads', { timeout: 60_000 }, async () => {
  await loadUrl('tests/fixtures/bert-tiny/');
  assert.match(await page.textContent('#load-status'), /BertModel/);
  assert.match(await page.textContent('#generate-status'), /does not generate/);
  assert.equal(await page.isDisabled('#generate'), true);
  await loadBundled('gpt2-tiny');
  assert.equal(await page.textContent('#generate-status'), '');
  assert.equal(await page.isDisabled('#generate'), false);
});

test('an "Attention only" error is styled as one and cleared by the next success', { timeout: 60_000 }, async () => {
  await loadBundled('gpt2-tiny');
  await page.fill('#prompt', '');
  await page.click('#show-attention');
  await settled();
  const failed = await page.$eval('#attention-caption', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role'), color: getComputedStyle(e).color }));
  assert.match(failed.text, /^No attention to show: ./);
  assert.ok(failed.error);
  assert.equal(failed.role, 'alert');
  assertRed(failed.color);

  await page.fill('#prompt', 'The cat sat');
  await page.click('#show-attention');
  await settled();
  const ok = await page.$eval('#attention-caption', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role') }));
  assert.match(ok.text, /^\d+ prompt tokens/);
  assert.equal(ok.error, false);
  assert.equal(ok.role, null);
  assert.deepEqual(errors, []);
});

test('a failed generation is an error under the output, cleared by the next generation', { timeout: 60_000 }, async () => {
  await loadBundled('gpt2-tiny');
  // More tokens than gpt2-tiny's 64 positions.
  await page.fill('#prompt', Array.from({ length: 120 }, () => 'word').join(' '));
  await page.fill('input[name=max_new_tokens]', '4');
  await page.fill('input[name=seed]', '1');
  await page.click('#generate');
  await settled();
  const failed = await page.$eval('#generate-status', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role'), color: getComputedStyle(e).color }));
  assert.match(failed.text, /^Generation failed: ./);
  assert.ok(failed.error);
  assert.equal(failed.role, 'alert');
  assertRed(failed.color);
  await page.fill('#prompt', 'Hello');
  await page.click('#generate');
  await settled();
  const ok = await page.$eval('#generate-status', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role') }));
  assert.match(ok.text, /^Done: 4 tokens/);
  assert.equal(ok.error, false);
  assert.equal(ok.role, null);
  assert.deepEqual(errors, []);
});
