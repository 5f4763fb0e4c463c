// Fuzzing createTokenizer and the tokenizers it builds, from fixed seeds (so
// a failure names a case that replays exactly):
//
// 1. Mutated tokenizer.json documents — the five fixture tokenizers with
//    their vocabularies cut to a few hundred entries, then values replaced by
//    other types and out-of-range numbers, keys deleted or added, stage types
//    swapped, strings given lone surrogates, stages nested thousands deep, and
//    the JSON text itself damaged. createTokenizer must throw a QkvError
//    subclass or return a tokenizer whose encode/decode/stream/idToToken in
//    turn only ever throw QkvErrors; a case that runs for more than a few
//    seconds is a hang. The cases run in a worker so that a hang is caught by
//    a watchdog rather than stalling the suite.
// 2. Random strings (emoji and ZWJ sequences, lone and reversed surrogates,
//    combining marks, control characters, noncharacters, very long runs)
//    through the GPT-2, LLaMA, Qwen2, BERT and Unigram fixture tokenizers: encode and
//    decode never throw, and decode(encode(s)) gives s back where the
//    tokenizer is lossless. "Lossless" here means, for a string s:
//    - GPT-2 (byte-level BPE, no normalizer): s.toWellFormed(). Text is
//      encoded as UTF-8, and a lone surrogate has no UTF-8 form, so it becomes
//      U+FFFD, as TextEncoder does; every well-formed string comes back as is.
//    - LLaMA (SentencePiece BPE with byte fallback): s.toWellFormed(), the
//      same way (with add_special_tokens: false: the BOS token would decode
//      as "<s>"), for text without its added tokens' strings ("<s>", "</s>",
//      "<unk>"). Such a string is matched as a special token, and the text
//      after it is normalized as a segment of its own, so the Prepend
//      normalizer gives it a "▁" that decodes as one more space
//      ("a<s>b" -> "a<s> b"), as Hugging Face's legacy LLaMA tokenizer does;
//      and without "▁" (U+2581), the character SentencePiece writes spaces as,
//      which decodes as a space.
//    - Qwen2 (byte-level BPE after an NFC normalizer): s.toWellFormed()
//      .normalize('NFC').
//    - BERT (WordPiece, lower-cased, accents and control characters dropped,
//      [UNK] for unknown words): not lossless; only no-throw and ids in range.
//
// QKV_FUZZ_CASES (default 1500) and QKV_FUZZ_SEED (default 1) scale and vary
// the run: QKV_FUZZ_CASES=100000 node --test tests/js/fuzz-tokenizer.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isMainThread, workerData } from 'node:worker_threads';
import { createTokenizer, FormatError, InvalidArgumentError, QkvError, UnsupportedError } from '../../dist/index.js';
import { runWatched, serveFuzzCases } from './fuzz-worker.mjs';

const fixtures = new URL('../fixtures/', import.meta.url);
const NAMES = ['gpt2', 'llama', 'qwen2', 'bert', 'unigram'];
const CASES = Number(process.env.QKV_FUZZ_CASES ?? 1500);
const SEED = Number(process.env.QKV_FUZZ_SEED ?? 1);
const HANG_MS = 10_000;

function readFixture(name) {
  return JSON.parse(readFileSync(new URL(`${name}-tokenizer/tokenizer.json`, fixtures), 'utf8'));
}

function rng(seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (a) => a[Math.floor(next() * a.length)],
  };
}

// ---------------------------------------------------------------------------
// Random strings

const PIECES = [
  'a', 'Z', 'hello', ' world', 'ing', "'s", "n't", '42', '3.14', '!', '?', '...', '<', '>', '|', '$', '€',
  ' ', '  ', '\t', '\n', '\r\n', '\n\n', '\u00a0', '\u3000', '\u2028', '\u0085',
  'é', 'e\u0301', '\u212b', 'A\u030a', '\u1100\u1161\u11a8', 'ß', 'Ж', 'ع', 'עברית', '中文', '日本', '한국어', 'ไทย', 'हिन्दी',
  '🦙', '😀', '👍🏽', '👨‍👩‍👧‍👦', '🇫🇷', '❤️', '\u{10FFFF}', '\u{E0001}', '\uFFFD', '\uFFFE', '\uFEFF', '\u200b', '\u200d', '\u202e',
  '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDC00\uD800', '\uD83E', '\uDD99',
  '\u0301', '\u0308\u0308\u0308', '\u0300\u0316\u0340', '\u20DD',
  '\u0000', '\u0001', '\u0007', '\u001b[0m', '\u007f', '\u009f',
  '<|endoftext|>', '<|im_start|>', '<s>', '</s>', '<unk>', '[CLS]', '[SEP]', '[UNK]', '[MASK]', '##', '▁', 'Ġ', 'Ċ',
];

