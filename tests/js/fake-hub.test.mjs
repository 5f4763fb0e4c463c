// The fake Hub (fake-hub.mjs) checked against clients it was not written
// with: @huggingface/hub (downloads, cache layout, listing, paths-info,
// model info) and raw fetch() for the wire details, with every hash the
// server advertises recomputed here with node:crypto (and git for trees and
// commits).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { downloadFileToCacheDir, listFiles, modelInfo, pathsInfo, scanCacheDir, snapshotDownload } from '@huggingface/hub';
import { startFakeHub } from './fake-hub.mjs';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const gitBlob = (bytes) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
// git-lfs spec v1: the pointer file git stores instead of an LFS file.
const pointer = (bytes) => Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`);

function pseudoRandom(n, seed) {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const WEIGHTS = pseudoRandom(3000, 1);
const WEIGHTS_V2 = pseudoRandom(3100, 2);
const CONFIG = Buffer.from('{"model_type":"gpt2","n_layer":2}\n');
const VOCAB = Buffer.from('{"a":0,"b":1}');
const FILES = { 'config.json': CONFIG, 'model.safetensors': WEIGHTS, 'tokenizer/vocab.json': VOCAB, 'tokenizer/README.md': 'hi' };
const TOKEN = 'hf_valid_token';

const quietDebug = console.debug;
before(() => {
  console.debug = () => {}; // downloadFileToCacheDir logs every download
});
after(() => {
  console.debug = quietDebug;
});

describe('@huggingface/hub against the fake Hub', () => {
  let hub;
  let sha;
  let cacheDir;
  before(async () => {
    hub = await startFakeHub({ treePageSize: 2 });
    sha = hub.addRepo('org/tiny', FILES);
    cacheDir = mkdtempSync(join(tmpdir(), 'fake-hub-cache-'));
  });
  after(async () => {
    await hub.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('downloadFileToCacheDir: an LFS and a git file land in blobs/ + snapshots/<commit>/', async () => {
    const weights = await downloadFileToCacheDir({ repo: 'org/tiny', path: 'model.safetensors', hubUrl: hub.url, cacheDir });
    const config = await downloadFileToCacheDir({ repo: 'org/tiny', path: 'config.json', hubUrl: hub.url, cacheDir });
    const folder = join(cacheDir, 'models--org--tiny');
    assert.equal(weights, join(folder, 'snapshots', sha, 'model.safetensors'));
    assert.equal(config, join(folder, 'snapshots', sha, 'config.json'));
    assert.deepEqual(readFileSync(weights), WEIGHTS);
    assert.deepEqual(readFileSync(config), CONFIG);
    // huggingface_hub's layout: blobs named by sha256 (LFS) or git blob id, relative symlinks to them.
    assert.equal(readlinkSync(weights), join('..', '..', 'blobs', sha256(WEIGHTS)));
    assert.equal(readlinkSync(config), join('..', '..', 'blobs', gitBlob(CONFIG)));
    assert.ok(lstatSync(join(folder, 'blobs', sha256(WEIGHTS))).isFile());
    // The LFS bytes came from the CDN origin, the git file from the Hub's resolve-cache.
    const cdnGets = hub.requests.filter((r) => r.origin === 'cdn' && r.method === 'GET');
    assert.ok(cdnGets.length >= 1 && cdnGets.every((r) => r.path.includes(sha256(WEIGHTS))));
    assert.ok(hub.requests.some((r) => r.path.startsWith(`/api/resolve-cache/models/org/tiny/${sha}/config.json`) && r.status === 200));
  });

  test('snapshotDownload then scanCacheDir: the repo, its commit, refs/main and the sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-hub-snap-'));
    try {
      const folder = await snapshotDownload({ repo: 'org/tiny', hubUrl: hub.url, cacheDir: dir });
      assert.equal(folder, join(dir, 'models--org--tiny', 'snapshots', sha));
      assert.equal(readFileSync(join(dir, 'models--org--tiny', 'refs', 'main'), 'utf8'), sha);
      assert.deepEqual(readFileSync(join(folder, 'tokenizer', 'vocab.json')), VOCAB);
      const info = await scanCacheDir(dir);
      assert.deepEqual(info.warnings, []);
      assert.equal(info.repos.length, 1);
      const [repo] = info.repos;
      assert.deepEqual(repo.id, { name: 'org/tiny', type: 'model' });
      assert.equal(repo.revisions.length, 1);
      assert.equal(repo.revisions[0].commitOid, sha);
      assert.deepEqual(repo.revisions[0].refs, ['main']);
      // scanCacheDir only looks at the top level of a snapshot (it skips tokenizer/).
      const sizes = Object.fromEntries(repo.revisions[0].files.map((f) => [f.path.split('/').pop(), f.blob.size]));
      assert.deepEqual(sizes, { 'config.json': CONFIG.length, 'model.safetensors': WEIGHTS.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('listFiles (recursive) follows the Link pages and lists every entry with its size and ids', async () => {
    hub.resetRequests();
    const entries = [];
    for await (const entry of listFiles({ repo: 'org/tiny', recursive: true, hubUrl: hub.url })) entries.push(entry);
    const files = Object.fromEntries(entries.filter((e) => e.type === 'file').map((e) => [e.path, e]));
    assert.deepEqual(Object.keys(files).sort(), Object.keys(FILES).sort());
    for (const [path, content] of Object.entries(FILES)) {
      const bytes = Buffer.from(content);
      assert.equal(files[path].size, bytes.length, path);
      if (path.endsWith('.safetensors')) {
        assert.deepEqual(files[path].lfs, { oid: sha256(bytes), size: bytes.length, pointerSize: pointer(bytes).length });
        assert.equal(files[path].oid, gitBlob(pointer(bytes)));
      } else {
        assert.equal(files[path].lfs, undefined);
        assert.equal(files[path].oid, gitBlob(bytes));
      }
      assert.equal(files[path].xetHash, undefined);
    }
    assert.deepEqual(entries.filter((e) => e.type === 'directory').map((e) => e.path), ['tokenizer']);
    const pages = hub.requests.filter((r) => r.path.startsWith('/api/models/org/tiny/tree/'));
    assert.equal(pages.length, 3); // 5 entries, 2 a page
    assert.ok(pages.slice(1).every((r) => r.path.includes('cursor=')));
  });

  test('pathsInfo (expand) gives the same ids, the last commit, and leaves unknown paths out', async () => {
    const infos = await pathsInfo({ repo: 'org/tiny', paths: ['model.safetensors', 'config.json', 'nope.bin', 'tokenizer'], expand: true, hubUrl: hub.url });
    assert.deepEqual(infos.map((i) => i.path), ['model.safetensors', 'config.json', 'tokenizer']);
    assert.deepEqual(infos[0].lfs, { oid: sha256(WEIGHTS), size: WEIGHTS.length, pointerSize: pointer(WEIGHTS).length });
    assert.equal(infos[1].oid, gitBlob(CONFIG));
    assert.equal(infos[2].type, 'directory');
    for (const info of infos) assert.equal(info.lastCommit.id, sha);
  });

  test('modelInfo resolves main, a tag and a commit sha to the right commit', async () => {
    const v2 = hub.push('org/tiny', { 'model.safetensors': WEIGHTS_V2 });
    hub.tag('org/tiny', 'v1', sha);
    for (const [revision, expected] of [['main', v2], ['v1', sha], [sha, sha], [undefined, v2]]) {
      const info = await modelInfo({ name: 'org/tiny', revision, hubUrl: hub.url, additionalFields: ['sha'] });
      assert.equal(info.sha, expected, String(revision));
      assert.equal(info.name, 'org/tiny');
    }
    // The old commit still serves the old bytes; main serves the new ones.
    const old = await downloadFileToCacheDir({ repo: 'org/tiny', path: 'model.safetensors', revision: sha, hubUrl: hub.url, cacheDir });
    const now = await downloadFileToCacheDir({ repo: 'org/tiny', path: 'model.safetensors', revision: v2, hubUrl: hub.url, cacheDir });
    assert.deepEqual(readFileSync(old), WEIGHTS);
    assert.deepEqual(readFileSync(now), WEIGHTS_V2);
    // lastCommit is the newest commit that changed the path, so @huggingface/hub files an unchanged
    // file asked for at "main" under snapshots/<that older commit>, not under main's head.
    const infos = await pathsInfo({ repo: 'org/tiny', paths: ['config.json', 'model.safetensors'], expand: true, hubUrl: hub.url });
    assert.deepEqual(infos.map((i) => i.lastCommit.id), [sha, v2]);
    const config = await downloadFileToCacheDir({ repo: 'org/tiny', path: 'config.json', revision: 'main', hubUrl: hub.url, cacheDir });
    assert.equal(config, join(cacheDir, 'models--org--tiny', 'snapshots', sha, 'config.json'));
  });

  test('a gated repo: downloads need an accepted token, HubApiError otherwise', async () => {
    hub.addRepo('org/gated', { 'model.safetensors': WEIGHTS }, { gated: 'manual' });
    hub.tokens.add(TOKEN);
    const params = { repo: 'org/gated', path: 'model.safetensors', hubUrl: hub.url, cacheDir };
    await assert.rejects(downloadFileToCacheDir(params), (e) => e.statusCode === 401 && /restricted/.test(e.data.message));
    hub.resetRequests();
    const path = await downloadFileToCacheDir({ ...params, accessToken: TOKEN });
    assert.deepEqual(readFileSync(path), WEIGHTS);
    // The token goes to the Hub only, never to the CDN.
    assert.ok(hub.requests.filter((r) => r.origin === 'hub').every((r) => r.headers.authorization === `Bearer ${TOKEN}`));
    assert.ok(hub.requests.filter((r) => r.origin === 'cdn').every((r) => r.headers.authorization === undefined));
  });
});

describe('the wire, with fetch', () => {
  let hub;
  let sha;
  const manual = (url, init = {}) => fetch(url, { redirect: 'manual', ...init });
  before(async () => {
    hub = await startFakeHub();
    sha = hub.addRepo('org/tiny', FILES);
    hub.addRepo('org/gated', { 'config.json': CONFIG, 'model.safetensors': WEIGHTS }, { gated: true, acceptedTokens: [TOKEN] });
    hub.addRepo('org/gated-all', { 'config.json': CONFIG }, { gated: 'manual' });
    hub.addRepo('org/private', { 'config.json': CONFIG }, { private: true });
    hub.tokens.add(TOKEN);
    hub.tokens.add('hf_other_user');
  });
  after(() => hub.close());

  async function cdnUrlOf(path, revision = 'main') {
    return (await manual(`${hub.url}/org/tiny/resolve/${revision}/${path}`, { method: 'HEAD' })).headers.get('location');
  }

  test('an LFS file: 302 to an absolute CDN URL with X-Linked-Etag, X-Linked-Size, X-Repo-Commit', async () => {
    for (const method of ['HEAD', 'GET']) {
      const res = await manual(`${hub.url}/org/tiny/resolve/main/model.safetensors`, { method });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location'));
      assert.equal(location.origin, hub.cdnUrl);
      assert.ok(location.pathname.endsWith(`/${sha256(WEIGHTS)}`));
      assert.equal(res.headers.get('x-linked-etag'), `"${sha256(WEIGHTS)}"`);
      assert.equal(res.headers.get('x-linked-size'), String(WEIGHTS.length));
      assert.equal(res.headers.get('x-repo-commit'), sha);
      assert.equal(res.headers.get('etag'), `"${gitBlob(pointer(WEIGHTS))}"`);
      assert.equal(res.headers.get('x-xet-hash'), null);
      await res.arrayBuffer();
    }
    const cdn = await fetch(await cdnUrlOf('model.safetensors'));
    assert.equal(cdn.status, 200);
    assert.equal(cdn.headers.get('etag'), `"${sha256(WEIGHTS)}"`);
    assert.equal(cdn.headers.get('accept-ranges'), 'bytes');
    assert.equal(cdn.headers.get('content-length'), String(WEIGHTS.length));
    assert.equal(sha256(Buffer.from(await cdn.arrayBuffer())), sha256(WEIGHTS));
    const raw = await manual(`${hub.url}/org/tiny/raw/main/model.safetensors`); // the git blob: the LFS pointer
    assert.equal(raw.status, 200);
    assert.deepEqual(Buffer.from(await raw.arrayBuffer()), pointer(WEIGHTS));
  });

  test('a git file: 307 to a relative /api/resolve-cache/ URL that serves the bytes', async () => {
    const res = await manual(`${hub.url}/org/tiny/resolve/main/tokenizer/vocab.json`);
    assert.equal(res.status, 307);
    const location = res.headers.get('location');
    assert.ok(location.startsWith(`/api/resolve-cache/models/org/tiny/${sha}/tokenizer/vocab.json?`), location);
    assert.equal(res.headers.get('x-repo-commit'), sha);
    assert.equal(res.headers.get('etag'), `"${gitBlob(VOCAB)}"`);
    const head = await manual(new URL(location, hub.url), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(VOCAB.length));
    const body = await fetch(new URL(location, hub.url));
    assert.equal(body.headers.get('etag'), `"${gitBlob(VOCAB)}"`);
    assert.equal(body.headers.get('x-repo-commit'), sha);
    assert.deepEqual(Buffer.from(await body.arrayBuffer()), VOCAB);
    // Followed by fetch, the resolve URL ends on the same bytes; the Hub refuses a branch name there.
    assert.deepEqual(Buffer.from(await (await fetch(`${hub.url}/org/tiny/resolve/main/config.json`)).arrayBuffer()), CONFIG);
    assert.equal((await fetch(`${hub.url}/api/resolve-cache/models/org/tiny/main/config.json`)).status, 400);
  });

  test('Range: 206 with Content-Range and the right bytes, 416 past the end', async () => {
    const url = await cdnUrlOf('model.safetensors');
    const cases = [['bytes=1000-', 1000, 2999], ['bytes=5-9', 5, 9], ['bytes=-4', 2996, 2999], ['bytes=2990-9999', 2990, 2999]];
    for (const [range, start, end] of cases) {
      const res = await fetch(url, { headers: { Range: range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${WEIGHTS.length}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), WEIGHTS.subarray(start, end + 1));
    }
    const past = await fetch(url, { headers: { Range: `bytes=${WEIGHTS.length}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${WEIGHTS.length}`);
    const small = await fetch(`${hub.url}/org/tiny/resolve/main/config.json`, { headers: { Range: 'bytes=2-' } });
    assert.equal(small.status, 206);
    assert.deepEqual(Buffer.from(await small.arrayBuffer()), CONFIG.subarray(2));
  });

  test('errors carry the Hub X-Error-Code / X-Error-Message', async () => {
    const bearer = (t) => ({ headers: { Authorization: `Bearer ${t}` } });
    const cases = [
      // [url, init, status, X-Error-Code]
      ['/org/missing/resolve/main/config.json', {}, 401, null],
      ['/org/missing/resolve/main/config.json', bearer(TOKEN), 404, 'RepoNotFound'],
      ['/api/models/org/missing', {}, 401, null],
      ['/api/models/org/missing', bearer(TOKEN), 404, 'RepoNotFound'],
      ['/org/gated/resolve/main/config.json', {}, 401, 'GatedRepo'],
      ['/org/gated/resolve/main/config.json', bearer('hf_other_user'), 403, 'GatedRepo'],
      ['/org/gated/resolve/main/config.json', bearer('hf_unknown'), 401, null],
      ['/org/gated-all/resolve/main/config.json', bearer('hf_unknown'), 401, null],
      ['/org/private/resolve/main/config.json', {}, 401, null],
      ['/api/models/org/private', bearer('hf_unknown'), 401, null],
      ['/org/tiny/resolve/nope/config.json', {}, 404, 'RevisionNotFound'],
      ['/api/models/org/tiny/revision/nope', {}, 404, 'RevisionNotFound'],
      ['/org/tiny/resolve/main/nope.json', {}, 404, 'EntryNotFound'],
      ['/api/models/org/tiny/tree/main/nope', {}, 404, 'EntryNotFound'],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await manual(`${hub.url}${path}`, init);
      const what = `${path} ${JSON.stringify(init)}`;
      assert.equal(res.status, status, what);
      assert.equal(res.headers.get('x-error-code'), code, what);
      assert.ok(res.headers.get('x-error-message'), what);
      const body = await res.text();
      if (path.startsWith('/api/')) assert.equal(JSON.parse(body).error, res.headers.get('x-error-message'), what);
      else assert.equal(body, res.headers.get('x-error-message'), what);
    }
    const unauthenticated = await manual(`${hub.url}/org/missing/resolve/main/config.json`);
    assert.equal(unauthenticated.headers.get('x-error-message'), 'Invalid username or password.');
    const entry = await manual(`${hub.url}/org/tiny/resolve/main/nope.json`);
    assert.equal(entry.headers.get('x-repo-commit'), sha); // huggingface_hub caches .no_exist/<commit> from it
    // A gated repo's metadata stays public; an accepted token gets the file.
    const info = await (await fetch(`${hub.url}/api/models/org/gated`)).json();
    assert.equal(info.gated, 'auto');
    assert.equal((await manual(`${hub.url}/org/gated/resolve/main/model.safetensors`, bearer(TOKEN))).status, 302);
    assert.equal((await manual(`${hub.url}/org/gated-all/resolve/main/config.json`, bearer('hf_other_user'))).status, 307);
    assert.equal((await manual(`${hub.url}/org/private/resolve/main/config.json`, bearer(TOKEN))).status, 307);
    assert.equal((await manual(`${hub.url}/org/tiny/resolve/main/config.json`, bearer('hf_unknown'))).status, 307);
    // A CDN URL cannot be forged.
    const forged = (await cdnUrlOf('model.safetensors')).replace(/Signature=[0-9a-f]/, 'Signature=x');
    assert.equal((await fetch(forged)).status, 403);
  });

  test('revisions: a tag, a full and a short sha, an encoded branch name; a push keeps old commits', async () => {
    hub.tag('org/tiny', 'v1.0', 'main');
    const v2 = hub.push('org/tiny', { 'model.safetensors': WEIGHTS_V2, 'extra.txt': 'new' }, { branch: 'feature/x' });
    assert.match(v2, /^[0-9a-f]{40}$/);
    assert.notEqual(v2, sha);
    for (const revision of ['v1.0', sha, sha.slice(0, 7), 'main']) {
      const res = await manual(`${hub.url}/org/tiny/resolve/${revision}/model.safetensors`, { method: 'HEAD' });
      assert.equal(res.headers.get('x-repo-commit'), sha, revision);
    }
    const branch = await manual(`${hub.url}/org/tiny/resolve/${encodeURIComponent('feature/x')}/model.safetensors`, { method: 'HEAD' });
    assert.equal(branch.headers.get('x-repo-commit'), v2);
    assert.equal(branch.headers.get('x-linked-etag'), `"${sha256(WEIGHTS_V2)}"`);
    const main = hub.push('org/tiny', { 'model.safetensors': WEIGHTS_V2 });
    const now = await fetch(`${hub.url}/org/tiny/resolve/main/model.safetensors`);
    assert.deepEqual(Buffer.from(await now.arrayBuffer()), WEIGHTS_V2);
    const then = await fetch(`${hub.url}/org/tiny/resolve/${sha}/model.safetensors`);
    assert.deepEqual(Buffer.from(await then.arrayBuffer()), WEIGHTS);
    const refs = await (await fetch(`${hub.url}/api/models/org/tiny/refs`)).json();
    assert.deepEqual(refs.branches.map((b) => [b.name, b.targetCommit]), [['main', main], ['feature/x', v2]]);
    assert.deepEqual(refs.tags.map((t) => [t.name, t.targetCommit]), [['v1.0', sha]]);
    const info = await (await fetch(`${hub.url}/api/models/org/tiny/revision/${sha}`)).json();
    assert.equal(info.sha, sha);
    assert.deepEqual(info.siblings.map((s) => s.rfilename).sort(), Object.keys(FILES).sort());
  });

  test('a push while a file is downloading: the download keeps its commit, main moves', async () => {
    const before = (await manual(`${hub.url}/org/tiny/resolve/main/model.safetensors`, { method: 'HEAD' })).headers;
    const next = pseudoRandom(2000, 9);
    let pushed;
    hub.onRequest = (record) => {
      if (record.origin === 'cdn' && !pushed) pushed = hub.push('org/tiny', { 'model.safetensors': next });
    };
    try {
      const res = await fetch(`${hub.url}/org/tiny/resolve/main/model.safetensors`);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), before.get('x-linked-etag').slice(1, -1));
    } finally {
      hub.onRequest = null;
    }
    const after = (await manual(`${hub.url}/org/tiny/resolve/main/model.safetensors`, { method: 'HEAD' })).headers;
    assert.equal(after.get('x-repo-commit'), pushed);
    assert.equal(after.get('x-linked-etag'), `"${sha256(next)}"`);
  });

  test('tree pages: an absolute Link rel="next" with a cursor, none on the last page', async () => {
    const paged = await startFakeHub({ treePageSize: 3 });
    try {
      paged.addRepo('org/tiny', FILES);
      const seen = [];
      let url = `${paged.url}/api/models/org/tiny/tree/main?recursive=1`;
      let pages = 0;
      while (url) {
        const res = await fetch(url);
        const page = await res.json();
        seen.push(...page.map((e) => e.path));
        pages++;
        const link = res.headers.get('link');
        url = link && /^<(http:\/\/[^>]+)>; rel="next"$/.exec(link)[1];
        if (link) assert.ok(url.startsWith(`${paged.url}/`) && url.includes('cursor='), link);
      }
      assert.equal(pages, 2);
      assert.deepEqual(seen, ['config.json', 'model.safetensors', 'tokenizer', 'tokenizer/README.md', 'tokenizer/vocab.json']);
      const sub = await (await fetch(`${paged.url}/api/models/org/tiny/tree/main/tokenizer`)).json();
      assert.deepEqual(sub.map((e) => e.path), ['tokenizer/README.md', 'tokenizer/vocab.json']);
    } finally {
      await paged.close();
    }
  });

  test('paths-info as huggingface_hub posts it (a form) and model info with expand', async () => {
    const res = await fetch(`${hub.url}/api/models/org/tiny/paths-info/${sha}`, {
      method: 'POST',
      body: new URLSearchParams([['paths', 'config.json'], ['paths', 'missing'], ['expand', 'True']]),
    });
    const [entry, ...rest] = await res.json();
    assert.deepEqual(rest, []);
    assert.equal(entry.oid, gitBlob(CONFIG));
    assert.equal(entry.lastCommit.id, sha);
    const info = await (await fetch(`${hub.url}/api/models/org/tiny/revision/${sha}?expand[]=sha&expand[]=gated`)).json();
    assert.deepEqual(Object.keys(info).sort(), ['_id', 'gated', 'id', 'sha']);
    const blobs = await (await fetch(`${hub.url}/api/models/org/tiny/revision/${sha}?blobs=true`)).json();
    const weights = blobs.siblings.find((s) => s.rfilename === 'model.safetensors');
    assert.deepEqual(weights.lfs, { sha256: sha256(WEIGHTS), size: WEIGHTS.length, pointerSize: pointer(WEIGHTS).length });
  });

  test('faults: 429 with Retry-After then success, times, origin, 500 and 403', async () => {
    hub.fail({ match: 'config.json', kind: { status: 429, retryAfter: 2 } });
    const limited = await manual(`${hub.url}/org/tiny/resolve/main/config.json`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal((await manual(`${hub.url}/org/tiny/resolve/main/config.json`)).status, 307);
    hub.fail({ match: /model\.safetensors/, times: 2, kind: { status: 500 } });
    assert.equal((await manual(`${hub.url}/org/tiny/resolve/main/model.safetensors`)).status, 500);
    assert.equal((await manual(`${hub.url}/org/tiny/resolve/main/model.safetensors`)).status, 500);
    assert.equal((await manual(`${hub.url}/org/tiny/resolve/main/model.safetensors`)).status, 302);
    hub.fail({ match: sha256(WEIGHTS), origin: 'cdn', kind: { status: 403 } });
    assert.equal((await manual(`${hub.url}/org/tiny/resolve/${sha}/model.safetensors`)).status, 302); // hub untouched
    const url = await cdnUrlOf('model.safetensors', sha);
    assert.equal((await fetch(url)).status, 403);
    assert.equal((await fetch(url)).status, 200);
    assert.deepEqual(hub.requests.slice(-2).map((r) => [r.origin, r.status]), [['cdn', 403], ['cdn', 200]]);
  });

  test("faults: 'cut' sends fewer bytes than Content-Length, 'corrupt' bytes fail the sha256", async () => {
    const url = await cdnUrlOf('model.safetensors', sha);
    hub.fail({ match: 'model.safetensors', origin: 'cdn', kind: 'cut' });
    const cut = await fetch(url);
    assert.equal(cut.headers.get('content-length'), String(WEIGHTS.length));
    let received = 0;
    const reader = cut.body.getReader();
    await assert.rejects(async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      }
    });
    assert.ok(received < WEIGHTS.length, `${received}`);
    hub.fail({ match: 'model.safetensors', origin: 'cdn', kind: 'corrupt' });
    assert.equal((await fetch(url, { method: 'HEAD' })).status, 200); // a HEAD sends no bytes: the fault waits
    const res = await fetch(url, { headers: { Range: 'bytes=0-' } });
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.length, WEIGHTS.length);
    const head = await manual(`${hub.url}/org/tiny/resolve/${sha}/model.safetensors`, { method: 'HEAD' });
    assert.notEqual(`"${sha256(bytes)}"`, head.headers.get('x-linked-etag'));
    assert.deepEqual(Buffer.from(await (await fetch(url)).arrayBuffer()), WEIGHTS); // one time only
  });

  test('CORS: preflight, reflected Origin and exposed headers on the Hub, * on the CDN', async () => {
    const origin = 'http://127.0.0.1:9';
    const pre = await fetch(`${hub.url}/org/gated/resolve/main/model.safetensors`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,range' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.match(pre.headers.get('access-control-allow-headers'), /authorization/);
    assert.match(pre.headers.get('access-control-allow-headers'), /range/);
    assert.match(pre.headers.get('access-control-allow-methods'), /GET/);
    const res = await manual(`${hub.url}/org/tiny/resolve/main/model.safetensors`, { headers: { Origin: origin } });
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    for (const name of ['X-Repo-Commit', 'X-Error-Code', 'X-Error-Message', 'ETag', 'Link', 'Content-Range', 'X-Linked-Size', 'X-Linked-ETag']) {
      assert.ok(res.headers.get('access-control-expose-headers').split(',').includes(name), name);
    }
    const cdn = await fetch(res.headers.get('location'), { headers: { Origin: 'null' } });
    assert.equal(cdn.headers.get('access-control-allow-origin'), '*');
    assert.match(cdn.headers.get('access-control-expose-headers'), /ETag/);
    const cdnPre = await fetch(res.headers.get('location'), { method: 'OPTIONS', headers: { Origin: 'null', 'Access-Control-Request-Headers': 'range' } });
    assert.equal(cdnPre.status, 204);
  });

  test('hub.requests records origin, method, path, lower-cased headers (authorization, range) and status', async () => {
    hub.resetRequests();
    await (await fetch(`${hub.url}/org/gated/resolve/main/model.safetensors`, { headers: { Authorization: `Bearer ${TOKEN}`, Range: 'bytes=0-0' } })).arrayBuffer();
    assert.deepEqual(hub.requests.map((r) => [r.origin, r.method, r.status]), [['hub', 'GET', 302], ['cdn', 'GET', 206]]);
    assert.equal(hub.requests[0].path, '/org/gated/resolve/main/model.safetensors');
    assert.equal(hub.requests[0].headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(hub.requests[0].headers.range, 'bytes=0-0');
    assert.equal(hub.requests[1].headers.range, 'bytes=0-0');
    assert.equal(hub.requests[1].headers.authorization, undefined); // fetch drops it on a cross-origin redirect
  });
});

describe('content sources and LFS rules', () => {
  let hub;
  let dir;
  before(async () => {
    hub = await startFakeHub();
    dir = mkdtempSync(join(tmpdir(), 'fake-hub-src-'));
  });
  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('LFS by extension, by size (> 10 MiB) or by lfs: true; a { path } file is served from disk', async () => {
    const large = pseudoRandom(10 * 1024 * 1024 + 1, 3);
    const local = join(dir, 'weights.gguf');
    writeFileSync(local, WEIGHTS_V2);
    hub.addRepo('org/src', {
      'notes.txt': 'plain',
      'forced.txt': { bytes: 'lfs please', lfs: true },
      'small.bin': { bytes: WEIGHTS, lfs: false },
      'large.dat': large,
      'weights.gguf': { path: local },
    });
    const entries = Object.fromEntries((await (await fetch(`${hub.url}/api/models/org/src/tree/main`)).json()).map((e) => [e.path, e]));
    assert.equal(entries['notes.txt'].lfs, undefined);
    assert.equal(entries['small.bin'].lfs, undefined);
    assert.equal(entries['forced.txt'].lfs.oid, sha256(Buffer.from('lfs please')));
    assert.equal(entries['large.dat'].lfs.oid, sha256(large));
    assert.equal(entries['weights.gguf'].lfs.oid, sha256(WEIGHTS_V2));
    const res = await fetch(`${hub.url}/org/src/resolve/main/weights.gguf`, { headers: { Range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), WEIGHTS_V2.subarray(100, 200));
    const whole = await fetch(`${hub.url}/org/src/resolve/main/large.dat`);
    assert.equal(sha256(Buffer.from(await whole.arrayBuffer())), sha256(large));
  });

  test('tree and commit ids are the ones git computes for the same files', async () => {
    const sha = hub.addRepo('org/git', { 'a.txt': 'A\n', 'dir/b.txt': 'B\n', 'dir/c.safetensors': WEIGHTS });
    const repo = mkdtempSync(join(dir, 'git-'));
    const git = (args, input, env = {}) =>
      execFileSync('git', args, { cwd: repo, input, env: { ...process.env, ...env } }).toString().trim();
    git(['init', '-q']);
    const blob = (bytes) => git(['hash-object', '-w', '--stdin'], bytes);
    const dirTree = git(['mktree'], `100644 blob ${blob('B\n')}\tb.txt\n100644 blob ${blob(pointer(WEIGHTS))}\tc.safetensors\n`);
    const root = git(['mktree'], `100644 blob ${blob('A\n')}\ta.txt\n040000 tree ${dirTree}\tdir\n`);
    const tree = await (await fetch(`${hub.url}/api/models/org/git/tree/main`)).json();
    assert.equal(tree.find((e) => e.path === 'dir').oid, dirTree);
    const { lastModified } = await (await fetch(`${hub.url}/api/models/org/git`)).json();
    const when = `@${Date.parse(lastModified) / 1000} +0000`;
    const person = { GIT_AUTHOR_NAME: 'Fake Hub', GIT_AUTHOR_EMAIL: 'fake-hub@localhost', GIT_AUTHOR_DATE: when };
    const env = { ...person, GIT_COMMITTER_NAME: 'Fake Hub', GIT_COMMITTER_EMAIL: 'fake-hub@localhost', GIT_COMMITTER_DATE: when };
    assert.equal(git(['commit-tree', root, '-m', 'initial commit'], undefined, env), sha);
  });
});
