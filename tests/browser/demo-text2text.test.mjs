// The demo page's encoder-decoder task in Chromium: nllb-tiny translates with src_lang / tgt_lang as PyTorch's
// greedy target (tests/fixtures/gen_translation_tokenizers.py) and draws its cross-attention as an alignment
// heatmap (generated tokens × source tokens, the last decoder layer's mean of the heads by default, whose
// weight under the pointer is the reference's), the layer and head pickers redraw it, summarization runs
// without the languages, and a bad language is a named error beside the panel, the page still working.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { artifacts, settledPage, useDemoPage } from './demo-page.mjs';

const { max_new_tokens, cases } = JSON.parse(readFileSync(new URL('../fixtures/nllb-tiny/translation.json', import.meta.url), 'utf8'));
// m2m100-tiny with the tokenizer facebook/m2m100_418M ships (sentencepiece.bpe.model + vocab.json, no tokenizer.json).
const spm = JSON.parse(readFileSync(new URL('../fixtures/m2m100-spm/goldens.json', import.meta.url), 'utf8')).translation;
let page;
let errors;

useDemoPage({ viewport: { width: 1100, height: 1600 }, onReady: (d) => {
  ({ page, errors } = d);
} });

async function run({ mode, ...values }) {
  await page.selectOption('#task-mode', mode);
  for (const [id, value] of Object.entries(values)) await page.fill(`#task-${id}`, String(value));
  await page.click('#run-task');
  await settledPage(page);
}

/** Points at cell (row, column) of the cross-attention heatmap; resolves to the weight the readout gives. */
async function weightAt(row, column) {
  const { x, y } = await page.$eval('#cross-heatmap', (c, [r, k]) => {
    c.scrollIntoView({ block: 'center' });
    const box = c.getBoundingClientRect();
    const { left, top, cell } = c.dataset;
    return { x: box.left + Number(left) + (k + 0.5) * Number(cell), y: box.top + Number(top) + (r + 0.5) * Number(cell) };
  }, [row, column]);
  await page.mouse.move(x, y);
  const text = await page.textContent('#cross-readout');
  assert.match(text, new RegExp(`\\(#${row}\\) → .*\\(#${column}\\): [\\d.]+$`));
  return Number(text.split(': ').at(-1));
}

test('nllb-tiny: translation as PyTorch gives it, and the cross-attention heatmap of its alignment', async () => {
  await page.selectOption('#bundled-model', 'nllb-tiny');
  await page.click('#load-bundled');
  await settledPage(page);
  assert.deepEqual(await page.$$eval('#task option', (o) => o.map((x) => x.value)), ['text2text']);
  // The language fields start with the model's own codes, asked of the worker.
  await page.waitForFunction(() => document.getElementById('task-tgt_lang')?.value !== '');
  assert.deepEqual([await page.inputValue('#task-src_lang'), await page.inputValue('#task-tgt_lang')], ['eng_Latn', 'fra_Latn']);

  const c = cases[0];
  // Every text the streamed output showed before the result replaced it.
  await page.evaluate(() => {
    window.streamed = [];
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n.parentNode?.id === 'task-live-output' || n.id === 'task-live-output') window.streamed.push(n.textContent);
    }).observe(document.getElementById('task-output'), { childList: true, subtree: true });
  });
  await run({ mode: 'translation', text: c.text, src_lang: c.src_lang, tgt_lang: c.tgt_lang, num_beams: 1, max_new_tokens });
  // Greedy decoding streams: the target appeared piece by piece, growing to the whole text.
  const streamed = (await page.evaluate(() => window.streamed)).filter((t) => t !== '');
  assert.ok(streamed.length >= 2, JSON.stringify(streamed));
  streamed.forEach((t, i) => assert.ok(i === 0 || t.startsWith(streamed[i - 1]), JSON.stringify(streamed)));
  assert.equal(streamed.at(-1), c.greedy_text);
  assert.equal(await page.textContent('#task-status').then((s) => /^Translate, summarize/.test(s)), true, await page.textContent('#task-status'));
  assert.equal(await page.textContent('#text2text-output'), c.greedy_text);
  const grid = await page.$eval('#cross-heatmap', (e) => ({ rows: Number(e.dataset.rows), columns: Number(e.dataset.columns), label: e.getAttribute('aria-label') }));
  assert.deepEqual(grid, { rows: c.greedy.length, columns: c.src_ids.length, label: 'Cross-attention of decoder layer 1, mean of the heads' });
  for (const row of [0, 2, c.greedy.length - 1]) {
    const { source, weight } = c.alignment[row];
    assert.ok(Math.abs(await weightAt(row, source) - weight) <= 1e-3, `row ${row}`);
  }
  // One head instead of the mean: another picture (sensitivity), and back.
  const mean = await weightAt(2, c.alignment[2].source);
  await page.selectOption('#cross-head', '0');
  assert.match(await page.getAttribute('#cross-heatmap', 'aria-label'), /layer 1, head 0$/);
  assert.ok(Math.abs(await weightAt(2, c.alignment[2].source) - mean) > 1e-3);
  await page.selectOption('#cross-layer', '0');
  assert.match(await page.getAttribute('#cross-heatmap', 'aria-label'), /layer 0, head 0$/);
  await page.screenshot({ path: join(artifacts, 'demo-text2text.png'), fullPage: true });
});

