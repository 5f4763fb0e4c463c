// The Qwen2 (byte-level BPE with a Split regex) tokenizer through the public
// createTokenizer(), on the tokenizer.json of Qwen1.5 rebuilt from llama.cpp's
// vocab (tests/fixtures/qwen2-tokenizer), against llama.cpp's golden vectors and
// Hugging Face tokenizers' own references.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTokenizer, FormatError, UnsupportedError } from '../../dist/index.js';
import {
  assertGoldens, assertReferences, assertStreamingMatchesDecode, brokenTokenizer, goldenCases, readTokenizerJson, referenceCases,
  UNICODE_TEXTS,
} from './tokenizer-cases.mjs';

const FOLDER = 'qwen2-tokenizer';
const tokenizer = createTokenizer(readTokenizerJson(FOLDER));
const [ENDOFTEXT, IM_START, IM_END] = [151643, 151644, 151645];
const tokens = (text) => tokenizer.encode(text).map((id) => tokenizer.idToToken(id));

test('encode matches llama.cpp golden vectors for Qwen2 (byte-level BPE, Split regex)', () => {
  assertGoldens(tokenizer, 'qwen2');
});

test('encode and decode match Hugging Face tokenizers on Unicode, control characters and special tokens', () => {
  assertReferences(tokenizer, FOLDER);
});

test("the Split regex's (?i:'s|'t|…) matches contractions in any case", () => {
  assert.deepEqual(tokens("It'S"), ['It', "'S"]);
  assert.deepEqual(tokens("it's"), ['it', "'s"]);
  assert.deepEqual(tokens("DON'T"), ['DON', "'T"]);
  // Followed by letters, only the case-insensitive alternatives keep the contraction apart
  // (ids checked against Hugging Face tokenizers).
  assert.deepEqual(tokens("I'Some"), ['I', "'S", 'ome']);
  assert.deepEqual(tokens("I'REDog"), ['I', "'RE", 'Dog']);
  assert.deepEqual(tokens("I'LLED"), ['I', "'", 'LL', 'ED']);
  // \p{N} splits digits one by one; a run of spaces keeps one for the next word.
  assert.deepEqual(tokens('123'), ['1', '2', '3']);
  assert.deepEqual(tokens('a   b'), ['a', 'ĠĠ', 'Ġb']);
});

test('Split behaviors cut the text as in Hugging Face', () => {
  // Tokens of 'the  cat sat' with the regex replaced by Split(" ", behavior, invert), from Hugging Face tokenizers.
  const expected = {
    Removed: 'the cat sat', 'Removed invert': 'Ġ Ġ Ġ',
    Isolated: 'the Ġ Ġ cat Ġ sat', 'Isolated invert': 'the Ġ Ġ cat Ġ sat',
    MergedWithPrevious: 'the Ġ Ġ cat Ġ sat', 'MergedWithPrevious invert': 'the Ġ Ġcat Ġsat',
    MergedWithNext: 'the Ġ Ġcat Ġsat', 'MergedWithNext invert': 'the Ġ Ġ cat Ġ sat',
    Contiguous: 'the ĠĠ cat Ġ sat', 'Contiguous invert': 'the ĠĠ cat Ġ sat',
  };
  for (const [name, want] of Object.entries(expected)) {
    const [behavior, invert] = name.split(' ');
    const json = readTokenizerJson(FOLDER);
    json.pre_tokenizer.pretokenizers[0] = { type: 'Split', pattern: { String: ' ' }, behavior, invert: invert === 'invert' };
    const t = createTokenizer(json);
    assert.equal(t.encode('the  cat sat').map((id) => t.idToToken(id)).join(' '), want, name);
  }
});

test('no special tokens are added, and added tokens are matched in the text', () => {
  for (const { text, ids } of goldenCases('qwen2')) assert.deepEqual(tokenizer.encode(text), ids);
  const ids = tokenizer.encode('<|im_start|>user\nhi<|im_end|><|endoftext|>');
  assert.equal(ids[0], IM_START);
  assert.deepEqual(ids.slice(-2), [IM_END, ENDOFTEXT]);
  assert.equal(tokenizer.decode(ids), '<|im_start|>user\nhi<|im_end|><|endoftext|>');
  assert.equal(tokenizer.decode(ids, { skip_special_tokens: true }), 'user\nhi');
  assert.equal(tokenizer.vocabSize, 151646);
});

test('decode(encode(text)) gives the text back in NFC (the normalizer)', () => {
  const texts = [...goldenCases('qwen2'), ...referenceCases(FOLDER)].map((c) => c.text);
  for (const text of texts) assert.equal(tokenizer.decode(tokenizer.encode(text)), text.normalize('NFC'), JSON.stringify(text));
  assert.deepEqual(tokenizer.encode('cafe\u0301'), tokenizer.encode('café'));
});

test('streaming decode equals decode and holds back characters split over tokens', () => {
  for (const text of UNICODE_TEXTS) assertStreamingMatchesDecode(tokenizer, text);
  const ids = tokenizer.encode('\u{20000}'); // a rare CJK character: its four bytes in three tokens
  assert.equal(ids.length, 3);
  const stream = tokenizer.createDecodeStream();
  assert.deepEqual(ids.map((id) => stream.push(id)), ['', '', '\u{20000}']);
  const cut = tokenizer.createDecodeStream();
  assert.equal(cut.push(ids[0]) + cut.flush(), '\ufffd');
});

test('bad Split pre-tokenizers and mismatched decoders are named errors', () => {
  const broken = (change) => brokenTokenizer(FOLDER, change);
  const split = (j) => j.pre_tokenizer.pretokenizers[0];
  assert.throws(broken((j) => { split(j).behavior = 'Sideways'; }),
    (e) => e instanceof FormatError && /pre_tokenizer\.pretokenizers\[0\]\.behavior must be one of Removed, Isolated/.test(e.message));
  assert.throws(broken((j) => { split(j).pattern = { Regex: '\\p{L}++' }; }),
    (e) => e instanceof UnsupportedError && /pre_tokenizer\.pretokenizers\[0\]\.pattern\.Regex/.test(e.message) && /possessive/.test(e.message));
  assert.throws(broken((j) => { split(j).pattern = { Regex: '(?>a|b)' }; }), (e) => e instanceof UnsupportedError && /atomic group/.test(e.message));
  assert.throws(broken((j) => { split(j).pattern = { Regex: '[[:alpha:]]' }; }), (e) => e instanceof UnsupportedError && /POSIX bracket/.test(e.message));
  assert.throws(broken((j) => { split(j).pattern = { Regex: '\\p{NoSuchThing}' }; }), (e) => e instanceof UnsupportedError && /NoSuchThing/.test(e.message));
  assert.throws(broken((j) => { split(j).pattern = { Regex: '(?m:.)' }; }), (e) => e instanceof UnsupportedError && /\(\?m:/.test(e.message));
  assert.throws(broken((j) => { j.pre_tokenizer.pretokenizers.splice(1, 0, { type: 'Digits' }); }),
    (e) => e instanceof UnsupportedError && /pre_tokenizer\.pretokenizers\[1\]\.type "Digits"/.test(e.message) && /Metaspace/.test(e.message));
  assert.throws(broken((j) => { j.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581' }; }),
    (e) => e instanceof UnsupportedError && /pre_tokenizer Metaspace with a ByteLevel decoder/.test(e.message));
  assert.throws(broken((j) => { j.normalizer = { type: 'NFC', extra: 1, normalizers: 3 }; j.decoder = { type: 'Sequence' }; }),
    (e) => e instanceof FormatError && /decoder\.decoders must be an array/.test(e.message));
});
