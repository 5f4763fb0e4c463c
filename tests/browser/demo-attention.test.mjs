// The demo page's attention view on a long prompt: a legend for the colours and
// the label marks, labels on every few tokens past ~40 (not none), and the
// hovered cell outlined with its row's and column's tokens in the highlight colour.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { artifacts, useServerAndBrowser } from './demo-page.mjs';

const HIGHLIGHT = [228, 0, 124]; // --highlight of the light page, #e4007c
const env = useServerAndBrowser();

/** Pixels of a canvas rectangle (CSS px; the test page has devicePixelRatio 1) that match a predicate. */
const countPixels = (page, [x, y, w, h], kind) => page.$eval('#heatmap', (c, [box, what, mark]) => {
  const { data } = c.getContext('2d').getImageData(...box);
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = data.slice(i, i + 4);
    if (what === 'ink' ? a > 0 : Math.abs(r - mark[0]) < 40 && Math.abs(g - mark[1]) < 40 && Math.abs(b - mark[2]) < 40 && a > 200) count++;
  }
  return count;
}, [[Math.round(x), Math.round(y), Math.max(1, Math.round(w)), Math.max(1, Math.round(h))], kind, HIGHLIGHT]);

test('a long prompt\'s heatmap: legend, every n-th label, the hovered cell and its tokens highlighted', { timeout: 60_000 }, async () => {
  const page = await env.browser.newPage({ viewport: { width: 1100, height: 1400 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${env.server.url}/isolated/examples/browser/index.html?model=llama-tiny`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
    await page.click('#load-bundled');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
    const words = 'one two three four five six seven eight nine ten'.split(' ');
    await page.fill('#prompt', Array.from({ length: 60 }, (_, i) => words[i % 10]).join(' '));
    await page.click('#show-attention');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('heatmap').dataset.n);

    const legend = await page.textContent('#attention-legend');
    assert.match(legend, /·.*space/s);
    assert.match(legend, /largest weight/);
    assert.equal(await page.isVisible('#attention-legend'), true);

    const d = await page.$eval('#heatmap', (c) => Object.fromEntries(Object.entries(c.dataset).map(([k, v]) => [k, Number(v)])));
    const { n, left, top, cell, labelStep } = d;
    assert.ok(n > 40, `${n} tokens`);
    assert.ok(labelStep > 1 && labelStep * cell >= 12, `every ${labelStep}th of ${cell} px cells labelled`);
    // Labels past 40 tokens (none were drawn before): rows and columns 0 and labelStep hold text. (Whether
    // row 1 does cannot be told from pixels: a 12 px label's glyphs reach into the next few-pixel rows.)
    const rowBand = (q) => [0, top + q * cell, left - 2, cell];
    const columnBand = (k) => [left + k * cell, 0, cell, top - 2];
    assert.ok(await countPixels(page, rowBand(0), 'ink') > 5, 'row 0 is labelled');
    assert.ok(await countPixels(page, rowBand(labelStep), 'ink') > 5, `row ${labelStep} is labelled`);
    assert.ok(await countPixels(page, columnBand(labelStep), 'ink') > 5, `column ${labelStep} is labelled`);
    assert.ok(await countPixels(page, columnBand(0), 'ink') > 5, 'column 0 is labelled');
    const grid = [left, top, n * cell, n * cell];
    assert.equal(await countPixels(page, grid, 'mark'), 0, 'nothing highlighted before hovering');

    // Hover a cell whose row and column are not labelled otherwise.
    const q = n - 2;
    const k = 1;
    assert.ok(q % labelStep !== 0);
    // Through the locator, which scrolls the canvas into view first: the cell may lie below the window.
    await page.locator('#heatmap').hover({ position: { x: left + (k + 0.5) * cell, y: top + (q + 0.5) * cell } });
    const box = await page.locator('#heatmap').boundingBox();
    assert.equal(await page.$eval('#heatmap', (c) => c.dataset.hover), `${q},${k}`);
    assert.match(await page.textContent('#attention-readout'), new RegExp(`\\(#${q}\\) → ".+" \\(#${k}\\): 0\\.\\d{4}$`));
    assert.ok(await countPixels(page, [left + k * cell, top + q * cell, cell, cell], 'mark') >= 2 * cell, 'the cell is outlined');
    assert.ok(await countPixels(page, rowBand(q), 'mark') > 5, 'its row\'s token is labelled in the highlight colour');
    assert.ok(await countPixels(page, columnBand(k), 'mark') > 5, 'its column\'s token too');
    await page.screenshot({ path: `${artifacts}demo-attention-hover.png`, fullPage: true });

    // Leaving the canvas takes the highlight away.
    await page.mouse.move(box.x + box.width + 50, box.y);
    assert.equal(await page.$eval('#heatmap', (c) => c.dataset.hover), '');
    assert.equal(await countPixels(page, grid, 'mark'), 0);
    assert.equal(await countPixels(page, rowBand(q), 'mark'), 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

/** The canvas pixel at the middle of a cell, and the row label's darkest or lightest ink, as [r, g, b]. */
const cellPixel = (page, q, k) => page.$eval('#heatmap', (c, [q, k]) => {
  const { left, top, cell } = Object.fromEntries(Object.entries(c.dataset).map(([key, v]) => [key, Number(v)]));
  return [...c.getContext('2d').getImageData(Math.round(left + (k + 0.5) * cell), Math.round(top + (q + 0.5) * cell), 1, 1).data.slice(0, 3)];
}, [q, k]);
/** The page's --masked colour (what a cell a causal model cannot see is painted with) as [r, g, b]. */
const maskedColour = (page) => page.$eval('#heatmap', (c) => {
  const probe = document.createElement('div');
  probe.style.color = getComputedStyle(c).getPropertyValue('--masked').trim();
  document.body.append(probe);
  const rgb = getComputedStyle(probe).color.match(/\d+/g).slice(0, 3).map(Number);
  probe.remove();
  return rgb;
});
/** Mean brightness of the labels' ink left of row q (0 dark .. 255 light), over the painted pixels. */
const labelInk = (page, q) => page.$eval('#heatmap', (c, q) => {
  const { left, top, cell } = Object.fromEntries(Object.entries(c.dataset).map(([key, v]) => [key, Number(v)]));
  const { data } = c.getContext('2d').getImageData(0, Math.round(top + q * cell), Math.round(left - 2), Math.max(1, Math.round(cell)));
  let sum = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 200) { sum += (data[i] + data[i + 1] + data[i + 2]) / 3; count++; }
  }
  return count === 0 ? NaN : sum / count;
}, q);

test('a heatmap on screen follows a change of prefers-color-scheme (masked cells, labels), keeping the hovered cell', { timeout: 60_000 }, async () => {
  const page = await env.browser.newPage({ viewport: { width: 1100, height: 1400 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${env.server.url}/isolated/examples/browser/index.html?model=llama-tiny`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
    await page.click('#load-bundled');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
    await page.fill('#prompt', 'The cat sat on the mat because');
    await page.click('#show-attention');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('heatmap').dataset.n);
    const n = Number(await page.$eval('#heatmap', (c) => c.dataset.n));
    // Query 0 cannot see the last key (a causal model): that cell has the page's --masked colour.
    const lightMasked = await maskedColour(page);
    assert.deepEqual(await cellPixel(page, 0, n - 1), lightMasked);
    assert.ok(await labelInk(page, 0) < 100, 'dark labels on the light page');
    // Point at a cell, then turn the system's dark mode on.
    const { left, top, cell } = await page.$eval('#heatmap', (c) => ({ left: Number(c.dataset.left), top: Number(c.dataset.top), cell: Number(c.dataset.cell) }));
    const box = await page.locator('#heatmap').boundingBox();
    await page.mouse.move(box.x + left + 0.5 * cell, box.y + top + (n - 1.5) * cell);
    const hovered = await page.$eval('#heatmap', (c) => c.dataset.hover);
    assert.equal(hovered, `${n - 2},0`);

    await page.emulateMedia({ colorScheme: 'dark' });
    const darkMasked = await maskedColour(page);
    assert.notDeepEqual(darkMasked, lightMasked, 'the page has another --masked in dark mode');
    await page.waitForFunction(([k, rgb]) => {
      const c = document.getElementById('heatmap');
      const { left, top, cell } = c.dataset;
      const px = c.getContext('2d').getImageData(Math.round(Number(left) + (k + 0.5) * Number(cell)), Math.round(Number(top) + 0.5 * Number(cell)), 1, 1).data;
      return px[0] === rgb[0] && px[1] === rgb[1] && px[2] === rgb[2];
    }, [n - 1, darkMasked], { timeout: 5_000 });
    assert.ok(await labelInk(page, 0) > 150, 'light labels on the dark page');
    assert.equal(await page.$eval('#heatmap', (c) => c.dataset.hover), hovered, 'the hovered cell stays highlighted');
    await page.screenshot({ path: `${artifacts}demo-attention-dark-switch.png`, fullPage: true });

    // And back.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(() => document.getElementById('heatmap').dataset.n);
    await page.waitForTimeout(100);
    assert.deepEqual(await cellPixel(page, 0, n - 1), lightMasked);
    assert.ok(await labelInk(page, 0) < 100);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
