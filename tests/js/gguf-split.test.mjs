// Split GGUF models (llama.cpp's gguf-split format: name-0000i-of-0000N.gguf,
// split.no / split.count / split.tensors.count, every part a whole GGUF with
// its own tensor infos): tests/fixtures/gguf/kquant/split holds the Q4_K_M
// llama fixture's tensors in 3 parts (make_kquant_models.py). Loaded from its
// first part's path, a file: URL, an array of Blobs or bytes, or a Hub id, it
// must be the single-file model exactly; llama.cpp's own logits on the split
// equal its logits on the single file. Parts missing, misordered, of another
// count, or with a tensor twice are named errors, and loading goes on working.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

import { env, FormatError, HubError, InvalidArgumentError, loadModel } from '../../dist/index.js';
import { checkGgufSplit } from '../../dist/sources/gguf-files.js';
import { startFakeHub } from './fake-hub.mjs';
import { startFixtureServer } from './fixture-server.mjs';
import { freshCache, uniqueId } from './hub-support.mjs';

env.wasm.numThreads = 1;

const kquant = new URL('../fixtures/gguf/kquant/', import.meta.url);
const single = new URL('llama-kq-Q4_K_M.gguf', kquant).pathname;
const partName = (i) => `llama-kq-Q4_K_M-0000${i}-of-00003.gguf`;
const parts = [1, 2, 3].map((i) => new URL(`split/${partName(i)}`, kquant).pathname);
const bytesOf = (path) => new Uint8Array(readFileSync(path));
const IDS = [639, 699, 917, 591, 793, 12, 300];

let reference;
before(async () => {
  const model = await loadModel(single);
  try {
    reference = { logits: (await model.forward(IDS)).logits, types: model.info.ggmlTypes };
  } finally {
    model.dispose();
  }
});

async function assertSameModel(source, options = {}) {
  const model = await loadModel(source, options);
  try {
    assert.equal(model.info.format, 'gguf');
    assert.deepEqual(model.info.ggmlTypes, reference.types);
    const { logits } = await model.forward(IDS);
    assert.equal(logits.length, reference.logits.length);
    assert.ok(logits.every((v, i) => Object.is(v, reference.logits[i])), 'logits differ from the single file\'s');
  } finally {
    model.dispose();
  }
}

test('llama.cpp gives the split model the single file\'s logits (the fixture splits the same tensors)', () => {
  const ref = JSON.parse(readFileSync(new URL('llama-cpp-logits.json', kquant), 'utf8')).files;
  assert.deepEqual(ref[`split/${partName(1)}`], ref['llama-kq-Q4_K_M.gguf']);
});

test('a split model loads from its first part (siblings found by name), a file: URL, or all parts as Blobs or bytes', async () => {
  await assertSameModel(parts[0]);
  await assertSameModel(pathToFileURL(parts[0]));
  await assertSameModel(parts.map((p) => new Blob([readFileSync(p)])));
  await assertSameModel(parts.map(bytesOf));
  await assertSameModel(parts); // an array of paths
});

test('a split model from the URL of its first part: the others fetched from beside it, each in turn', async () => {
  const server = await startFixtureServer();
  try {
    await assertSameModel(`${server.url}/gguf/kquant/split/${partName(1)}`);
    const fetched = server.requests.filter((r) => r.startsWith('GET ')).map((r) => r.slice(r.lastIndexOf('/') + 1));
    // Every part's header first (all checked before any weight), then each part's tensors.
    const names = [1, 2, 3].map(partName);
    assert.deepEqual(fetched, [...names, ...names]);
  } finally {
    server.close();
  }
});

test('progress names every part in turn and ends with the last', async () => {
  const seen = [];
  const model = await loadModel(parts[0], { onProgress: (p) => seen.push(p) });
  model.dispose();
  const done = seen.filter((p) => p.status === 'done').map((p) => p.file);
  assert.deepEqual(done, [1, 2, 3].map(partName));
});

/** A copy of part `i`'s bytes with `from` replaced by `to` (same length) at its first occurrence. */
function patchedPart(i, from, to, skip = 0) {
  const bytes = Buffer.from(readFileSync(parts[i - 1]));
  const at = bytes.indexOf(Buffer.from(from));
  assert.ok(at >= 0, from);
  Buffer.from(to).copy(bytes, at + skip);
  return new Uint8Array(bytes);
}

