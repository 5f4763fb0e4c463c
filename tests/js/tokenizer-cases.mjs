// Shared by the tokenizer tests of LLaMA, Qwen2 and BERT: their tokenizer.json
// fixtures, llama.cpp's golden vectors and the references.json cases written
// by Hugging Face tokenizers (tests/fixtures/gguf_to_tokenizer_json.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createTokenizer } from '../../dist/index.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const SEPARATOR = '\n__ggml_vocab_test__\n';

/** The parsed tokenizer.json of a fixture folder (a fresh copy each call, to derive variants from). */
export function readTokenizerJson(folder) {
  return JSON.parse(readFileSync(new URL(`${folder}/tokenizer.json`, fixtures), 'utf8'));
}

/** A thunk that builds a tokenizer from the folder's tokenizer.json after `change` edits it (for error tests). */
export function brokenTokenizer(folder, change) {
  const json = readTokenizerJson(folder);
  change(json);
  return () => createTokenizer(json);
}

/** llama.cpp's test texts for a vocabulary with the ids Hugging Face gave them (no special tokens). */
export function goldenCases(vocab) {
  const read = (ext) => readFileSync(new URL(`tokenizer-goldens/ggml-vocab-${vocab}.gguf.${ext}`, fixtures), 'utf8');
  const texts = read('inp').split(SEPARATOR);
  const lines = read('out').split('\n');
  // Both files end with a separator / newline after the last case.
  assert.equal(texts.pop(), '');
  assert.equal(lines.pop(), '');
  assert.equal(texts.length, lines.length);
  return texts.map((text, i) => ({ text, ids: lines[i].split(' ').filter(Boolean).map(Number) }));
}

/** Cases with ids and decoded text from Hugging Face tokenizers itself. */
export function referenceCases(folder) {
  const { generator, cases } = JSON.parse(readFileSync(new URL(`${folder}/references.json`, fixtures), 'utf8'));
  assert.match(generator, /Hugging Face tokenizers/);
  assert.ok(cases.length >= 40);
  return cases;
}

/** Every golden text encodes to its ids; the whole set in well under a second. */
export function assertGoldens(tokenizer, vocab) {
  const cases = goldenCases(vocab);
  assert.ok(cases.length >= 40);
  const start = performance.now();
  const got = cases.map(({ text }) => tokenizer.encode(text, { add_special_tokens: false }));
  const ms = performance.now() - start;
  cases.forEach(({ text, ids }, i) => assert.deepEqual(got[i], ids, JSON.stringify(text)));
  assert.ok(ms < 500, `encoding ${cases.length} golden texts took ${ms.toFixed(0)} ms`);
}

/** Encode (with and without special tokens) and decode (with and without them) as Hugging Face does. */
export function assertReferences(tokenizer, folder) {
  for (const c of referenceCases(folder)) {
    const what = JSON.stringify(c.text);
    assert.deepEqual(tokenizer.encode(c.text, { add_special_tokens: false }), c.ids, what);
    assert.deepEqual(tokenizer.encode(c.text), c.ids_with_special_tokens, what);
    assert.equal(tokenizer.decode(c.ids_with_special_tokens), c.decoded, what);
    assert.equal(tokenizer.decode(c.ids_with_special_tokens, { skip_special_tokens: true }), c.decoded_skip_special, what);
  }
}

// Text where characters span several tokens: emoji (ZWJ sequences, skin tones, flags), CJK, scripts
// outside the Latin range, combining marks, characters outside the BMP.
export const UNICODE_TEXTS = [
  'naïve 🦙 日本語 — ∑ done',
  '👨\u200d👩\u200d👧\u200d👦 family, 👍🏽 and 🇫🇷🇯🇵',
  '中文：你好，世界！한국어 텍스트 ภาษาไทย',
  'e\u0301 a\u0300\u0316 x\u0300\u0316\u0301y Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 \u{1F9EC}\u{E0067} \u{20000}\u{2A6D6}',
];

/** Streaming decode gives decode's text, never a U+FFFD for a character that is still arriving. */
export function assertStreamingMatchesDecode(tokenizer, text) {
  const ids = tokenizer.encode(text);
  const stream = tokenizer.createDecodeStream();
  const parts = ids.map((id) => stream.push(id));
  parts.push(stream.flush());
  assert.equal(parts.join(''), tokenizer.decode(ids), JSON.stringify(text));
  assert.ok(!parts.join('').includes('\ufffd'), `no U+FFFD in ${JSON.stringify(parts)}`);
  return parts;
}
