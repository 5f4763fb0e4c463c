// One benchmark page in a fresh headless Chromium (Debian's), served cross-origin isolated by the tests'
// server from the repository (threads need the isolation): opens `pagePath`, runs `run(page, browser)`,
// closes both, and resolves to what run returned. The page's console errors are printed, except the
// 404s of optional model files (generation_config.json, ...) a load asks for.
import { launchChromium } from '../../tests/browser/chromium.mjs';
import { startServer } from '../../tests/browser/server.mjs';

export async function inBenchPage(pagePath, run) {
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && !/status of 404/.test(m.text()) && console.error(`page: ${m.text()}`));
    await page.goto(`${server.url}${pagePath}`);
    return await run(page, browser);
  } finally {
    await browser.close();
    await server.close();
  }
}