test('wrong, missing, misordered or inconsistent parts are named errors, and a load then works', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'qkv-split-'));
  copyFileSync(parts[0], join(folder, partName(1)));
  copyFileSync(parts[1], join(folder, partName(2)));
  const [p1, p2, p3] = parts.map(bytesOf);
  const i32 = (v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
  const cases = [
    // A part missing beside the first: the file it looked for is named.
    [join(folder, partName(1)), InvalidArgumentError, new RegExp(`cannot open .*${partName(3)}: no such file`)],
    [[p1, p2], InvalidArgumentError, /split\.count is 3 but 2 GGUF files were given: give all 3 parts/],
    [[p1, p3, p2], InvalidArgumentError, /given as part 2 of 3 but its split\.no says part 3/],
    [parts[1], InvalidArgumentError, /part 2 of a split GGUF model: give its first part/],
    [[p2], InvalidArgumentError, /split\.count is 3 but 1 GGUF file was given/],
    [[p1, p2, p3, p3], InvalidArgumentError, /split\.count is 3 but 4/],
    // Part 2's blk.0.ffn_up.weight renamed blk.0.attn_q.weight, which part 1 holds.
    [[p1, patchedPart(2, 'blk.0.ffn_up.weight', 'blk.0.attn_q.weight'), p3], FormatError,
      /tensor blk\.0\.attn_q\.weight is in two parts of the split model: part 1 of 3 and part 2 of 3/],
    // split.tensors.count (i32 after its key: u32 type, then the value) 21 -> 22 in every part: one tensor short.
    [[1, 2, 3].map((i) => patchedPart(i, 'split.tensors.count', i32(22), 'split.tensors.count'.length + 4)), FormatError,
      /split\.tensors\.count is 22 but the 3 parts hold 21 tensors \(a part lacks tensors\)/],
    [[p1, p2, patchedPart(3, 'split.tensors.count', i32(20), 'split.tensors.count'.length + 4)], FormatError,
      /part 3 of 3: split\.tensors\.count is 20 but the 3 parts hold 21 tensors/],
    [[p1, 'not a model'], InvalidArgumentError, /./],
    [[], InvalidArgumentError, /array must hold the parts of a split GGUF model/],
  ];
  for (const [source, type, message] of cases) {
    await assert.rejects(loadModel(source), (e) => {
      assert.ok(e instanceof type, `${e.name}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
  await assertSameModel(parts[0]);
});

test('checkGgufSplit: a key a later part shares with the first must hold the same value', () => {
  const meta = (no, extra = {}) => new Map(Object.entries({ 'split.no': no, 'split.count': 2, 'split.tensors.count': 2, ...extra }));
  const ok = [
    { name: 'a', metadata: meta(0, { 'general.architecture': 'llama', 'llama.block_count': 2 }), tensors: [{ name: 'x' }] },
    { name: 'b', metadata: meta(1), tensors: [{ name: 'y' }] },
  ];
  checkGgufSplit(ok);
  assert.throws(() => checkGgufSplit([ok[0], { ...ok[1], metadata: meta(1, { 'llama.block_count': 3 }) }]),
    (e) => e instanceof FormatError && /b: metadata key llama\.block_count differs from the first part's \(a\)/.test(e.message));
  assert.throws(() => checkGgufSplit([ok[0], { ...ok[1], metadata: meta(1, { 'split.tensors.count': new Int32Array([2]) }) }]), FormatError);
  assert.throws(() => checkGgufSplit([{ ...ok[0], tensors: [{ name: 'x' }, { name: 'x' }] }, ok[1]]),
    (e) => e instanceof FormatError && /a: tensor x is there twice/.test(e.message));
});

let hub;
test('a Hub repository\'s split model: { quant } and { file } of its first part load all parts', async (t) => {
  hub = await startFakeHub();
  t.after(() => hub.close());
  env.remoteHost = hub.url;
  env.cacheDir = freshCache();
  env.allowRemoteModels = true;
  const id = uniqueId('kq-split');
  const files = { 'README.md': '# split' };
  parts.forEach((p, i) => { files[`Llama-KQ-Q4_K_M-0000${i + 1}-of-00003.gguf`] = readFileSync(p); });
  files['Llama-KQ-Q5_K_M.gguf'] = readFileSync(new URL('llama-kq-Q5_K_M.gguf', kquant));
  hub.addRepo(id, files);
  await assertSameModel(id, { quant: 'Q4_K_M' });
  await assertSameModel(id, { file: 'Llama-KQ-Q4_K_M-00001-of-00003.gguf' });
  await assert.rejects(loadModel(id, { file: 'Llama-KQ-Q4_K_M-00002-of-00003.gguf' }), InvalidArgumentError);
  const gap = uniqueId('kq-split-gap');
  hub.addRepo(gap, { 'M-Q4_K_M-00001-of-00003.gguf': files['Llama-KQ-Q4_K_M-00001-of-00003.gguf'],
    'M-Q4_K_M-00003-of-00003.gguf': files['Llama-KQ-Q4_K_M-00003-of-00003.gguf'] });
  await assert.rejects(loadModel(gap, { quant: 'Q4_K_M' }), (e) => e instanceof HubError && /lacks part M-Q4_K_M-00002-of-00003\.gguf/.test(e.message));
});

test('WorkerEngine.loadModel takes a split model\'s parts (bytes) and a GGUF Blob, as loadModel does', async () => {
  const { WorkerEngine } = await import('../../dist/index.js');
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    for (const source of [parts.map(bytesOf), new Blob([readFileSync(single)])]) {
      const model = await engine.loadModel(source);
      try {
        assert.deepEqual(model.info.ggmlTypes, reference.types);
        const { logits } = await model.forward(IDS);
        assert.ok(logits.every((v, i) => Object.is(v, reference.logits[i])), 'logits differ from the single file\'s');
      } finally {
        model.dispose();
      }
    }
  } finally {
    engine.terminate();
  }
});
