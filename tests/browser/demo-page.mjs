// The demo page as most of its tests open it: the repository's server and
// Chromium, one page of examples/browser/index.html (cross-origin isolated)
// waiting until the engine is idle, and the console errors it logs; the
// server and Chromium alone for the tests that open pages of their own.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launchChromium } from './chromium.mjs';
import { startServer } from './server.mjs';

/** Where the browser tests write their screenshots (gitignored). */
export const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));

// Starts the server and Chromium into `env` (after creating `artifacts`).
async function startServerAndBrowser(env) {
  mkdirSync(artifacts, { recursive: true });
  env.server = await startServer();
  env.browser = await launchChromium();
}

// Registers the hook that closes what startServerAndBrowser opened.
function closeServerAndBrowser(env) {
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
}

/**
 * Registers the hooks that start the repository's static server and Chromium
 * and close both; returns an object whose `server` and `browser` are set once
 * they ran. `first` (async) runs before they start, in the same hook: node:test
 * runs a file's top-level before hooks concurrently, not one after another.
 */
export function useServerAndBrowser({ first } = {}) {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    await first?.();
    await startServerAndBrowser(env);
  });
  closeServerAndBrowser(env);
  return env;
}

/**
 * Registers the hooks; returns an object whose `server`, `browser`, `page`
 * and `errors` are set once they run. `ignoreError(message)` lets a test
 * file expect some console errors (e.g. 404s it provokes); `onReady(demo)`
 * runs once the page is idle (test files keep `page` in a variable of their own); `initScript` (a
 * function) runs in the page before its own scripts.
 */
export function useDemoPage({ viewport, ignoreError = () => false, onReady = () => {}, initScript } = {}) {
  const demo = { server: undefined, browser: undefined, page: undefined, errors: [] };
  before(async () => {
    await startServerAndBrowser(demo);
    demo.page = await demo.browser.newPage(viewport ? { viewport } : {});
    demo.page.on('console', (m) => { if (m.type() === 'error' && !ignoreError(m)) demo.errors.push(m.text()); });
    demo.page.on('pageerror', (e) => demo.errors.push(e.message));
    if (initScript !== undefined) await demo.page.addInitScript(initScript);
    await demo.page.goto(`${demo.server.url}/isolated/examples/browser/index.html`);
    await demo.page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
    onReady(demo);
  });
  closeServerAndBrowser(demo);
  return demo;
}

/** Waits until the page is neither loading nor generating. */
export const settledPage = (page) =>
  page.waitForFunction(() => ['ready', 'idle'].includes(document.body.dataset.state), null, { timeout: 30_000 });

/**
 * Resolves once the button #`button` has been clicked, as soon as the element
 * `shown` (inside #`container`) first has text.
 */
export const clickOnFirstText = (page, { container, shown, button }) =>
  page.evaluate(({ container, shown, button }) => new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.querySelector(shown)?.textContent) {
        observer.disconnect();
        document.getElementById(button).click();
        resolve();
      }
    });
    observer.observe(document.getElementById(container), { subtree: true, childList: true, characterData: true });
  }), { container, shown, button });

/** Resolves once the page's Stop button has been clicked, as soon as the first generated text shows. */
export const stopOnFirstToken = (page) =>
  clickOnFirstText(page, { container: 'output', shown: '#output .generated', button: 'stop' });

/**
 * Asserts that the element `selector` overflows (by more than 20 px; `overflowing` says so
 * otherwise) and is scrolled to its end.
 */
export async function assertScrolledToEnd(page, selector, overflowing) {
  const at = await page.$eval(selector, (e) => ({ top: e.scrollTop, bottom: e.scrollHeight - e.clientHeight }));
  assert.ok(at.bottom > 20, `${overflowing} (${at.bottom} px)`);
  assert.ok(at.top >= at.bottom - 8, `scrolled to ${at.top} of ${at.bottom}`);
}

/** WCAG relative luminance of a CSS rgb() colour. */
export function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two CSS rgb() colours. */
export const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
