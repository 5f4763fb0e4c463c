// Model files fetched by URL in Chromium go through the Cache API: a second
// load does not download them again; a download cut short, or a complete file
// that fails to load, leaves nothing in the cache; env.useBrowserCache = false
// stores nothing. A server of its own counts requests and can cut or corrupt
// the weights. A GGUF file, whose header is read by a request of its own that
// stops early, is stored by the request that reads it to its end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name) => readFileSync(`${root}tests/fixtures/gpt2-tiny/${name}`);
const reference = JSON.parse(fixture('reference.json'));

let mode = 'normal'; // 'normal' | 'cut' (half the weights, then the socket closes) | 'corrupt' (a bad header)
const requests = new Map();
let server;
let base;
let browser;
let page;

function serveModelFile(name, res) {
  let body;
  try {
    body = fixture(name);
  } catch {
    res.writeHead(404).end();
    return;
  }
  requests.set(name, (requests.get(name) ?? 0) + 1);
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
  if (name === 'model.safetensors' && mode === 'cut') {
    res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    return;
  }
  if (name === 'model.safetensors' && mode === 'corrupt') {
    body = Buffer.from(body);
    body[9] ^= 0x20; // inside the header's JSON: a complete download that cannot load
  }
  res.end(body);
}

before(async () => {
  server = createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname === '/blank.html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>cache</title>');
    } else if (pathname === '/models/llama-kq.gguf') {
      const body = readFileSync(`${root}tests/fixtures/gguf/kquant/llama-kq-Q4_K_M.gguf`);
      if (req.method === 'GET') requests.set('llama-kq.gguf', (requests.get('llama-kq.gguf') ?? 0) + 1);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
    } else if (pathname.startsWith('/models/gpt2-tiny/')) {
      serveModelFile(pathname.slice('/models/gpt2-tiny/'.length), res);
    } else if (pathname.startsWith('/dist/') && !pathname.includes('..')) {
      try {
        const body = readFileSync(`${root}${pathname.slice(1)}`);
        const type = pathname.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
        res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${base}/blank.html`);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(async () => {
  mode = 'normal';
  requests.clear();
  await page.evaluate(() => caches.delete('qkv-models'));
});

/** Loads gpt2-tiny by base URL in the page; resolves to { tokens } or { error: 'Class: message' }. */
function load(prompt, useCache = true) {
  return page.evaluate(async ({ prompt, useCache }) => {
    const { loadModel, env } = await import('/dist/index.js');
    env.wasm.numThreads = 1;
    env.useBrowserCache = useCache;
    try {
      const model = await loadModel(`${location.origin}/models/gpt2-tiny/`);
      const tokens = [];
      for await (const { token } of model.generate(prompt, { max_new_tokens: 5 })) if (token >= 0) tokens.push(token);
      model.dispose();
      return { tokens };
    } catch (e) {
      return { error: `${e.constructor.name}: ${e.message}` };
    }
  }, { prompt, useCache });
}

/** The byte length of a file in the cache once background writes have had time to finish, or undefined. */
function cachedLength(path) {
  return page.evaluate(async (path) => {
    const url = `${location.origin}${path}`;
    for (let i = 0; i < 50; i++) {
      const cache = await caches.open('qkv-models');
      const hit = await cache.match(url);
      if (hit) return (await hit.arrayBuffer()).byteLength;
      await new Promise((r) => setTimeout(r, 40));
    }
    return undefined;
  }, path);
}

/** Whether the weights are in the cache, once background writes have had time to finish. */
async function weightsCached() {
  return (await cachedLength('/models/gpt2-tiny/model.safetensors')) !== undefined;
}

const prompt = reference.prompts[0];
const expected = prompt.greedy.ids.slice(0, 5);

test('a second load comes from the cache, with the same output', async () => {
  assert.deepEqual(await load(prompt.text), { tokens: expected });
  assert.equal(requests.get('model.safetensors'), 1);
  assert.equal(await weightsCached(), true);
  assert.deepEqual(await load(prompt.text), { tokens: expected });
  assert.equal(requests.get('model.safetensors'), 1, 'the weights were downloaded again');
  assert.equal(requests.get('tokenizer.json'), 1);
});

test('a download cut short stores nothing, and the next load downloads again', async () => {
  mode = 'cut';
  const failed = await load(prompt.text);
  assert.match(failed.error ?? '', /^(NetworkError|FormatError): /);
  assert.equal(await weightsCached(), false);
  mode = 'normal';
  assert.deepEqual(await load(prompt.text), { tokens: expected });
  assert.equal(requests.get('model.safetensors'), 2);
});

test('a complete file that fails to load is evicted, so it is not served again', async () => {
  mode = 'corrupt';
  const failed = await load(prompt.text);
  assert.match(failed.error ?? '', /^FormatError: /);
  await page.waitForTimeout(300); // let a background write finish, if any, before checking the eviction
  assert.equal(await page.evaluate(async () => {
    const cache = await caches.open('qkv-models');
    return (await cache.match(`${location.origin}/models/gpt2-tiny/model.safetensors`)) !== undefined;
  }), false);
  mode = 'normal';
  assert.deepEqual(await load(prompt.text), { tokens: expected });
});

test('env.useBrowserCache = false stores nothing', async () => {
  assert.deepEqual(await load(prompt.text, false), { tokens: expected });
  assert.equal(await weightsCached(), false);
  assert.deepEqual(await load(prompt.text, false), { tokens: expected });
  assert.equal(requests.get('model.safetensors'), 2);
});

test('a GGUF by URL: the header request stores nothing, the weights request the whole file', async () => {
  const run = () => page.evaluate(async () => {
    const { loadModel, env } = await import('/dist/index.js');
    env.wasm.numThreads = 1;
    env.useBrowserCache = true;
    const model = await loadModel(`${location.origin}/models/llama-kq.gguf`);
    const logits = Array.from((await model.forward([1, 2, 3])).logits.slice(0, 8));
    model.dispose();
    return logits;
  });
  const first = await run();
  assert.equal(requests.get('llama-kq.gguf'), 2, 'a header request and a weights request');
  const size = readFileSync(`${root}tests/fixtures/gguf/kquant/llama-kq-Q4_K_M.gguf`).length;
  assert.equal(await cachedLength('/models/llama-kq.gguf'), size);
  assert.deepEqual(await run(), first);
  assert.equal(requests.get('llama-kq.gguf'), 2, 'the second load went to the network');
});