function randomCodePoint(r) {
  switch (r.int(4)) {
    case 0: return String.fromCharCode(r.int(0x80));
    case 1: return String.fromCharCode(r.int(0x800));
    case 2: return String.fromCharCode(r.int(0x10000)); // lone surrogates included
    default: return String.fromCodePoint(0x10000 + r.int(0x100000));
  }
}

function randomString(r) {
  const kind = r.int(20);
  if (kind === 0) return '';
  if (kind === 1) { // a very long run of one piece
    const piece = r.pick(PIECES);
    return piece.repeat(Math.max(1, Math.floor((500 + r.int(4000)) / piece.length)));
  }
  let s = '';
  const n = 1 + r.int(kind < 10 ? 8 : 24);
  for (let i = 0; i < n; i++) s += r.next() < 0.7 ? r.pick(PIECES) : randomCodePoint(r);
  return s;
}

const EXPECTED = {
  gpt2: (s) => s.toWellFormed(),
  llama: (s) => (/<s>|<\/s>|<unk>|\u2581/.test(s) ? undefined : s.toWellFormed()),
  qwen2: (s) => s.toWellFormed().normalize('NFC'),
  bert: null,
};

// ---------------------------------------------------------------------------
// Mutated documents

// The fixture with its vocabulary cut to the first `keep` ids and its merges
// to those whose parts and result survive, so that one createTokenizer costs
// well under a millisecond.
function shrink(doc, keep) {
  if (Array.isArray(doc.model.vocab)) return shrinkUnigram(doc, keep);
  const out = structuredClone({ ...doc, model: { ...doc.model, vocab: {}, merges: [] } });
  const vocab = {};
  for (const [token, id] of Object.entries(doc.model.vocab)) if (id < keep) vocab[token] = id;
  out.model.vocab = vocab;
  if (Array.isArray(doc.model.merges)) {
    out.model.merges = doc.model.merges.filter((m) => {
      const [a, b] = typeof m === 'string' ? m.split(' ') : m;
      return a in vocab && b in vocab && (a + b) in vocab;
    }).slice(0, 300);
  } else {
    delete out.model.merges;
  }
  const ids = Object.values(vocab).length;
  out.added_tokens = (doc.added_tokens ?? []).filter((t) => t.id < ids || !(t.content in doc.model.vocab))
    .map((t, i) => ({ ...t, id: t.id < ids ? t.id : ids + i }));
  return out;
}

// A Unigram document (vocab: [[piece, score], ...]) cut to its first `keep` pieces.
function shrinkUnigram(doc, keep) {
  const out = structuredClone({ ...doc, model: { ...doc.model, vocab: doc.model.vocab.slice(0, keep) } });
  out.added_tokens = (doc.added_tokens ?? []).filter((t) => t.id < keep);
  return out;
}

function collectTypes(node, types) {
  if (Array.isArray(node)) node.forEach((n) => collectTypes(n, types));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'type' && typeof v === 'string') types.add(v);
      if (k !== 'vocab') collectTypes(v, types);
    }
  }
}

// Every [parent, key] in the document down to 40 levels (an earlier mutation
// may have nested a stage thousands deep), skipping most of the vocabulary.
function paths(node, out, r, depth = 0) {
  if (node === null || typeof node !== 'object' || depth > 40) return out;
  const keys = Array.isArray(node) ? node.keys() : Object.keys(node);
  for (const k of keys) {
    out.push([node, k]);
    const child = node[k];
    if (child && typeof child === 'object' && !(k === 'vocab' && r.next() < 0.8)) paths(child, out, r, depth + 1);
  }
  return out;
}

