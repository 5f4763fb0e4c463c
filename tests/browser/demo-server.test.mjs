// The demo's own server (examples/browser/serve.mjs, what `npm start` runs):
// it prints the page's URL, serves the page, dist/ and the models with
// COOP/COEP (so the page gets the threads build) and nothing else.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const script = fileURLToPath(new URL('../../examples/browser/serve.mjs', import.meta.url));
const servers = [];

/** Runs the server script as npm start does; resolves to { url, child } once it printed its URL. */
async function serve(...args) {
  const child = spawn(process.execPath, [script, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  let out = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    out += chunk;
    const match = /^qkv demo \((.+)\): (http:\/\/127\.0\.0\.1:\d+\/examples\/browser\/)$/m.exec(out);
    if (match) return { mode: match[1], url: match[2], origin: new URL(match[2]).origin, child };
  }
  throw new Error(`the server printed no URL:\n${out}`);
}

let isolated;
let plain;

before(async () => {
  [isolated, plain] = await Promise.all([serve(), serve('--no-isolation')]);
});

after(async () => {
  for (const child of servers) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
});

test('prints the URL of the page and serves it cross-origin isolated', async () => {
  assert.equal(isolated.mode, 'cross-origin isolated: threads build');
  const res = await fetch(isolated.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.match(await res.text(), /<title>qkv demo/);
});

test('serves dist/ and model files with their types, / redirects to the page', async () => {
  const types = {
    '/dist/index.js': 'text/javascript; charset=utf-8',
    '/dist/wasm/qkv-simd.wasm': 'application/wasm',
    '/dist/wasm/qkv-relaxed.wasm': 'application/wasm',
    '/tests/fixtures/gpt2-tiny/config.json': 'application/json',
    '/examples/browser/main.js': 'text/javascript; charset=utf-8',
  };
  for (const [path, type] of Object.entries(types)) {
    const res = await fetch(isolated.origin + path, { method: 'HEAD' });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type, path);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp', path);
  }
  const res = await fetch(`${isolated.origin}/`, { redirect: 'manual' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/examples/browser/');
});

test('serves nothing outside the page, dist/ and the models', async () => {
  for (const path of ['/package.json', '/src/core/status.h', '/examples/%2e%2e/package.json',
    '/dist/..%2f..%2fpackage.json', '/dist/..%2fpackage.json', '/examples/..%2fsrc%2fcore%2fstatus.h', '/tests/js/fixtures.mjs', '/examples/browser/missing.js']) {
    const res = await fetch(isolated.origin + path);
    assert.equal(res.status, 404, path);
  }
});

test('--no-isolation leaves the COOP/COEP headers out', async () => {
  assert.equal(plain.mode, 'not isolated: one-thread build');
  const res = await fetch(plain.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cross-origin-opener-policy'), null);
  assert.equal(res.headers.get('cross-origin-embedder-policy'), null);
});

test('in Chromium, the page it serves runs the relaxed-SIMD threads build; ?relaxedSimd=false the SIMD128 one', async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(isolated.url);
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.match(await page.textContent('#backend'), /qkv-relaxed-threads build, \d+ threads?, relaxed SIMD, /);
    await page.goto(`${isolated.url}?relaxedSimd=false`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 20_000 });
    assert.match(await page.textContent('#backend'),
      /qkv-simd-threads build, \d+ threads?, SIMD128 \(no relaxed SIMD: env\.wasm\.relaxedSimd is false\), /);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('SIGTERM stops it', async () => {
  const { child } = await serve();
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
