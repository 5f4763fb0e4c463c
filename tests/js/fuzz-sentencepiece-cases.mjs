// The mutated-model cases of fuzz-sentencepiece.test.mjs, run in a worker under its watchdog
// (fuzz-worker.mjs), and the random strings both use.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isMainThread, workerData } from 'node:worker_threads';
import { loadSentencePieceTokenizer, QkvError } from '../../dist/index.js';
import { serveFuzzCases } from './fuzz-worker.mjs';

const fixture = (path) => new Uint8Array(readFileSync(new URL(`../fixtures/${path}`, import.meta.url)));

export function rng(seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { next, int: (n) => Math.floor(next() * n), pick: (a) => a[Math.floor(next() * a.length)] };
}

function mutate(r, bytes) {
  const b = [...bytes];
  const steps = 1 + r.int(4);
  for (let k = 0; k < steps; k++) {
    const at = r.int(b.length + 1);
    switch (r.int(5)) {
      case 0: b[at] = r.int(256); break;
      case 1: b.length = at; break;
      case 2: b.splice(at, 0, ...Array.from({ length: 1 + r.int(8) }, () => r.int(256))); break;
      case 3: b.splice(at, 1 + r.int(16)); break;
      default: b.splice(at, 0, ...b.slice(r.int(b.length), r.int(b.length))); break;
    }
  }
  return Uint8Array.from(b.map((x) => x & 255));
}

const PIECES = ['a', 'hello', ' ', '   ', '\t', '\n', 'é', 'e\u0301', 'ﬁ', '中文', '🦙', '👨‍👩‍👧', '\u0000', '\uD800', '\uDC00x',
  '<s>', '</s>', '<unk>', '<0x41>', '\u2581', '\uFEFF', 'ｆｕｌｌ', '①', '\u00a0', '\u3000', 'Straße'];
export const randomText = (r) => Array.from({ length: r.int(12) }, () => (r.next() < 0.8 ? r.pick(PIECES) : String.fromCodePoint(r.int(0x11000)))).join('');

/** encode / decode / stream only ever throw QkvErrors (a decode of ids out of range is one). */
function exercise(tokenizer, r, where) {
  const onlyQkv = (fn) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof QkvError, `${where}: ${e?.stack ?? e}`);
    }
  };
  for (let k = 0; k < 3; k++) {
    const s = randomText(r);
    onlyQkv(() => tokenizer.decode(tokenizer.encode(s)));
    onlyQkv(() => tokenizer.encodeWithOffsets(s));
    const ids = Array.from({ length: r.int(6) }, () => r.int(tokenizer.vocabSize + 2));
    onlyQkv(() => tokenizer.decode(ids));
    onlyQkv(() => {
      const stream = tokenizer.createDecodeStream();
      for (const id of ids) stream.push(id);
      stream.flush();
    });
  }
}

/** Each case: a mutated copy of a small model file, read, then its tokenizer exercised. Returns how many read. */
function runMutations({ seed, cases }, progress) {
  const models = Object.entries({ 'bpe-bytes': fixture('sentencepiece/bpe-bytes.model'), target: fixture('marian-tokenizer/target.spm') });
  const r = rng(seed);
  let read = 0;
  for (let i = 0; i < cases; i++) {
    progress(i);
    const [name, bytes] = r.pick(models);
    const mutated = mutate(r, bytes);
    const where = `case ${i} (QKV_FUZZ_SEED=${seed}, ${name})`;
    let tokenizer;
    try {
      tokenizer = loadSentencePieceTokenizer(mutated, name);
    } catch (e) {
      assert.ok(e instanceof QkvError, `${where}: ${e?.stack ?? e}`);
      continue;
    }
    read++;
    exercise(tokenizer, r, where);
  }
  return { read };
}

if (!isMainThread) serveFuzzCases(runMutations, workerData);