function nested(type, key, depth) {
  let node = { type: 'Lowercase' };
  if (type === 'Sequence') {
    for (let i = 0; i < depth; i++) node = { type, [key]: [node] };
  } else {
    for (let i = 0; i < depth; i++) node = [node];
  }
  return node;
}

function randomValue(r, types) {
  switch (r.int(22)) {
    case 0: return null;
    case 1: return r.next() < 0.5;
    case 2: return 0;
    case 3: return -1;
    case 4: return 1.5;
    case 5: return 2 ** 31;
    case 6: return 2 ** 53 + 2;
    case 7: return 1e308;
    case 8: return NaN;
    case 9: return -0;
    case 10: return '';
    case 11: return randomString(r);
    case 12: return [];
    case 13: return {};
    case 14: return { type: r.pick([...types]) };
    case 15: return [randomValue(r, types), randomValue(r, types)];
    case 16: return { String: randomString(r) };
    case 17: return { Regex: r.pick(['(', '[', 'a{99999}', '(?<x>a)\\k<x>', '\\p{Bogus}', '(a*)*b', '', '\\', '(?i:x', '[^]']) };
    case 18: return r.pick([...types]);
    case 19: return 'x'.repeat(100_000);
    case 20: return [...Array(1000)].map((_, i) => i);
    default: return Object.create(null);
  }
}

function mutate(doc, r, types) {
  const all = paths(doc, [], r);
  if (all.length === 0) return;
  const [parent, key] = r.pick(all);
  switch (r.int(9)) {
    case 0: // delete
      if (Array.isArray(parent)) parent.splice(key, 1); else delete parent[key];
      break;
    case 1: // add an unknown key, or an element
      if (Array.isArray(parent)) parent.push(randomValue(r, types)); else parent[`k${r.int(5)}`] = randomValue(r, types);
      break;
    case 2: // swap a stage type for another one
      if (parent[key] && typeof parent[key] === 'object') parent[key].type = r.pick([...types, 'Bogus', '', 'constructor', '__proto__']);
      else parent[key] = r.pick([...types]);
      break;
    case 3: { // damage a string
      const v = parent[key];
      if (typeof v === 'string') {
        const at = r.int(v.length + 1);
        parent[key] = v.slice(0, at) + r.pick(['\uD800', '\uDC00', '\u0000', ' ', '', '\u0301', '🦙']) + v.slice(at + r.int(2));
      } else parent[key] = randomValue(r, types);
      break;
    }
    case 4: { // a number off by one, negated, huge or fractional
      const v = parent[key];
      if (typeof v === 'number') parent[key] = r.pick([v + 1, v - 1, -v, v * 1e9, v + 0.5, 2 ** 32 + v]);
      else parent[key] = randomValue(r, types);
      break;
    }
    case 5: // duplicate an element (e.g. the same vocabulary id twice); shared, not cloned, as it may be deep
      if (Array.isArray(parent)) parent.push(parent[key]);
      else parent[`${key}_`] = parent[key];
      if (parent === doc.model?.vocab) parent[`${key}x`] = parent[key];
      break;
    case 6: { // a stage nested thousands deep
      const which = r.pick([['normalizer', 'normalizers'], ['pre_tokenizer', 'pretokenizers'], ['decoder', 'decoders'],
        ['post_processor', 'processors']]);
      doc[which[0]] = nested(r.next() < 0.8 ? 'Sequence' : 'array', which[1], r.pick([50, 2000, 20000]));
      break;
    }
    default:
      parent[key] = randomValue(r, types);
  }
}

function damageText(text, r) {
  let t = text;
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const at = r.int(t.length + 1);
    switch (r.int(4)) {
      case 0: t = t.slice(0, at) + t.slice(at + 1 + r.int(8)); break;
      case 1: t = t.slice(0, at) + r.pick(['0', '-', '"', ',', '[', ']', '{', '}', 'null', '1e999', '\\u0000']) + t.slice(at); break;
      case 2: t = t.slice(0, at); break;
      default: t = t.slice(0, at) + t.slice(at, at + 20) + t.slice(at); break;
    }
  }
  return t;
}

// ---------------------------------------------------------------------------
// The worker: runs the cases and reports progress, so the main thread can
// tell a hang from slow progress.

