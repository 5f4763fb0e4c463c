// The demo page's similarity panel with the bert-tiny fixture: sentences in,
// the cosine matrix of their mean-pooled embeddings out, compared with the
// cosines of PyTorch's mean-pooled vectors (tests/fixtures/bert-tiny/reference.json).
// A decoder leaves the panel disabled; an empty input is an error, cleared by the next success.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { cosine } from '../js/fixtures.mjs';
import { settledPage, useDemoPage } from './demo-page.mjs';

const reference = JSON.parse(readFileSync(new URL('../fixtures/bert-tiny/reference.json', import.meta.url), 'utf8'));
// One sentence per line: the reference texts that hold no line break of their own.
const texts = reference.texts.filter((t) => !/\n/.test(t.text) && t.text.trim() === t.text);
let page;
let errors;

const demo = useDemoPage({ viewport: { width: 1100, height: 1400 }, onReady: (d) => {
  ({ page, errors } = d);
} });

const settled = () => settledPage(page);

async function loadBundled(id) {
  await page.selectOption('#bundled-model', id);
  await page.click('#load-bundled');
  await settled();
  assert.match(await page.textContent('#load-status'), new RegExp(`^${id}: `));
}

test('a decoder cannot compare sentences', async () => {
  await loadBundled('gpt2-tiny');
  assert.equal(await page.isDisabled('#compare'), true);
});

test('bert-tiny: the cosine matrix of the sentences matches PyTorch\'s embeddings', async () => {
  assert.ok(texts.length >= 4, `${texts.length} texts`);
  await loadBundled('bert-tiny');
  assert.equal(await page.isDisabled('#compare'), false);
  await page.fill('#sentences', texts.map((t) => t.text).join('\n'));
  await page.click('#compare');
  await settled();
  const shown = await page.$$eval('#similarity tr', (rows) => rows.slice(1).map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.dataset.value))));
  assert.equal(shown.length, texts.length);
  let spread = 0;
  for (let i = 0; i < texts.length; i++) {
    assert.equal(shown[i].length, texts.length);
    for (let j = 0; j < texts.length; j++) {
      const want = cosine(texts[i].mean_pooled, texts[j].mean_pooled);
      assert.ok(Math.abs(shown[i][j] - want) < 1e-4, `[${i}][${j}]: ${shown[i][j]} vs PyTorch ${want}`);
      spread = Math.max(spread, Math.abs(want - 1));
    }
  }
  assert.ok(spread > 0.01, 'the sentences are not all alike: the check can tell them apart');
  assert.match(await page.textContent('#similarity-status'), new RegExp(`^${texts.length} sentences, 64-dimensional embeddings`));
});

test('an empty input is an error, cleared by the next comparison', async () => {
  await page.fill('#sentences', '  \n ');
  await page.click('#compare');
  const failed = await page.$eval('#similarity-status', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role') }));
  assert.deepEqual(failed, { text: 'Write at least one sentence (one per line).', error: true, role: 'alert' });
  await page.fill('#sentences', 'one\ntwo');
  await page.click('#compare');
  await settled();
  await page.waitForFunction(() => /^2 sentences/.test(document.getElementById('similarity-status').textContent));
  assert.equal(await page.$eval('#similarity-status', (e) => e.classList.contains('error')), false);
  // The diagonal: each sentence is itself.
  const diagonal = await page.$$eval('#similarity tr', (rows) => rows.slice(1).map((r, i) => Number(r.querySelectorAll('td')[i].dataset.value)));
  for (const v of diagonal) assert.ok(Math.abs(v - 1) < 1e-5, String(v));
  // Loading a decoder clears the table.
  await loadBundled('gpt2-tiny');
  assert.equal(await page.$$eval('#similarity tr', (rows) => rows.length), 0);
  assert.deepEqual(errors, []);
});

// EmbeddingGemma's layout from the list (its modules.json, Dense folders and prompts passed as
// extraFiles): the prompt list holds its prompts, and the cosines with the 'query' prompt are those of
// gen_embed.py's PyTorch vectors for it (unit length: the cosine is the dot product).
test('embeddinggemma-tiny: the prompt list and the cosines of the prompted embeddings match PyTorch', async () => {
  const gemma = JSON.parse(readFileSync(new URL('../fixtures/embeddinggemma-tiny/reference.json', import.meta.url), 'utf8'));
  const cases = gemma.cases.filter((c) => c.prompt_name === 'query');
  await loadBundled('embeddinggemma-tiny');
  assert.equal(await page.isDisabled('#compare'), false);
  assert.equal(await page.isDisabled('#embed-prompt'), false);
  const options = await page.$$eval('#embed-prompt option', (list) => list.map((o) => o.value));
  assert.deepEqual(options, ['', ...Object.keys(gemma.prompts)]);
  await page.selectOption('#embed-prompt', 'query');
  await page.fill('#sentences', cases.map((c) => c.text).join('\n'));
  await page.click('#compare');
  await settled();
  await page.waitForFunction((n) => new RegExp(`^${n} sentences`).test(document.getElementById('similarity-status').textContent), cases.length);
  const shown = await page.$$eval('#similarity tr', (rows) => rows.slice(1).map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.dataset.value))));
  let unprompted = 0;
  const plain = gemma.cases.filter((c) => c.prompt_name === null);
  for (let i = 0; i < cases.length; i++) {
    for (let j = 0; j < cases.length; j++) {
      const want = cosine(cases[i].embedding, cases[j].embedding);
      assert.ok(Math.abs(shown[i][j] - want) < 1e-4, `[${i}][${j}]: ${shown[i][j]} vs PyTorch ${want}`);
      unprompted = Math.max(unprompted, Math.abs(cosine(plain[i].embedding, plain[j].embedding) - want));
    }
  }
  assert.ok(unprompted > 1e-3, 'without the prompt the cosines differ: the check can tell');
  assert.match(await page.textContent('#similarity-status'), /64-dimensional embeddings/);
  await loadBundled('gpt2-tiny');
  assert.deepEqual(await page.$$eval('#embed-prompt option', (list) => list.map((o) => o.value)), ['']);
  assert.deepEqual(errors, []);
});
