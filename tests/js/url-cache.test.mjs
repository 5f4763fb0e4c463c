// The browser cache of URL downloads (web/src/io/url-cache.ts), in Node with a
// Cache API of the test's own: the cache is written with the bytes the reader
// takes, never ahead of it (a model file does not queue in memory while the
// loader converts), stores a file only once read to its end, nothing when the
// reader stops early; and the body stays a byte stream for BYOB readers.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, afterEach, before, test } from 'node:test';

import { env } from '../../dist/index.js';
import { responseSource } from '../../dist/io/byte-source.js';
import { CachedFiles } from '../../dist/io/url-cache.js';

const FILE = new Uint8Array(24 << 20).map((_, i) => (i * 2654435761) >>> 24);
let server;
let url;

/** A Cache whose put reads its body as fast as it can, recording how many bytes it has taken. */
class EagerCache {
  taken = 0;
  entries = new Map();
  puts = [];
  async match(key) {
    const bytes = this.entries.get(key);
    return bytes === undefined ? undefined : new Response(bytes, { headers: { 'Content-Length': String(bytes.length) } });
  }
  put(key, response) {
    const done = (async () => {
      const parts = [];
      for await (const part of response.body) {
        parts.push(part.slice());
        this.taken += part.length;
      }
      this.entries.set(key, Buffer.concat(parts));
    })();
    this.puts.push(done);
    return done;
  }
}

let cache;
before(async () => {
  server = createServer((req, res) => {
    // A connection per request: a kept-alive socket the server closes as idle can fail the next fetch that reuses it.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': FILE.length, Connection: 'close' }).end(FILE);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}/model.bin`;
});
after(() => new Promise((resolve) => server.close(resolve)));

function installCache() {
  cache = new EagerCache();
  globalThis.caches = { open: async () => cache };
  env.useBrowserCache = true;
}
afterEach(() => {
  delete globalThis.caches;
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

test('the cache takes only the bytes the reader has taken', async () => {
  installCache();
  const files = new CachedFiles();
  const src = await responseSource('model.bin', await files.fetch(url), url);
  const head = new Uint8Array(3 << 20);
  await src.read(0, head);
  await settle(); // time for an eager cache to run ahead, if it could
  assert.ok(cache.taken >= head.length, `${cache.taken} bytes cached`);
  assert.ok(cache.taken <= head.length + (2 << 20), `the cache ran ahead of the reader: ${cache.taken} of ${head.length} bytes`);
  assert.deepEqual(head, FILE.subarray(0, head.length));
  await src.read(FILE.length - 10, new Uint8Array(10));
  await src.complete();
  await src.close();
  await Promise.all(cache.puts);
  assert.deepEqual(new Uint8Array(cache.entries.get(url)), FILE, 'the whole file is stored');
});

test('a reader that stops before the end stores nothing', async () => {
  installCache();
  const files = new CachedFiles();
  const src = await responseSource('model.bin', await files.fetch(url), url);
  await src.read(0, new Uint8Array(1 << 20));
  await src.close();
  await Promise.allSettled(cache.puts);
  assert.equal(cache.entries.size, 0);
  assert.equal(cache.puts.length, 1);
  await assert.rejects(cache.puts[0]);
});

test('a cached file is served from the cache, and its body read whole', async () => {
  installCache();
  const first = await (await new CachedFiles().fetch(url)).arrayBuffer();
  await Promise.all(cache.puts);
  assert.deepEqual(new Uint8Array(first), FILE);
  const hit = await new CachedFiles().fetch(url);
  assert.equal(cache.puts.length, 1, 'fetched again');
  assert.deepEqual(new Uint8Array(await hit.arrayBuffer()), FILE);
});

test('the body passed through is a byte stream (a BYOB reader fills its own buffer)', async () => {
  installCache();
  const response = await new CachedFiles().fetch(url);
  const reader = response.body.getReader({ mode: 'byob' });
  let total = 0;
  let buffer = new ArrayBuffer(1 << 20);
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(buffer));
    if (done) break;
    assert.deepEqual(value, FILE.subarray(total, total + value.length));
    total += value.length;
    buffer = value.buffer;
  }
  assert.equal(total, FILE.length);
  await Promise.all(cache.puts);
  assert.equal(cache.entries.get(url).length, FILE.length);
});

/** A Cache whose put takes its body and never reads it (a stalled storage backend). */
class StalledCache extends EagerCache {
  put(key, response) {
    const done = new Promise((resolve, reject) => {
      // The body is held, unread; the put settles only if the copy errors.
      response.body.getReader().closed.then(resolve, reject);
    });
    this.puts.push(done);
    return done;
  }
}

// Without the stall limit the reader would wait for the cache forever: the timeout fails the test instead.
test('a cache that takes no bytes is given up on: the download completes, nothing is stored', { timeout: 20_000 }, async () => {
  cache = new StalledCache();
  globalThis.caches = { open: async () => cache };
  env.useBrowserCache = true;
  const stallMs = 300;
  const response = await new CachedFiles(stallMs).fetch(url);
  const started = Date.now();
  const body = new Uint8Array(await response.arrayBuffer());
  assert.deepEqual(body, FILE, 'the whole file reached the reader');
  // The copy fills its 8 MiB backlog, the reader waits stallMs once, then reads on without copying.
  assert.ok(Date.now() - started >= stallMs, 'the reader waited for the cache first');
  await assert.rejects(cache.puts[0], /took no bytes for 300 ms/);
  assert.equal(cache.entries.size, 0);
});
