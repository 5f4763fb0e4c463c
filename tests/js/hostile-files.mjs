// Shared by hostile-inputs, resources and downloads tests: fixture bytes,
// safetensors taken apart and rebuilt, a small tokenizer (so that hundreds
// of failing loads do not each parse a 1.3 MB tokenizer.json), named-error
// assertions and the "a valid model still works" check.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixtures, reference } from './fixtures.mjs';
import { QkvError, loadModel } from '../../dist/index.js';
import { getBackend } from '../../dist/backend.js';

const cache = new Map();
/** Bytes of a fixture file (cached; callers must not modify them). */
export function read(model, name) {
  const key = `${model}/${name}`;
  if (!cache.has(key)) cache.set(key, readFileSync(new URL(key, fixtures)));
  return cache.get(key);
}

export const encodeJson = (value) => new TextEncoder().encode(JSON.stringify(value));

/** A GPT-2 byte-level BPE tokenizer.json cut to its 256 byte tokens (and <|endoftext|>). */
export function smallTokenizer(model = 'gpt2-tiny') {
  const key = `small:${model}`;
  if (!cache.has(key)) {
    const t = JSON.parse(read(model, 'tokenizer.json'));
    const vocab = Object.fromEntries(Object.entries(t.model.vocab).filter(([, id]) => id < 256));
    t.model.vocab = vocab;
    t.model.merges = t.model.merges.filter((m) => {
      const [a, b] = typeof m === 'string' ? m.split(' ') : m;
      return a in vocab && b in vocab && (a + b) in vocab;
    });
    cache.set(key, encodeJson(t));
  }
  return cache.get(key);
}

/** { config, weights, tokenizer } of a fixture as bytes, with changes; the small tokenizer unless told. */
export function filesOf(model, changes = {}, { fullTokenizer = false } = {}) {
  return {
    config: read(model, 'config.json'),
    weights: read(model, 'model.safetensors'),
    tokenizer: fullTokenizer ? read(model, 'tokenizer.json') : smallTokenizer(model),
    ...changes,
  };
}

/** A safetensors file taken apart: its header object (parsed), header length and data area. */
export function splitSafetensors(bytes) {
  const headerLength = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  return { header, headerLength, data: bytes.subarray(8 + headerLength) };
}

/** A safetensors file from a header object (or raw header text) and a data area. */
export function buildSafetensors(header, data) {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** The tensors of a header in file order: [{ name, begin, end }] with absolute offsets. */
export function tensorsInOrder(bytes) {
  const { header, headerLength } = splitSafetensors(bytes);
  return Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, t]) => ({ name, begin: 8 + headerLength + t.data_offsets[0], end: 8 + headerLength + t.data_offsets[1] }))
    .sort((a, b) => a.begin - b.begin);
}

/**
 * Awaits a rejection that must be an Error of class `Class` (a QkvError
 * subclass, or 'AbortError' by name) whose message matches `pattern`.
 */
export async function expectError(promiseOrFn, Class, pattern, what = '') {
  let error;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `${what}: expected ${Class.name ?? Class}, but it succeeded`);
  assert.ok(error instanceof Error, `${what}: a bare ${typeof error} was thrown: ${String(error)}`);
  if (Class === 'AbortError') {
    assert.equal(error.name, 'AbortError', `${what}: ${error}`);
  } else {
    assert.ok(error instanceof QkvError, `${what}: not a QkvError: ${error?.stack ?? error}`);
    const classes = Array.isArray(Class) ? Class : [Class];
    assert.ok(classes.some((c) => error instanceof c),
      `${what}: expected ${classes.map((c) => c.name).join(' or ')}, got ${error.name}: ${error.message}`);
    assert.match(error.message, pattern, what);
  }
  return error;
}

/** The token ids a generate() iterator yields (not the -1 of a last item that only releases held-back text). */
export const drain = async (iterator) => {
  const tokens = [];
  for await (const { token } of iterator) if (token >= 0) tokens.push(token);
  return tokens;
};

/**
 * The model reproduces the fixture's greedy continuations, checked with one
 * forward pass per prompt (argmax of each position equals the next reference
 * id), so no text is decoded and the small tokenizer suffices.
 */
export async function assertGreedy(model, name = 'gpt2-tiny') {
  const vocab = model.info.nVocab;
  for (const prompt of reference(name).prompts.slice(0, 2)) {
    const ids = [...prompt.ids, ...prompt.greedy.ids].slice(0, model.info.nCtx);
    const { logits } = await model.forward(ids);
    for (let pos = prompt.ids.length - 1; pos < ids.length - 1; pos++) {
      let best = 0;
      for (let v = 1; v < vocab; v++) if (logits[pos * vocab + v] > logits[pos * vocab + best]) best = v;
      assert.equal(best, ids[pos + 1], `${name}: greedy token after position ${pos}`);
    }
  }
}

/** A fresh gpt2-tiny (or llama-tiny) still loads in this wasm instance and reproduces the reference. */
export async function assertFreshModelWorks(name = 'gpt2-tiny') {
  const model = await loadModel(filesOf(name));
  try {
    await assertGreedy(model, name);
  } finally {
    model.dispose();
  }
}

/** The realm's wasm module (the tests' window into allocator statistics). */
export async function wasmModule() {
  const backend = await getBackend();
  return backend.call((m) => m);
}

/** Bytes malloc'ed in wasm memory and not freed, and the memory's size (dist/wasm heapStats export). */
export async function wasmHeap() {
  const m = await wasmModule();
  return m.heapStats();
}
