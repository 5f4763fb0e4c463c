// The BERT (WordPiece) tokenizer through the public createTokenizer(), on the
// tokenizer.json of bge-small-en-v1.5 rebuilt from llama.cpp's vocab
// (tests/fixtures/bert-tokenizer), against llama.cpp's golden vectors and
// Hugging Face tokenizers' own references.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTokenizer, FormatError } from '../../dist/index.js';
import { assertGoldens, assertReferences, brokenTokenizer, readTokenizerJson } from './tokenizer-cases.mjs';

const FOLDER = 'bert-tokenizer';
const tokenizer = createTokenizer(readTokenizerJson(FOLDER));
const [UNK, CLS, SEP] = [100, 101, 102];
const tokens = (text) => tokenizer.encode(text, { add_special_tokens: false }).map((id) => tokenizer.idToToken(id));

test('encode matches llama.cpp golden vectors for BERT (WordPiece)', () => {
  assertGoldens(tokenizer, 'bert-bge');
});

test('encode and decode match Hugging Face tokenizers on Unicode, control characters and special tokens', () => {
  assertReferences(tokenizer, FOLDER);
});

test('encode puts [CLS] before and [SEP] after by default', () => {
  assert.deepEqual(tokenizer.encode('Hello world'), [CLS, 7592, 2088, SEP]);
  assert.deepEqual(tokenizer.encode('Hello world', { add_special_tokens: false }), [7592, 2088]);
  assert.deepEqual(tokenizer.encode(''), [CLS, SEP]);
  assert.deepEqual(tokenizer.encode('[CLS] a [SEP]', { add_special_tokens: false }), [CLS, 1037, SEP]);
});

test('the BERT normalizer: lowercase, accents, control characters, CJK, punctuation', () => {
  assert.deepEqual(tokens('Ångström CAFÉ'), tokens('angstrom cafe'));
  assert.deepEqual(tokens('ΣΑΣ'), tokens('σασ')); // no final sigma: lowercased one character at a time
  assert.deepEqual(tokens('a\u0000b\u200bc\ufffd\u0007d'), tokens('abcd'));
  assert.deepEqual(tokens('a\tb\u00a0c\u3000d'), tokens('a b c d'));
  assert.deepEqual(tokens('中文'), ['中', '文']);
  assert.deepEqual(tokens('x$y'), ['x', '$', 'y']); // ASCII symbols count as punctuation
  assert.deepEqual(tokens('unaffable'), ['una', '##ffa', '##ble']); // greedy: the longest piece first
});

test('words with no pieces or too long become [UNK]', () => {
  assert.deepEqual(tokenizer.encode('🦙 ok', { add_special_tokens: false }), [UNK, 7929]);
  assert.deepEqual(tokens('a'.repeat(100)), ['aaa', ...Array(48).fill('##aa'), '##a']);
  assert.deepEqual(tokenizer.encode('a'.repeat(101), { add_special_tokens: false }), [UNK]);
});

test('decode gives the normalized, lowercased text', () => {
  const cases = [['Hello, World!', 'hello, world!'], ['The Quick  brown FOX.', 'the quick brown fox.'],
    ['Café au lait?', 'cafe au lait?'], ['unaffable', 'unaffable'],
    // Hugging Face's cleanup works within a token, so it never rejoins "don ' t".
    ["Don't stop", "don ' t stop"]];
  for (const [text, normalized] of cases) {
    assert.equal(tokenizer.decode(tokenizer.encode(text), { skip_special_tokens: true }), normalized);
    assert.equal(tokenizer.decode(tokenizer.encode(text)), `[CLS] ${normalized} [SEP]`);
  }
  const stream = tokenizer.createDecodeStream({ skip_special_tokens: true });
  assert.deepEqual(tokenizer.encode('unaffable ok!').map((id) => stream.push(id)), ['', 'una', 'ffa', 'ble', ' ok', '!', '']);
});

test('bad WordPiece and BERT parts are named errors', () => {
  const broken = (change) => brokenTokenizer(FOLDER, change);
  assert.throws(broken((j) => { j.normalizer.strip_accents = 'yes'; }),
    (e) => e instanceof FormatError && /normalizer\.strip_accents must be a boolean or null/.test(e.message));
  assert.throws(broken((j) => { j.model.max_input_chars_per_word = '100'; }),
    (e) => e instanceof FormatError && /model\.max_input_chars_per_word must be a number/.test(e.message));
  assert.throws(broken((j) => { j.post_processor = { type: 'BertProcessing', sep: ['[SEP]'], cls: ['[CLS]', 101] }; }),
    (e) => e instanceof FormatError && /post_processor\.sep must be a \[token, id\] pair/.test(e.message));
  assert.throws(broken((j) => { j.post_processor.single[1] = { Sequence: { id: 'B', type_id: 0 } }; }),
    (e) => e instanceof FormatError && /post_processor\.single\[1\]\.Sequence\.id/.test(e.message));
  assert.throws(broken((j) => { j.added_tokens[2] = { id: 101 }; }),
    (e) => e instanceof FormatError && /added_tokens\[2\] must be an object with an integer id and non-empty content/.test(e.message));
  const noUnk = readTokenizerJson(FOLDER);
  noUnk.model.unk_token = '[NOPE]';
  const t = createTokenizer(noUnk);
  assert.deepEqual(t.encode('ok', { add_special_tokens: false }), [7929]);
  assert.throws(() => t.encode('🦙'), (e) => e instanceof FormatError && /model\.unk_token "\[NOPE\]" is not in model\.vocab/.test(e.message));
});
