// The demo page's output box and keys: Ctrl+Enter / Cmd+Enter in the prompt
// generates, the box follows the streamed text unless the user scrolled up, Copy
// puts the shown text on the clipboard, and prefers-color-scheme: dark gives a
// dark page with readable text (also on the heatmap's labels).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { artifacts, assertScrolledToEnd, contrast, luminance, useServerAndBrowser } from './demo-page.mjs';

const env = useServerAndBrowser();

/** A page of the demo in its own context (options: colorScheme, permissions), gpt2-tiny loaded. */
async function openLoaded(contextOptions = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1000, height: 1200 }, ...contextOptions });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${env.server.url}/isolated/examples/browser/index.html?model=gpt2-tiny`);
  await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
  await page.click('#load-bundled');
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
  return { context, page, errors };
}

const settled = (page) => page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });

test('Ctrl+Enter and Cmd+Enter in the prompt generate', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openLoaded();
  try {
    await page.fill('input[name=max_new_tokens]', '3');
    await page.fill('input[name=seed]', '1');
    for (const [key, n] of [['Control+Enter', 1], ['Meta+Enter', 2]]) {
      await page.fill('#prompt', `Hello number ${n}`);
      await page.focus('#prompt');
      await page.keyboard.press(key);
      await page.waitForFunction(() => /^Done: /.test(document.getElementById('generate-status').textContent), null, { timeout: 30_000 });
      await settled(page);
      assert.equal(await page.textContent('#output .prompt'), `Hello number ${n}`, key);
      // The key did not add a line to the prompt.
      assert.equal(await page.inputValue('#prompt'), `Hello number ${n}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the output follows the stream, and stays where the user scrolled to', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openLoaded();
  try {
    // A box two lines high, so a few tokens overflow it.
    await page.addStyleTag({ content: '#output { min-height: 0 !important; max-height: 2.6em !important; }' });
    await page.fill('#prompt', 'The cat sat on the mat');
    await page.fill('input[name=max_new_tokens]', '50');
    await page.fill('input[name=seed]', '3');
    await page.click('#generate');
    await settled(page);
    await assertScrolledToEnd(page, '#output', 'the text overflows the box');

    // Scrolled to the top once the text overflows, mid-stream: it stays there.
    const scrolledUp = page.evaluate(() => new Promise((resolve) => {
      const box = document.getElementById('output');
      const observer = new MutationObserver(() => {
        if (document.body.dataset.state === 'generating' && box.scrollHeight > box.clientHeight + 20) {
          observer.disconnect();
          box.scrollTop = 0;
          resolve(document.querySelector('#output .generated').textContent.length);
        }
      });
      observer.observe(box, { subtree: true, childList: true, characterData: true });
    }));
    await page.fill('#prompt', 'The dog');
    await page.click('#generate');
    const lengthThen = await scrolledUp;
    await settled(page);
    assert.ok((await page.textContent('#output .generated')).length > lengthThen, 'text kept coming after the scroll');
    assert.equal(await page.$eval('#output', (o) => o.scrollTop), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Copy puts the prompt and the generated text on the clipboard', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openLoaded({ permissions: ['clipboard-read', 'clipboard-write'] });
  try {
    assert.equal(await page.isDisabled('#copy-output'), true, 'nothing to copy yet');
    await page.fill('#prompt', 'Copy me');
    await page.fill('input[name=max_new_tokens]', '4');
    await page.fill('input[name=seed]', '2');
    await page.click('#generate');
    await settled(page);
    const generated = await page.textContent('#output .generated');
    assert.ok(generated.length > 0);
    await page.click('#copy-output');
    await page.waitForFunction(() => document.getElementById('copy-output').textContent === 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `Copy me${generated}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('prefers-color-scheme: dark gives a dark page with readable text', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openLoaded({ colorScheme: 'dark' });
  try {
    await page.fill('#prompt', 'The cat sat on the mat');
    await page.fill('input[name=max_new_tokens]', '4');
    await page.click('#generate');
    await settled(page);
    const colours = await page.evaluate(() => {
      const css = (sel, prop = 'color') => getComputedStyle(document.querySelector(sel))[prop];
      return {
        page: css('html', 'backgroundColor'),
        body: css('body'),
        panel: css('#model-panel', 'backgroundColor'),
        h2: css('#model-heading'),
        status: css('#load-status'),
        current: css('#current-model'),
        output: css('#output .generated'),
        generatedBg: css('#output .generated', 'backgroundColor'),
        button: css('#generate'),
        buttonBg: css('#generate', 'backgroundColor'),
        heatmapInk: css('#heatmap'),
      };
    });
    assert.ok(luminance(colours.page) < 0.05, `page background ${colours.page} is not dark`);
    assert.ok(luminance(colours.panel) < 0.05, `panel background ${colours.panel} is not dark`);
    for (const name of ['body', 'h2', 'status', 'current', 'heatmapInk']) {
      assert.ok(contrast(colours[name], colours.panel) >= 4.5, `${name} ${colours[name]} on ${colours.panel}: ${contrast(colours[name], colours.panel).toFixed(1)}`);
    }
    assert.ok(contrast(colours.output, colours.generatedBg) >= 4.5, `generated text ${colours.output} on ${colours.generatedBg}`);
    assert.ok(contrast(colours.button, colours.buttonBg) >= 4.5, `button ${colours.button} on ${colours.buttonBg}`);
    await page.screenshot({ path: `${artifacts}demo-dark.png`, fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
