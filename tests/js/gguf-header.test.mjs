// web/src/weights/gguf-header.ts over wasm-build/gguf_bindings.cc: the GGUF
// fixtures of tests/fixtures/gguf (written by an independent Python writer)
// read through a ByteSource from a small first read grown as the parser asks,
// compared with the writer's account of each file (NAME.json); reads only go
// forward and stop at the header; hostile files give named qkv errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { env, FormatError, UnsupportedError } from '../../dist/index.js';
import { getBackend } from '../../dist/backend.js';
import { bufferSource } from '../../dist/io/byte-source.js';
import { readGgufHeader } from '../../dist/weights/gguf-header.js';

env.wasm.numThreads = 1;

const dir = new URL('../fixtures/gguf/', import.meta.url);
const fixtures = ['values-v3', 'tokenizer-v2', 'all-types', 'no-tensors'];
const load = (name) => ({
  bytes: new Uint8Array(readFileSync(new URL(`${name}.gguf`, dir))),
  manifest: JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')),
});

/** A source that records its reads. */
function recorded(name, bytes) {
  const src = bufferSource(name, bytes);
  const reads = [];
  return {
    reads,
    source: { ...src, name, size: src.size, read: (offset, dst) => { reads.push([offset, dst.length]); return src.read(offset, dst); } },
  };
}

/** Compares a decoded value with the writer's JSON value of type `spec`. */
function expectValue(value, spec, expected, where) {
  if (spec.startsWith('arr[')) {
    const inner = spec.slice(4, -1);
    assert.equal(value.length, expected.length, where);
    for (let i = 0; i < expected.length; i++) expectValue(value[i], inner, expected[i], `${where}[${i}]`);
    return;
  }
  if (spec === 'u64' || spec === 'i64') {
    assert.equal(typeof value, 'bigint', where);
    assert.equal(Number(value), expected, where); // JSON.parse rounds 64-bit integers; exact ones are checked below
  } else {
    assert.equal(value, expected, where);
  }
}

test('every fixture reads as the writer wrote it, from a 16-byte first read', async () => {
  const backend = await getBackend();
  for (const name of fixtures) {
    const { bytes, manifest } = load(name);
    const { source, reads } = recorded(name, bytes);
    const h = await readGgufHeader(backend, source, { initialBytes: 16 });
    assert.equal(h.version, manifest.version, name);
    assert.equal(h.alignment, manifest.alignment, name);
    assert.equal(h.headerBytes, manifest.header_bytes, name);
    assert.equal(h.dataOffset, manifest.data_offset, name);
    assert.deepEqual([...h.metadata.keys()], manifest.metadata.map((m) => m.key), name);
    for (const m of manifest.metadata) expectValue(h.metadata.get(m.key), m.type, m.value, `${name}: ${m.key}`);
    assert.deepEqual(h.tensors, manifest.tensors.map((t) => ({ name: t.name, type: t.type, typeName: t.type_name, dims: t.dims, offset: t.offset, nbytes: t.nbytes })), name);
    // Forward only, contiguous, never past the header's end.
    let at = 0;
    for (const [offset, length] of reads) {
      assert.equal(offset, at, `${name}: reads ${JSON.stringify(reads)}`);
      at += length;
    }
    assert.ok(at <= Math.max(16, 2 * manifest.header_bytes), `${name}: read ${at} bytes for a ${manifest.header_bytes}-byte header`);
  }
});

test('value types: exact 64-bit integers, typed arrays, string arrays, nested arrays', async () => {
  const h = await readGgufHeader(await getBackend(), bufferSource('v.gguf', load('values-v3').bytes));
  assert.equal(h.metadata.get('test.u64'), 18446744073709551615n);
  assert.equal(h.metadata.get('test.i64'), -9223372036854775808n);
  assert.ok(h.metadata.get('test.arr_f32') instanceof Float32Array);
  assert.ok(h.metadata.get('test.arr_u8') instanceof Uint8Array);
  assert.deepEqual(h.metadata.get('test.arr_u64'), new BigUint64Array([2n ** 40n]));
  assert.deepEqual(h.metadata.get('test.arr_str'), ['a', '', '<0x0A>', '▁the']);
  assert.deepEqual(h.metadata.get('test.arr_arr_str'), [['x', 'yz'], ['w']]);
  assert.equal(h.metadata.get('general.name'), 'värden ✓ 値');
  assert.equal(h.types.get('test.arr_i32'), 'arr[i32,3]');
  assert.equal(h.types.get('llama.context_length'), 'u64');
  const t = load('tokenizer-v2');
  const k = await readGgufHeader(await getBackend(), bufferSource('t.gguf', t.bytes));
  assert.ok(k.metadata.get('tokenizer.ggml.scores') instanceof Float32Array);
  assert.equal(k.metadata.get('tokenizer.ggml.tokens').length, 300);
});

/** Little-endian GGUF bytes from parts: strings, [u32], [u64, 'u64'], [u8, 'u8']. */
function gguf(...parts) {
  const out = [];
  const le = (v, n) => { let x = BigInt(v); for (let i = 0; i < n; i++) { out.push(Number(x & 0xffn)); x >>= 8n; } };
  for (const p of parts) {
    if (typeof p === 'string') { le(Buffer.byteLength(p), 8); out.push(...Buffer.from(p)); }
    else if (p[1] === 'u64') le(p[0], 8);
    else if (p[1] === 'u8') le(p[0], 1);
    else le(p[0], 4);
  }
  return new Uint8Array(out);
}
const magic = [0x46554747];

test('hostile headers are named qkv errors', async () => {
  const backend = await getBackend();
  const read = (bytes) => readGgufHeader(backend, bufferSource('bad.gguf', bytes), { initialBytes: 8 });
  await assert.rejects(read(gguf(magic, [1], [0, 'u64'], [0, 'u64'])), (e) => e instanceof UnsupportedError && /GGUF version 1 is not supported/.test(e.message));
  await assert.rejects(read(gguf(magic, [3], [0, 'u64'], [1, 'u64'], 'a.flag', [7], [2, 'u8'], [0, 'u64'])),
    (e) => e instanceof FormatError && /bad\.gguf: metadata key "a\.flag": bool value at offset \d+ is 2/.test(e.message));
  await assert.rejects(read(gguf(magic, [3], [0, 'u64'], [1, 'u64'], 'tokenizer.ggml.tokens', [9], [8], [2n ** 60n, 'u64'], [0, 'u64'])),
    (e) => e instanceof FormatError && /"tokenizer\.ggml\.tokens".*1152921504606846976 elements.*run past the end/.test(e.message));
  // Every truncation of a real file: a FormatError naming the file's size.
  const { bytes, manifest } = load('values-v3');
  for (let n = 0; n < manifest.header_bytes; n += 7) {
    await assert.rejects(read(bytes.slice(0, n)), (e) => e instanceof FormatError && e.message.includes(`${n}`), `cut at ${n}`);
  }
});
