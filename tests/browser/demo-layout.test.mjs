// The demo page's layout at a small phone's (360 px), a phone's, a small window's and a desktop's width:
// the page never scrolls sideways and every element of a panel stays inside the
// panel's box (the contents of a box that scrolls, like the heatmap's, may
// scroll inside it; the box itself has to fit). Screenshots go to tests/browser/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { useServerAndBrowser } from './chromium.mjs';

const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));
const live = useServerAndBrowser();

/** Elements of the page's panels that stick out of their panel (or of the scroll box holding them). */
const overflowing = (page) => page.evaluate(() => {
  const out = [];
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''}`;
  for (const panel of document.querySelectorAll('main > section, header')) {
    const walk = (el, box) => {
      for (const child of el.children) {
        const style = getComputedStyle(child);
        if (style.display === 'none' || child.closest('[hidden]')) continue;
        const r = child.getBoundingClientRect();
        if (r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5)) {
          out.push(`${name(child)} [${Math.round(r.left)}, ${Math.round(r.right)}] outside ${name(panel)} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
        }
        if (!/auto|scroll|hidden/.test(style.overflowX)) walk(child, box);
      }
    };
    walk(panel, panel.getBoundingClientRect());
  }
  return out;
});

/**
 * Short labels (a field's name, a checkbox's words) broken over two lines, or a checkbox left on the line
 * before its words: each short label's text and controls must share one line.
 */
const brokenLabels = (page) => page.evaluate(() => {
  const out = [];
  for (const label of document.querySelectorAll('main label')) {
    if (label.closest('[hidden]') || label.getClientRects().length === 0 || label.textContent.trim().length > 32) continue;
    const range = document.createRange();
    range.selectNodeContents(label);
    // The boxes of its text and controls, in lines: a box starts a new line when it lies below the last one.
    const boxes = [...range.getClientRects()].filter((r) => r.width > 0).sort((a, b) => a.top - b.top);
    let lines = 0;
    let bottom = -Infinity;
    for (const r of boxes) {
      if (r.top >= bottom - 2) lines++;
      bottom = Math.max(bottom, r.bottom);
    }
    if (lines > 1) out.push(`"${label.textContent.trim()}" spans ${lines} lines`);
  }
  return out;
});

/** The page's layout checks: no sideways scroll, panels holding their contents, short labels on one line. */
const checker = (page) => async (when) => {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth }));
  assert.ok(scrollWidth <= innerWidth, `${when}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`);
  assert.deepEqual(await overflowing(page), [], when);
  assert.deepEqual(await brokenLabels(page), [], `${when}: labels broken over lines`);
};

for (const width of [360, 390, 800, 1280]) {
  test(`demo page at ${width} px: no sideways scroll, panels hold their contents`, { timeout: 60_000 }, async () => {
    const page = await live.browser.newPage({ viewport: { width, height: 900 } });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${live.server.url}/isolated/examples/browser/index.html?model=llama-tiny`);
      await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
      const check = checker(page);
      await page.evaluate(() => { document.querySelector('.hub-settings').open = true; });
      await check('before loading, Hub settings open');
      // Loaded, with generated text and a heatmap: the longest status lines and the widest content.
      await page.click('#load-bundled');
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
      await page.fill('input[name=max_new_tokens]', '8');
      await page.fill('input[name=seed]', '1');
      await page.click('#generate');
      await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('heatmap').dataset.n, null, { timeout: 30_000 });
      await page.evaluate(() => { document.querySelector('.hub-settings').open = true; });
      await check('after loading and generating');
      await page.screenshot({ path: `${artifacts}demo-layout-${width}.png`, fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}

// Chat mode (llama-tiny-chat has a chat template): the tabs, a system message, a transcript with turns (a long
// unbroken word among them), the numbers line and an error beside the input.
for (const width of [360, 800, 1280]) {
  test(`chat mode at ${width} px: no sideways scroll, the chat panel holds its contents`, { timeout: 90_000 }, async () => {
    const page = await live.browser.newPage({ viewport: { width, height: 900 } });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${live.server.url}/isolated/examples/browser/index.html?model=llama-tiny-chat`);
      await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
      const check = checker(page);
      await page.click('#load-bundled');
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
      assert.equal(await page.$eval('#chat-box', (b) => !b.hidden), true, 'chat mode');
      await page.fill('#system', 'You are terse.');
      await page.fill('input[name=max_new_tokens]', '8');
      await page.fill('input[name=seed]', '1');
      for (const text of ['Hello there, how are you today?', `A long word: ${'x'.repeat(120)}`]) {
        await page.fill('#chat-input', text);
        await page.click('#send');
        await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('chat-status').dataset.finishReason, null, { timeout: 30_000 });
      }
      await check('after two turns');
      // The transcript scrolls up and down only: its bubbles wrap (the long word too) instead of widening it.
      const transcript = await page.$eval('#transcript', (t) => ({ scrollWidth: t.scrollWidth, clientWidth: t.clientWidth }));
      assert.ok(transcript.scrollWidth <= transcript.clientWidth, `the transcript scrolls sideways: ${JSON.stringify(transcript)}`);
      await page.fill('#chat-input', 'too long '.repeat(80));
      await page.click('#send');
      await page.waitForFunction(() => !document.getElementById('chat-error').hidden, null, { timeout: 30_000 });
      await check('with an error beside the input');
      await page.screenshot({ path: `${artifacts}demo-chat-layout-${width}.png`, fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}
