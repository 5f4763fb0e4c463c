// The GPT-2 byte-level BPE tokenizer, through the public createTokenizer(),
// against two independent references: llama.cpp's golden vectors for GPT-2
// (tests/fixtures/tokenizer-goldens) and js-tiktoken's GPT-2 encoding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { getEncoding } from 'js-tiktoken';
import { createTokenizer, FormatError, InvalidArgumentError, UnsupportedError } from '../../dist/index.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const tokenizerJson = JSON.parse(readFileSync(new URL('gpt2-tokenizer/tokenizer.json', fixtures), 'utf8'));
const tokenizer = createTokenizer(tokenizerJson);
const tiktoken = getEncoding('gpt2');

function goldens(name) {
  const inputs = readFileSync(new URL(`tokenizer-goldens/${name}.inp`, fixtures), 'utf8').split('\n__ggml_vocab_test__\n');
  const outputs = readFileSync(new URL(`tokenizer-goldens/${name}.out`, fixtures), 'utf8').split('\n');
  assert.equal(inputs.at(-1), '');
  assert.equal(outputs.at(-1), '');
  assert.equal(inputs.length, outputs.length);
  return inputs.slice(0, -1).map((text, i) => ({
    text,
    ids: outputs[i].trim() === '' ? [] : outputs[i].trim().split(/\s+/).map(Number),
  }));
}

test('encode matches llama.cpp golden vectors for GPT-2', () => {
  const cases = goldens('ggml-vocab-gpt-2.gguf');
  assert.ok(cases.length >= 40);
  for (const { text, ids } of cases) {
    assert.deepEqual(tokenizer.encode(text), ids, JSON.stringify(text));
  }
});

// Random strings over a mix of scripts, digits, punctuation, whitespace runs,
// contractions and emoji (surrogate pairs), from a fixed-seed generator.
function randomTexts(count, seed) {
  const pieces = ['a', 'Z', 'é', 'ß', 'Ж', 'ж', 'ع', '中', '日本', '한', '🦙', '😀', '👍🏽', '1', '42', '3.14', ' ', '  ', '\t', '\n',
    '\n\n', "'s", "'ll", "'T", "n't", '!', '?', '...', '--', '$', '€', '<', '<|', '|>', 'Hello', ' world', 'ing', '\u0301', '\u00a0'];
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const texts = [];
  for (let i = 0; i < count; i++) {
    let t = '';
    const n = 1 + Math.floor(next() * 12);
    for (let j = 0; j < n; j++) t += pieces[Math.floor(next() * pieces.length)];
    texts.push(t);
  }
  return texts;
}

test('encode agrees with js-tiktoken on random text, and decode inverts it', () => {
  for (const text of randomTexts(2000, 7)) {
    const ids = tokenizer.encode(text);
    assert.deepEqual(ids, tiktoken.encode(text), JSON.stringify(text));
    assert.equal(tokenizer.decode(ids), text);
  }
});

test('streaming decode holds back split characters and equals decode', () => {
  const text = 'naïve 🦙 日本語 — ∑ done';
  const ids = tokenizer.encode(text);
  const stream = tokenizer.createDecodeStream();
  const parts = ids.map((id) => stream.push(id));
  parts.push(stream.flush());
  assert.equal(parts.join(''), text);
  assert.ok(!parts.some((p) => p.includes('\ufffd')), 'no replacement character mid-stream');
  // A character whose bytes are split over tokens yields '' until complete.
  const llama = tokenizer.encode('🦙');
  assert.ok(llama.length > 1);
  const s2 = tokenizer.createDecodeStream();
  assert.deepEqual(llama.map((id) => s2.push(id)), [...Array(llama.length - 1).fill(''), '🦙']);
  // An incomplete character at the end becomes U+FFFD at flush.
  const s3 = tokenizer.createDecodeStream();
  assert.equal(s3.push(llama[0]), '');
  assert.equal(s3.flush(), '\ufffd');
});

test('added tokens are matched in text and can be skipped when decoding', () => {
  const ids = tokenizer.encode('Hi<|endoftext|> there');
  assert.deepEqual(ids, [...tiktoken.encode('Hi'), 50256, ...tiktoken.encode(' there')]);
  assert.equal(tokenizer.decode(ids), 'Hi<|endoftext|> there');
  assert.equal(tokenizer.decode(ids, { skip_special_tokens: true }), 'Hi there');
  assert.equal(tokenizer.idToToken(50256), '<|endoftext|>');
  assert.equal(tokenizer.idToToken(tokenizer.encode(' world')[0]), 'Ġworld');
  assert.equal(tokenizer.vocabSize, 50257);
});

test('bad ids and bad tokenizer files are named errors', () => {
  for (const id of [-1, 50257, 1.5, NaN]) {
    assert.throws(() => tokenizer.decode([id]), (e) => e instanceof InvalidArgumentError && e.message.includes(`token id ${id}`));
  }
  assert.throws(() => tokenizer.encode(42), InvalidArgumentError);
  assert.throws(() => createTokenizer(null), FormatError);
  assert.throws(() => createTokenizer({ model: { type: 'WordLevel' } }),
    (e) => e instanceof UnsupportedError && /model type "WordLevel"/.test(e.message));
  const withoutVocab = { ...tokenizerJson, model: { ...tokenizerJson.model, vocab: [] } };
  assert.throws(() => createTokenizer(withoutVocab), (e) => e instanceof FormatError && /model\.vocab must be an object/.test(e.message));
  const badMerge = { ...tokenizerJson, model: { ...tokenizerJson.model, merges: ['ab'] } };
  assert.throws(() => createTokenizer(badMerge), (e) => e instanceof FormatError && /model\.merges\[0\]/.test(e.message));
  const metaspace = { ...tokenizerJson, pre_tokenizer: { type: 'Metaspace' } };
  assert.throws(() => createTokenizer(metaspace), (e) => e instanceof UnsupportedError && /Metaspace/.test(e.message));
  // The good tokenizer still works after all of that.
  assert.deepEqual(tokenizer.encode('Hello world'), [15496, 995]);
});
