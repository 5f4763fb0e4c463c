// The fake Hub (tests/js/fake-hub.mjs) seen from a Chromium page on another
// origin, as qkv's browser client will use it: a fetch with Authorization and
// Range follows the Hub's 302 to the CDN (and its 307 to resolve-cache), the
// preflights pass, and the headers the client reads are exposed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { startFakeHub } from '../js/fake-hub.mjs';
import { launchChromium } from './chromium.mjs';

const TOKEN = 'hf_browser_token';
const WEIGHTS = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
const CONFIG = Buffer.from('{"model_type":"gpt2"}');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

let hub;
let page;
let browser;
let site;

before(async () => {
  hub = await startFakeHub();
  hub.addRepo('org/gated', { 'model.safetensors': WEIGHTS, 'config.json': CONFIG }, { gated: 'manual' });
  hub.tokens.add(TOKEN);
  site = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>page</title>'));
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${site.address().port}/`);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await hub?.close();
});

/** fetch() in the page; resolves to the status, the headers the page can read, and the body's bytes. */
function pageFetch(url, headers) {
  return page.evaluate(async ({ url, headers }) => {
    try {
      const res = await fetch(url, { headers });
      const names = ['etag', 'x-repo-commit', 'x-linked-etag', 'x-linked-size', 'x-error-code', 'x-error-message', 'content-range', 'content-length'];
      const read = Object.fromEntries(names.map((n) => [n, res.headers.get(n)]));
      return { status: res.status, url: res.url, headers: read, bytes: Array.from(new Uint8Array(await res.arrayBuffer())) };
    } catch (e) {
      return { error: String(e) };
    }
  }, { url, headers });
}

test('a cross-origin page downloads a gated LFS file with a token through the 302 to the CDN', async () => {
  hub.resetRequests();
  const got = await pageFetch(`${hub.url}/org/gated/resolve/main/model.safetensors`, { Authorization: `Bearer ${TOKEN}`, Range: 'bytes=100-' });
  assert.equal(got.error, undefined);
  assert.equal(got.status, 206);
  assert.equal(new URL(got.url).origin, hub.cdnUrl);
  assert.deepEqual(Buffer.from(got.bytes), WEIGHTS.subarray(100));
  assert.equal(got.headers.etag, `"${sha256(WEIGHTS)}"`);
  assert.equal(got.headers['content-range'], `bytes 100-4999/${WEIGHTS.length}`);
  const hubGet = hub.requests.find((r) => r.origin === 'hub' && r.method === 'GET');
  assert.equal(hubGet.headers.authorization, `Bearer ${TOKEN}`);
  assert.ok(hub.requests.some((r) => r.origin === 'hub' && r.method === 'OPTIONS')); // Authorization needs a preflight
  for (const r of hub.requests.filter((x) => x.origin === 'cdn')) assert.equal(r.headers.authorization, undefined, r.method);
});

test('a git file through the 307 to resolve-cache, with X-Repo-Commit readable', async () => {
  const got = await pageFetch(`${hub.url}/org/gated/resolve/main/config.json`, { Authorization: `Bearer ${TOKEN}` });
  assert.equal(got.status, 200);
  assert.deepEqual(Buffer.from(got.bytes), CONFIG);
  assert.match(got.headers['x-repo-commit'], /^[0-9a-f]{40}$/);
  assert.equal(got.headers.etag, `"${createHash('sha1').update(`blob ${CONFIG.length}\0`).update(CONFIG).digest('hex')}"`);
});

test('the error headers are readable by the page', async () => {
  const anonymous = await pageFetch(`${hub.url}/org/gated/resolve/main/model.safetensors`, {});
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers['x-error-code'], 'GatedRepo');
  assert.match(anonymous.headers['x-error-message'], /restricted/);
  const missing = await pageFetch(`${hub.url}/org/gated/resolve/main/nope.json`, { Authorization: `Bearer ${TOKEN}` });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['x-error-code'], 'EntryNotFound');
  assert.match(missing.headers['x-repo-commit'], /^[0-9a-f]{40}$/);
});