function runCases({ seed, cases }, progress) {
  const docs = NAMES.map((name) => shrink(readFixture(name), 400));
  const types = new Set();
  docs.forEach((d) => collectTypes(d, types));
  const stats = { built: 0, rejected: 0, skippedJson: 0, encodes: 0, errorsByClass: {} };
  const fail = (i, what, e) => {
    throw new Error(`case ${i} (QKV_FUZZ_SEED=${seed}): ${what} threw ${e?.name}: ${String(e?.message ?? e).slice(0, 200)}\n${
      String(e?.stack).split('\n').filter((l) => l.trim().startsWith('at ')).slice(0, 8).join('\n')}`);
  };
  // Each case gets its own generator, so that it replays alone.
  for (let i = 0; i < cases; i++) {
    progress(i);
    const r = rng(seed * 1_000_003 + i);
    const base = docs[i % docs.length];
    let doc;
    if (r.next() < 0.2) {
      try {
        doc = JSON.parse(damageText(JSON.stringify(base), r));
      } catch {
        stats.skippedJson++; // not qkv's input: the caller's JSON.parse refused it
        continue;
      }
    } else {
      doc = structuredClone(base);
      for (let m = 1 + r.int(4); m > 0; m--) mutate(doc, r, types);
    }
    let tokenizer;
    try {
      tokenizer = createTokenizer(doc);
    } catch (e) {
      if (!(e instanceof QkvError)) fail(i, 'createTokenizer', e);
      stats.rejected++;
      stats.errorsByClass[e.constructor.name] = (stats.errorsByClass[e.constructor.name] ?? 0) + 1;
      continue;
    }
    stats.built++;
    const call = (what, f) => {
      try {
        return f();
      } catch (e) {
        if (!(e instanceof QkvError)) fail(i, what, e);
        return undefined;
      }
    };
    for (let k = 0; k < 3; k++) {
      const text = randomString(r);
      const ids = call('encode', () => tokenizer.encode(text, { add_special_tokens: r.next() < 0.5 }));
      stats.encodes++;
      if (ids) {
        call('decode', () => tokenizer.decode(ids));
        call('decode skipping special tokens', () => tokenizer.decode(ids, { skip_special_tokens: true }));
        const stream = call('createDecodeStream', () => tokenizer.createDecodeStream());
        if (stream) {
          for (const id of ids) call('DecodeStream.push', () => stream.push(id));
          call('DecodeStream.flush', () => stream.flush());
        }
      }
    }
    const odd = [0, 1, -1, 0.5, NaN, 2 ** 31, tokenizer.vocabSize, tokenizer.vocabSize - 1, r.int(500)];
    call('decode of odd ids', () => tokenizer.decode(odd));
    for (const id of odd) call('idToToken', () => tokenizer.idToToken(id));
  }
  return stats;
}