test('summarization runs without the languages; a bad language is a named error and the page still translates', async () => {
  const plain = cases.find((x) => x.src_lang === null);
  await run({ mode: 'summarization', text: plain.text, num_beams: 1, max_new_tokens });
  assert.equal(await page.textContent('#text2text-output'), plain.greedy_unforced_text);

  await run({ mode: 'translation', text: 'hello', src_lang: 'eng_Latn', tgt_lang: 'xx_Nope' });
  const failed = await page.$eval('#task-status', (e) => ({ text: e.textContent, error: e.classList.contains('error'), role: e.getAttribute('role') }));
  assert.match(failed.text, /tgt_lang "xx_Nope" is not a language of this NLLB tokenizer; known: eng_Latn, fra_Latn/);
  assert.deepEqual([failed.error, failed.role], [true, 'alert']);
  assert.equal(await page.$eval('#task-output', (o) => o.childElementCount), 0);

  const c = cases[2];
  await run({ mode: 'translation', text: c.text, src_lang: c.src_lang, tgt_lang: c.tgt_lang, num_beams: 1, max_new_tokens });
  assert.equal(await page.textContent('#text2text-output'), c.greedy_text);
  assert.equal(await page.$eval('#task-status', (e) => e.classList.contains('error')), false);
  assert.deepEqual(errors, []);
});

test('m2m100-tiny-spm: an M2M100 repository without tokenizer.json translates as PyTorch for its tokenizer\'s ids', async () => {
  await page.selectOption('#bundled-model', 'm2m100-tiny-spm');
  await page.click('#load-bundled');
  await settledPage(page);
  // The 100 languages of language_codes m2m100, the first two offered.
  await page.waitForFunction(() => document.getElementById('task-tgt_lang')?.value === 'am');
  assert.equal(await page.inputValue('#task-src_lang'), 'af');
  for (const c of spm.cases.slice(0, 2)) {
    await run({ mode: 'translation', text: c.text, src_lang: c.src_lang, tgt_lang: c.tgt_lang, num_beams: 1, max_new_tokens: spm.max_new_tokens });
    assert.equal(await page.textContent('#text2text-output'), c.greedy_text, c.text);
    const columns = await page.$eval('#cross-heatmap', (e) => Number(e.dataset.columns));
    assert.equal(columns, c.src_ids.length);
  }
  await run({ mode: 'translation', text: 'hello', src_lang: 'en', tgt_lang: 'xx' });
  assert.match(await page.textContent('#task-status'), /tgt_lang "xx" is not a language of this M2M100 tokenizer; known: af, am/);
  assert.deepEqual(errors, []);
});
