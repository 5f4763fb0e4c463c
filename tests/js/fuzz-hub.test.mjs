// Fuzzing the Hub client's parsers from fixed seeds: a server that answers
// the revision API, the tree API (with Link pagination) and the resolve
// route with mutated versions of valid answers — values of other types,
// out-of-range sizes, malformed hashes, missing fields, damaged JSON, Link
// headers pointing anywhere, files longer or shorter than listed. Every load
// must end, within a few seconds, in a QkvError (or succeed when the
// mutation left the answer valid), and a good load must work afterwards.
//
// QKV_FUZZ_CASES (default 100) and QKV_FUZZ_SEED (default 1) scale and vary the run.
import assert from 'node:assert/strict';
import { createTestServer } from './http-server.mjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createHash } from 'node:crypto';
import { env, loadModel, QkvError } from '../../dist/index.js';
import { folder } from './fixtures.mjs';
import { freshCache } from './hub-support.mjs';

const CASES = Number(process.env.QKV_FUZZ_CASES ?? 100);
const SEED = Number(process.env.QKV_FUZZ_SEED ?? 1);
const COMMIT = 'c'.repeat(40);
const files = Object.fromEntries(['config.json', 'tokenizer.json', 'model.safetensors']
  .map((name) => [name, readFileSync(join(folder('gpt2-tiny'), name))]));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const gitOid = (bytes) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

/** A small deterministic generator (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const validListing = () => Object.entries(files).map(([path, bytes]) => ({
  type: 'file', path, size: bytes.length, oid: gitOid(bytes),
  ...(path.endsWith('.safetensors') ? { lfs: { oid: sha256(bytes), size: bytes.length, pointerSize: 134 } } : {}),
}));

const ODD_VALUES = [null, true, -1, 0, 1.5, 2 ** 53, -(2 ** 60), '', 'x', 'a'.repeat(64), '0'.repeat(64), [], {}, [1, 2], { oid: 5 }];

/** One mutated answer set: the revision body, the tree pages, and how files are served. */
function mutate(rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const revision = { sha: COMMIT, siblings: [] };
  let listing = validListing();
  const plan = { revision: JSON.stringify(revision), pages: [listing], link: undefined, body: (path, bytes) => bytes };
  const kind = Math.floor(rand() * 7);
  if (kind === 0) plan.revision = JSON.stringify({ ...revision, sha: pick(ODD_VALUES) });
  if (kind === 1) plan.revision = plan.revision.slice(0, Math.floor(rand() * plan.revision.length));
  if (kind === 2) {
    const entry = pick(listing);
    const key = pick(['type', 'path', 'size', 'oid', 'lfs']);
    entry[key] = pick(ODD_VALUES);
  }
  if (kind === 3) {
    const entry = listing.find((e) => e.lfs);
    entry.lfs = { ...entry.lfs, oid: pick(['', 'f'.repeat(64), 'F'.repeat(64), 'g'.repeat(64), sha256(Buffer.from('other'))]) };
  }
  if (kind === 4) {
    const entry = pick(listing);
    entry.size += pick([-1, 1, 1000, -entry.size]);
  }
  if (kind === 5) {
    plan.pages = [listing.slice(0, 1), listing.slice(1)];
    plan.link = pick(['<PAGE2>; rel="next"', '<http://127.0.0.1:1/x>; rel="next"', '<PAGE2>; rel=next', 'garbage', '<PAGE1>; rel="next"']);
  }
  if (kind === 6) {
    const text = JSON.stringify(listing);
    const at = Math.floor(rand() * text.length);
    listing = text.slice(0, at) + pick(['}', ']', ',', '"', '\u0000', 'null']) + text.slice(at + 1);
    plan.pages = [listing];
  }
  if (rand() < 0.2) {
    const cut = Math.floor(rand() * 3);
    plan.body = (path, bytes) => (path.endsWith('.safetensors') ? [bytes.subarray(0, bytes.length >> 1), Buffer.concat([bytes, bytes.subarray(0, 7)]), Buffer.from(bytes).fill(1, 100, 101)][cut] : bytes);
  }
  return plan;
}

let server;
let plan;

before(async () => {
  server = createTestServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, body, headers = {}) => res.writeHead(status, { 'Content-Length': Buffer.byteLength(body), ...headers }).end(body);
    if (url.pathname.includes('/revision/')) return send(200, plan.revision, { 'Content-Type': 'application/json' });
    if (url.pathname.includes('/tree/')) {
      const page = url.searchParams.get('page') === '2' ? 1 : 0;
      const body = plan.pages[page] ?? [];
      const link = page === 0 && plan.link ? plan.link.replace('PAGE2', `${url.pathname}?recursive=true&page=2`).replace('PAGE1', url.pathname + url.search) : undefined;
      return send(200, typeof body === 'string' ? body : JSON.stringify(body), link ? { Link: link } : {});
    }
    const match = /\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
    const bytes = match && files[decodeURIComponent(match[1])];
    if (!bytes) return send(404, 'not found', { 'X-Error-Code': 'EntryNotFound' });
    const body = plan.body(match[1], bytes);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      if (start >= body.length) return send(416, '');
      return res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` })
        .end(body.subarray(start));
    }
    return res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  env.remoteHost = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

async function withWatchdog(promise, ms, what) {
  let timer;
  const watchdog = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`hang: ${what}`)), ms); });
  try {
    return await Promise.race([promise, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

test(`mutated Hub answers end in a QkvError or a load, never a hang or another error (${CASES} cases, seed ${SEED})`, async () => {
  const rand = random(SEED);
  const outcomes = { loaded: 0, rejected: 0 };
  for (let i = 0; i < CASES; i++) {
    plan = mutate(rand);
    env.cacheDir = freshCache();
    try {
      const model = await withWatchdog(loadModel('fuzz/model'), 30_000, `case ${i}`);
      model.dispose();
      outcomes.loaded++;
    } catch (e) {
      assert.ok(e instanceof QkvError, `case ${i} (seed ${SEED}): ${e?.name}: ${e?.message}`);
      outcomes.rejected++;
      outcomes[e.name] = (outcomes[e.name] ?? 0) + 1;
    }
  }
  assert.ok(outcomes.rejected > CASES / 4, JSON.stringify(outcomes));
  console.log(`# outcomes: ${JSON.stringify(outcomes)}`);
  plan = { revision: JSON.stringify({ sha: COMMIT }), pages: [validListing()], body: (p, b) => b };
  env.cacheDir = freshCache();
  (await loadModel('fuzz/model')).dispose();
});
