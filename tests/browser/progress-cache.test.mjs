// A sharded model by URL in Chromium with onProgress: the first load asks the
// later shards' sizes with HEAD and the totals are right from the first event;
// a second load takes every file, and every size, from the Cache API: no
// network request at all (HEAD included), and the same totals.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
const root = process.env.QKV_ROOT ?? fileURLToPath(new URL('../..', import.meta.url));
const requests = [];
let server;
let base;
let browser;
let page;

before(async () => {
  server = createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname === '/blank.html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>cache</title>');
      return;
    }
    const file = pathname.startsWith('/models/') ? `tests/fixtures/${pathname.slice('/models/'.length)}`
      : pathname.startsWith('/dist/') ? pathname.slice(1) : undefined;
    let body;
    try {
      if (file === undefined || file.includes('..')) throw new Error();
      body = readFileSync(`${root}/${file}`);
    } catch {
      res.writeHead(404).end();
      return;
    }
    if (pathname.startsWith('/models/')) requests.push(`${req.method} ${pathname.split('/').pop()}`);
    const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('.js') || file.endsWith('.mjs') ? 'text/javascript' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${base}/blank.html`);
  await page.evaluate(() => caches.delete('qkv-models'));
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

function load() {
  return page.evaluate(async () => {
    const { loadModel, env } = await import('/dist/index.js');
    env.wasm.numThreads = 1;
    const events = [];
    const model = await loadModel(`${location.origin}/models/gpt2-tiny-sharded/`, { onProgress: (e) => events.push(e) });
    model.dispose();
    // Let the background cache writes finish.
    for (let i = 0; i < 50; i++) {
      const cache = await caches.open('qkv-models');
      const keys = await cache.keys();
      if (keys.length >= 5) break;
      await new Promise((r) => setTimeout(r, 40));
    }
    return events;
  });
}

test('sharded load in Chromium: totals up front; a cached second load makes no request, HEAD included', async () => {
  const sizes = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']
    .map((f) => readFileSync(`${root}/tests/fixtures/gpt2-tiny-sharded/${f}`).length);
  const sum = sizes[0] + sizes[1];
  const check = (events) => {
    for (const e of events) assert.deepEqual([e.totalBytes, e.totalKnown, e.fileCount], [sum, true, 2], JSON.stringify(e));
    const last = events.at(-1);
    assert.deepEqual([last.status, last.fileIndex, last.totalLoaded], ['done', 1, sum]);
  };
  check(await load());
  assert.ok(requests.includes('HEAD model-00002-of-00002.safetensors'), requests.join(', '));
  assert.ok(!requests.includes('HEAD model-00001-of-00002.safetensors'), requests.join(', '));
  requests.length = 0;
  check(await load());
  assert.deepEqual(requests, [], 'the second load went to the network');
});
