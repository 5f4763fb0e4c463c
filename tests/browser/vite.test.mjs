// qkv bundled by Vite: tests/vite is a tiny app that does
// `import { loadModel } from 'qkv'`; `vite build` bundles it, the output is
// served (isolated and not) and Chromium loads gpt2-tiny and generates.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { build } from 'vite';

import { startServer } from './server.mjs';

const executablePath = process.env.QKV_CHROMIUM ?? '/usr/bin/chromium';
const config = fileURLToPath(new URL('../vite/vite.config.mjs', import.meta.url));
const outDir = fileURLToPath(new URL('./artifacts/vite-app/', import.meta.url));
const appPath = 'tests/browser/artifacts/vite-app/index.html';
let server;
let browser;

before(async () => {
  await build({ configFile: config, logLevel: 'error', build: { outDir } });
  server = await startServer();
  browser = await chromium.launch({ executablePath, headless: true, args: ['--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function runApp(isolation, query) {
  const page = await browser.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  try {
    await page.goto(`${server.url}/${isolation}/${appPath}${query}`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
    return { result: await page.evaluate(() => window.__result), errors, requests };
  } finally {
    await page.close();
  }
}

test('vite build bundles qkv: one script, the runtime copied next to it', () => {
  assert.ok(existsSync(`${outDir}index.html`));
  for (const name of ['qkv-simd.mjs', 'qkv-simd.wasm', 'qkv-simd-threads.mjs', 'qkv-simd-threads.wasm', 'qkv-simd-threads.worker.js']) {
    assert.ok(existsSync(`${outDir}qkv-wasm/${name}`), name);
  }
});

for (const [isolation, flavour] of [['isolated', 'qkv-simd-threads'], ['plain', 'qkv-simd']]) {
  test(`the bundled app generates with gpt2-tiny, ${isolation} (${flavour}), env.wasm.wasmPaths set`, async () => {
    const { result, errors, requests } = await runApp(isolation, '?wasmPaths=./qkv-wasm/');
    assert.equal(result.failed, undefined, result.failed);
    assert.equal(result.flavour, flavour);
    assert.equal(result.tokens.length, 8);
    assert.ok(result.text.length > 0);
    assert.deepEqual(errors, []);
    // qkv's JS came from the bundle, not from the repository's dist/.
    assert.deepEqual(requests.filter((p) => p.includes('/dist/')), []);
  });
}
