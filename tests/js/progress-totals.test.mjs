// loadModel's progress events carry the totals over all weight files
// (fileIndex, fileCount, totalLoaded, totalBytes, totalKnown) besides each
// file's own numbers. gpt2-tiny's weights are cut into three shards in a temp
// folder, loaded from the folder, over HTTP (a server that answers HEAD, or
// rejects it, or gives no or wrong sizes, or never answers it) and from
// Files / bytes; every time the events must add up to the shards' sizes.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createTestServer } from './http-server.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { folder } from './fixtures.mjs';
import { assertGreedy, buildSafetensors, expectError, read, splitSafetensors, tensorsInOrder } from './hostile-files.mjs';
import { NetworkError, loadModel } from '../../dist/index.js';

const NAMES = ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors'];
let dir;
let shards; // bytes of each shard, in NAMES order
let sizes;
let sum;
let server;
let base;
const requests = []; // { method, mode, file } as the server saw them
const stalled = new Set();
let headSeen; // resolves when a HEAD arrives in 'head-stall' mode

/** gpt2-tiny's tensors in three files, a third of the tensors each (in file order). */
function makeShards() {
  const bytes = read('gpt2-tiny', 'model.safetensors');
  const { header, headerLength } = splitSafetensors(bytes);
  const tensors = tensorsInOrder(bytes);
  const groups = [[], [], []];
  tensors.forEach((t, i) => groups[Math.floor((3 * i) / tensors.length)].push(t));
  return groups.map((group) => {
    const part = {};
    const chunks = [];
    let at = 0;
    for (const t of group) {
      part[t.name] = { ...header[t.name], data_offsets: [at, at + t.end - t.begin] };
      chunks.push(bytes.subarray(t.begin, t.end));
      at += t.end - t.begin;
    }
    return { names: group.map((t) => t.name), bytes: buildSafetensors(part, Buffer.concat(chunks)) };
  });
}

