// The browser of the tests: Debian's Chromium (or QKV_CHROMIUM) driven by
// playwright-core, headless, and the hooks most test files share.
import { after, before } from 'node:test';

import { chromium } from 'playwright-core';

import { startServer } from './server.mjs';

const executablePath = process.env.QKV_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium() {
  return chromium.launch({ executablePath, headless: true, args: ['--disable-gpu'] });
}

/**
 * Starts the repository's static server (server.mjs) and Chromium before the
 * file's tests and closes both after; returns an object whose `server` and
 * `browser` are set once they run.
 */
export function useServerAndBrowser() {
  const live = { server: undefined, browser: undefined };
  before(async () => {
    live.server = await startServer();
    live.browser = await launchChromium();
  });
  after(async () => {
    await live.browser?.close();
    await live.server?.close();
  });
  return live;
}