if (!isMainThread) {
  serveFuzzCases(runCases, workerData);
} else {
  test(`${CASES} mutated tokenizer.json documents give a tokenizer or a QkvError, never another exception or a hang`, async () => {
    const started = performance.now();
    const result = await runWatched(new URL(import.meta.url), { seed: SEED, cases: CASES }, { hangMs: HANG_MS, seed: SEED });
    const seconds = (performance.now() - started) / 1000;
    console.log(`fuzz-tokenizer: ${CASES} documents in ${seconds.toFixed(1)} s: ${result.built} built `
      + `(${result.encodes} encodes), ${result.rejected} rejected ${JSON.stringify(result.errorsByClass)}, `
      + `${result.skippedJson} not JSON`);
    // The mutations must leave some documents valid, or the built tokenizers go untested.
    assert.ok(result.built > CASES / 20, `only ${result.built} of ${CASES} documents built a tokenizer`);
    assert.ok(result.rejected > CASES / 20, `only ${result.rejected} of ${CASES} documents were rejected`);
  });

  test('what the fuzzer found: deep nesting, cycles, BigInts, huge patterns and Object.prototype names give a QkvError, not a RangeError, TypeError or SyntaxError', () => {
    const doc = shrink(readFixture('llama'), 400);
    const deep = (type, key, depth) => {
      let node = { type: 'Lowercase' };
      for (let i = 0; i < depth; i++) node = { type, [key]: [node] };
      return node;
    };
    // Sequences nested past the stack (was: RangeError: Maximum call stack size exceeded).
    for (const [field, key] of [['normalizer', 'normalizers'], ['pre_tokenizer', 'pretokenizers'], ['decoder', 'decoders'],
      ['post_processor', 'processors']]) {
      assert.throws(() => createTokenizer({ ...doc, [field]: deep('Sequence', key, 20000) }),
        (e) => e instanceof FormatError && /nests Sequences more than 16 deep/.test(e.message), field);
    }
    // A cyclic Sequence (a caller's object, not parsed JSON).
    const cyclic = { type: 'Sequence', decoders: [] };
    cyclic.decoders.push(cyclic);
    assert.throws(() => createTokenizer({ ...doc, decoder: cyclic }), (e) => e instanceof FormatError);
    // Messages that quote the bad value: an array nested past the stack, a cyclic value, a BigInt
    // (was: RangeError from JSON.stringify, TypeError "Converting circular structure" / "Do not know how to serialize a BigInt").
    let array = [];
    for (let i = 0; i < 20000; i++) array = [array];
    assert.throws(() => createTokenizer({ ...doc, decoder: array }), (e) => e instanceof FormatError && /found an array/.test(e.message));
    const loop = {};
    loop.self = loop;
    assert.throws(() => createTokenizer({ ...doc, model: { ...doc.model, type: loop } }), (e) => e instanceof UnsupportedError);
    assert.throws(() => createTokenizer({ ...doc, normalizer: 1n }), (e) => e instanceof FormatError && /found 1n/.test(e.message));
    // An added token too long for V8 to compile the matching regex (was: SyntaxError from encode).
    const longToken = { id: 400, content: 'x'.repeat(100_000), special: true, normalized: false, lstrip: false, rstrip: false, single_word: false };
    assert.throws(() => createTokenizer({ ...doc, added_tokens: [...doc.added_tokens, longToken] }),
      (e) => e instanceof UnsupportedError && /too large/.test(e.message));
    // The same for a Replace pattern.
    const replace = { type: 'Replace', pattern: { String: 'x'.repeat(100_000) }, content: 'y' };
    assert.throws(() => createTokenizer({ ...doc, normalizer: replace }),
      (e) => e instanceof UnsupportedError && /normalizer\.pattern\.String cannot be run: .*too large/.test(e.message));
    // A model type naming a member of Object.prototype (was: TypeError "model.vocab.get is not a function").
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.throws(() => createTokenizer({ ...doc, model: { ...doc.model, type } }), (e) => e instanceof UnsupportedError, type);
    }
    const tokenizer = createTokenizer(doc);
    assert.throws(() => tokenizer.encode('a', { add_special_tokens: 1n }), (e) => e instanceof InvalidArgumentError && /got 1n/.test(e.message));
    // Sequences nested 16 deep are still read.
    assert.equal(createTokenizer({ ...doc, normalizer: deep('Sequence', 'normalizers', 16) }).encode('AB', { add_special_tokens: false }).length > 0, true);
  });

  for (const name of NAMES) {
    test(`random strings through the ${name} tokenizer: no throw${EXPECTED[name] ? ', decode(encode(s)) is lossless' : ', ids in range'}`, () => {
      const tokenizer = createTokenizer(readFixture(name));
      const expected = EXPECTED[name];
      const r = rng(SEED * 7919 + name.length);
      const count = Math.max(200, Math.floor(CASES / 3));
      for (let i = 0; i < count; i++) {
        const s = randomString(r);
        const label = `${name} string ${i} (QKV_FUZZ_SEED=${SEED}): ${JSON.stringify(s.slice(0, 80))}`;
        const ids = tokenizer.encode(s, { add_special_tokens: false });
        for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize, label);
        const text = tokenizer.decode(ids);
        const want = expected?.(s);
        if (want !== undefined) assert.equal(text, want, label);
        const stream = tokenizer.createDecodeStream();
        const streamed = ids.map((id) => stream.push(id)).join('') + stream.flush();
        assert.equal(streamed, text, `${label}: streamed decode`);
        tokenizer.encode(s); // with special tokens too
      }
    });
  }
}