// /<mode>/<file>: how the server answers HEAD (GET is always the file, 404 if absent).
const HEAD_MODES = {
  ok: (size) => ({ status: 200, headers: { 'Content-Length': size } }),
  'head-405': () => ({ status: 405, headers: { Allow: 'GET' } }),
  'head-404': () => ({ status: 404, headers: {} }),
  'head-chunked': () => ({ status: 200, headers: { 'Transfer-Encoding': 'chunked' } }),
  'head-gzip': (size) => ({ status: 200, headers: { 'Content-Length': size >> 1, 'Content-Encoding': 'gzip' } }),
  'head-wrong': (size) => ({ status: 200, headers: { 'Content-Length': size + 1000 } }),
  'no-shard-3': (size) => ({ status: 200, headers: { 'Content-Length': size } }),
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qkv-progress-'));
  const parts = makeShards();
  shards = parts.map((p) => p.bytes);
  sizes = shards.map((b) => b.length);
  sum = sizes.reduce((a, b) => a + b, 0);
  const weightMap = {};
  parts.forEach((p, i) => {
    writeFileSync(join(dir, NAMES[i]), p.bytes);
    for (const name of p.names) weightMap[name] = NAMES[i];
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: sum }, weight_map: weightMap }));
  for (const f of ['config.json', 'tokenizer.json']) copyFileSync(join(folder('gpt2-tiny'), f), join(dir, f));

  server = createTestServer((req, res) => {
    const [, mode, file] = decodeURIComponent(new URL(req.url, 'http://x').pathname).split('/');
    requests.push({ method: req.method, mode, file });
    const body = mode === 'no-shard-3' && file === NAMES[2] ? undefined : fileOf(file);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'HEAD') {
      if (mode === 'head-stall') {
        stalled.add(res);
        headSeen.resolve();
        return;
      }
      const { status, headers } = (HEAD_MODES[mode] ?? HEAD_MODES.ok)(body.length);
      res.writeHead(status, headers).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Bytes of a file of the temp folder, or undefined. */
function fileOf(name) {
  try {
    return name && !name.includes('..') ? readFileSync(join(dir, name)) : undefined;
  } catch {
    return undefined;
  }
}

/** Loads, collecting the progress events; checks the model's output too. */
async function load(source, options = {}) {
  const events = [];
  const model = await loadModel(source, { ...options, onProgress: (e) => events.push(structuredClone(e)) });
  try {
    await assertGreedy(model);
  } finally {
    model.dispose();
  }
  return events;
}

const before_ = (i) => sizes.slice(0, i).reduce((a, b) => a + b, 0);

/**
 * Every event's numbers against the shards' real sizes. known: whether the
 * sizes of files not yet opened were learned up front (else totalBytes counts
 * the files opened so far, and totalKnown is false until the last one opens).
 */
function checkEvents(events, { names = NAMES, known = true } = {}) {
  assert.ok(events.length > 2 * names.length, `${events.length} events`);
  let lastLoaded = -1;
  let lastBytes = -1;
  let lastIndex = 0;
  const done = [];
  for (const e of events) {
    const at = `${JSON.stringify(e)}`;
    assert.equal(e.fileCount, names.length, at);
    assert.ok(e.fileIndex === lastIndex || (e.fileIndex === lastIndex + 1 && done.includes(lastIndex)), `files in order: ${at}`);
    lastIndex = e.fileIndex;
    assert.equal(e.file, names[e.fileIndex], at);
    assert.equal(e.total, sizes[e.fileIndex], at);
    assert.equal(e.totalLoaded, before_(e.fileIndex) + e.loaded, at);
    assert.ok(e.totalLoaded >= lastLoaded, `totalLoaded never goes back: ${at}`);
    assert.ok(e.totalBytes >= lastBytes, `totalBytes never goes back: ${at}`);
    assert.ok(e.totalLoaded <= e.totalBytes, at);
    lastLoaded = e.totalLoaded;
    lastBytes = e.totalBytes;
    const opened = before_(e.fileIndex + 1);
    if (known) {
      assert.deepEqual([e.totalBytes, e.totalKnown], [sum, true], at);
    } else {
      // The files opened so far, and the total is flagged as not final until the last one.
      assert.equal(e.totalBytes, opened, at);
      assert.equal(e.totalKnown, e.fileIndex === names.length - 1, at);
    }
    if (e.status === 'done') {
      assert.equal(e.loaded, e.total, at);
      done.push(e.fileIndex);
    }
  }
  assert.deepEqual(done, names.map((_, i) => i), 'one done per file, in order');
  const last = events.at(-1);
  assert.deepEqual([last.status, last.fileIndex, last.totalLoaded, last.totalBytes, last.totalKnown],
    ['done', names.length - 1, sum, sum, true]);
}

const heads = (mode) => requests.filter((r) => r.method === 'HEAD' && r.mode === mode).map((r) => r.file);

test('a sharded folder (Node path): totals from the files\' sizes, right from the first event', async () => {
  checkEvents(await load(dir));
  checkEvents(await load(`${dir}/`));
});

test('a sharded base URL: HEAD gives the later shards\' sizes up front, once each; the first comes with its GET', async () => {
  requests.length = 0;
  checkEvents(await load(`${base}/ok/`));
  assert.deepEqual(heads('ok').sort(), [NAMES[1], NAMES[2]]);
  // Explicit URLs, given as a list: the same.
  checkEvents(await load({ config: `${base}/ok/config.json`, tokenizer: `${base}/ok/tokenizer.json`,
    weights: NAMES.map((n) => `${base}/ok/${n}`) }));
  // Without a listener, no HEAD requests at all.
  requests.length = 0;
  (await loadModel(`${base}/ok/`)).dispose();
  assert.deepEqual(heads('ok'), []);
  assert.equal(requests.filter((r) => r.method === 'GET' && NAMES.includes(r.file)).length, 3);
});

test('Files and bytes: totals from their sizes, fileIndex in the order given', async () => {
  const file = new File([shards[0]], NAMES[0]);
  const bytes = shards[1];
  const buffer = shards[2].buffer.slice(shards[2].byteOffset, shards[2].byteOffset + shards[2].byteLength);
  const events = await load({ config: read('gpt2-tiny', 'config.json'), tokenizer: read('gpt2-tiny', 'tokenizer.json'),
    weights: [file, bytes, new Blob([buffer])] });
  checkEvents(events, { names: [NAMES[0], 'model.safetensors', 'model.safetensors'] });
});

test('a server that rejects HEAD (405, 404) or gives no usable size still loads; the total grows, flagged, to the right end', async () => {
  for (const mode of ['head-405', 'head-404', 'head-chunked', 'head-gzip']) {
    requests.length = 0;
    const events = await load(`${base}/${mode}/`);
    checkEvents(events, { known: false });
    assert.deepEqual(heads(mode).sort(), [NAMES[1], NAMES[2]], mode);
  }
});

test('a HEAD size that the GET contradicts is replaced by the real size when that file opens', async () => {
  const events = await load(`${base}/head-wrong/`);
  const first = events[0];
  assert.deepEqual([first.totalBytes, first.totalKnown], [sum + 2000, true], 'the server\'s word, before the files open');
  const last = events.at(-1);
  assert.deepEqual([last.status, last.totalLoaded, last.totalBytes], ['done', sum, sum]);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].totalLoaded >= events[i - 1].totalLoaded);
});

test('a shard missing on GET still fails with a NetworkError (its HEAD 404 did not decide that)', async () => {
  await expectError(() => loadModel(`${base}/no-shard-3/`, { onProgress: () => {} }), NetworkError,
    /could not fetch .*model-00003-of-00003\.safetensors: HTTP 404/);
});

test('aborting while the HEAD requests wait rejects with an AbortError at once, before any shard is downloaded', async () => {
  requests.length = 0;
  let resolve;
  headSeen = { promise: new Promise((r) => { resolve = r; }), resolve: () => resolve() };
  const controller = new AbortController();
  const loading = loadModel(`${base}/head-stall/`, { signal: controller.signal, onProgress: () => {} });
  await Promise.race([headSeen.promise, loading.then(() => assert.fail('loaded without asking for the shards\' sizes'))]);
  const started = Date.now();
  controller.abort();
  await expectError(loading, 'AbortError', null, 'abort during HEAD');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  // Only the first shard was opened (finding a base URL's files opens it); the others were never requested.
  assert.deepEqual(requests.filter((r) => r.method === 'GET' && NAMES.includes(r.file)).map((r) => r.file), [NAMES[0]]);
  // The server and the model are fine afterwards.
  checkEvents(await load(`${base}/ok/`));
});
