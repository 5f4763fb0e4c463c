// Tokenizer.encodeWithOffsets / encodePairWithOffsets against Hugging Face tokenizers itself
// (tests/fixtures/tokenizer-offsets/goldens.json, written by tests/fixtures/gen_offsets.mjs with the
// official Node binding): ids, offsets (UTF-16), word ids, type ids and sequence ids for every fixture
// tokenizer.json family, and for the GGUF-built tokenizers through their tokenizer.json twins.
// Sensitivity: offsets shifted by one fail the comparison.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { createTokenizer, env, InvalidArgumentError } from '../../dist/index.js';
import { getBackend } from '../../dist/backend.js';
import { bufferSource } from '../../dist/io/byte-source.js';
import { tokenizerFromGguf } from '../../dist/tokenizers/from-gguf.js';
import { readGgufHeader } from '../../dist/weights/gguf-header.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const goldens = JSON.parse(readFileSync(new URL('tokenizer-offsets/goldens.json', fixtures), 'utf8'));

function load(spec) {
  const json = JSON.parse(readFileSync(new URL(spec.path, fixtures), 'utf8'));
  return createTokenizer(spec.patch ? { ...json, ...spec.patch } : json);
}

/** Compares one tokenizer with every golden case (single texts both ways, pairs); returns the number of checks. */
function assertMatches(tokenizer, golden, { skipPairs = false, idsDiffer = () => false } = {}) {
  let checks = 0;
  for (const c of golden.cases) {
    for (const [key, addSpecialTokens] of [['with_special', true], ['without_special', false]]) {
      const got = tokenizer.encodeWithOffsets(c.text, { add_special_tokens: addSpecialTokens });
      if (!idsDiffer(c.text)) assert.deepEqual(got.ids, c[key].ids, `ids of ${JSON.stringify(c.text)} (${key})`);
      assert.deepEqual(got.offsets, c[key].offsets, `offsets of ${JSON.stringify(c.text)} (${key})`);
      assert.deepEqual(got.wordIds, c[key].word_ids, `word ids of ${JSON.stringify(c.text)} (${key})`);
      // The plain encode() agrees with the offsets path.
      assert.deepEqual(tokenizer.encode(c.text, { add_special_tokens: addSpecialTokens }), got.ids);
      checks++;
    }
  }
  if (!skipPairs) {
    for (const p of golden.pairs) {
      const got = tokenizer.encodePairWithOffsets(p.text, p.text_pair);
      const what = JSON.stringify([p.text, p.text_pair]);
      assert.deepEqual(got.ids, p.ids, `pair ids of ${what}`);
      assert.deepEqual(got.offsets, p.offsets, `pair offsets of ${what}`);
      assert.deepEqual(got.wordIds, p.word_ids, `pair word ids of ${what}`);
      assert.deepEqual(got.typeIds, p.type_ids, `pair type ids of ${what}`);
      assert.deepEqual(got.sequenceIds, p.sequence_ids, `pair sequence ids of ${what}`);
      // encodePair keeps its shape and agrees.
      assert.deepEqual(tokenizer.encodePair(p.text, p.text_pair), { input_ids: p.ids, token_type_ids: p.type_ids });
      checks++;
    }
  }
  return checks;
}

// Pair templates qkv refuses (encodePair's documented behaviour, kept by encodePairWithOffsets): the
// T5-style unigram file's `pair: []`, and the tiny fixtures whose pair template repeats sequence A.
const REFUSED_PAIRS = new Set(['unigram-tokenizer', 'qwen3-embed-tiny', 'embeddinggemma-tiny']);
// modernbert-tiny's vocabulary is cut at 50257 tokens while its added tokens keep ids 50280-50284:
// Hugging Face renumbers such added tokens from the vocabulary's size, qkv keeps the file's ids
// (checkAddedTokenIds in tokenizers/index.ts), so only their offsets are compared.
const ADDED_IDS_RENUMBERED = new Set(['modernbert-tiny']);

for (const [name, golden] of Object.entries(goldens.tokenizers)) {
  const noPair = REFUSED_PAIRS.has(name);
  test(`${name}: ids and offsets as Hugging Face tokenizers gives them`, () => {
    const tokenizer = load(golden);
    const idsDiffer = (text) => ADDED_IDS_RENUMBERED.has(name) && /\[(UNK|MASK)\]/.test(text);
    assert.ok(assertMatches(tokenizer, golden, { skipPairs: noPair, idsDiffer }) >= 30);
    if (noPair) {
      const refusal = (() => { try { tokenizer.encodePair('a', 'b'); } catch (e) { return e; } })();
      assert.ok(refusal instanceof Error);
      assert.throws(() => tokenizer.encodePairWithOffsets('a', 'b'), refusal);
    }
  });
}

test('offsets are UTF-16 indices: text.slice gives the token\'s span, an emoji is two units', () => {
  const bert = load(goldens.tokenizers['bert-tokenizer']);
  const text = 'x 😀 café';
  const { offsets } = bert.encodeWithOffsets(text);
  assert.deepEqual(offsets.map(([a, b]) => text.slice(a, b)), ['', 'x', '😀', 'café', '']);
  assert.deepEqual(offsets[2], [2, 4]);
});

test('sensitivity: offsets shifted by one fail the comparison', () => {
  const golden = goldens.tokenizers['bert-tokenizer'];
  const shifted = structuredClone(golden);
  for (const c of shifted.cases) for (const o of c.without_special.offsets) o[1] += 1;
  assert.throws(() => assertMatches(load(golden), shifted, { skipPairs: true }), assert.AssertionError);
});

test('bad inputs are named errors and the tokenizer stays usable', () => {
  const bert = load(goldens.tokenizers['bert-tokenizer']);
  assert.throws(() => bert.encodeWithOffsets(3), InvalidArgumentError);
  assert.throws(() => bert.encodeWithOffsets('a', { add_special_tokens: 'yes' }), InvalidArgumentError);
  assert.throws(() => bert.encodePairWithOffsets('a', null), InvalidArgumentError);
  assert.deepEqual(bert.encodeWithOffsets('a').offsets, [[0, 0], [0, 1], [0, 0]]);
});

// GGUF vocabularies whose tokenizer.json twin is a fixture (tests/fixtures/gguf_to_tokenizer_json.py).
env.wasm.numThreads = 1;
const backend = await getBackend();
for (const [vocab, twin] of [['llama-spm', 'llama-tokenizer'], ['qwen2', 'qwen2-tokenizer'], ['bert-bge', 'bert-tokenizer']]) {
  test(`GGUF ${vocab}: the same ids and offsets as its tokenizer.json twin ${twin}`, async () => {
    const bytes = new Uint8Array(gunzipSync(readFileSync(new URL(`gguf/vocab/ggml-vocab-${vocab}.gguf.gz`, fixtures))));
    const { tokenizer } = tokenizerFromGguf(await readGgufHeader(backend, bufferSource(`${vocab}.gguf`, bytes)));
    const golden = goldens.tokenizers[twin];
    // Without special tokens: what the GGUF adds around a text is its own metadata's (checked in gguf-tokenizer.test.mjs).
    for (const c of golden.cases) {
      const got = tokenizer.encodeWithOffsets(c.text, { add_special_tokens: false });
      assert.deepEqual(got.ids, c.without_special.ids, `ids of ${JSON.stringify(c.text)}`);
      assert.deepEqual(got.offsets, c.without_special.offsets, `offsets of ${JSON.stringify(c.text)}`);
    }
  });
}

test('llama.cpp\'s golden texts and random text: the offsets path gives encode()\'s ids, offsets inside the text', () => {
  const alphabet = ['a', 'Z', ' ', '  ', '\t', '\n', '\u0085', '\u00a0', '\u3000', '\ud800', 'é', 'e\u0301', 'ß', 'İ', 'Σ', '東', '😀', '👍🏽', '\u200d', '\u0000', 'ﬁ', '１', '.', "'s", '<s>', '[SEP]', '<|endoftext|>'];
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const texts = Array.from({ length: 60 }, () => Array.from({ length: 1 + Math.floor(random() * 12) },
    () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
  for (const vocab of ['llama-spm', 'qwen2', 'bert-bge']) {
    const read = (ext) => readFileSync(new URL(`tokenizer-goldens/ggml-vocab-${vocab}.gguf.${ext}`, fixtures), 'utf8');
    texts.push(...read('inp').split('\n__ggml_vocab_test__\n'));
  }
  for (const [name, golden] of Object.entries(goldens.tokenizers)) {
    const tokenizer = load(golden);
    for (const text of texts) {
      const got = tokenizer.encodeWithOffsets(text, { add_special_tokens: false });
      assert.deepEqual(got.ids, tokenizer.encode(text, { add_special_tokens: false }), `${name}: ${JSON.stringify(text)}`);
      assert.equal(got.offsets.length, got.ids.length);
      for (const [start, end] of got.offsets) assert.ok(start >= 0 && start <= end && end <= text.length, `${name}: ${JSON.stringify(text)}`);
    }
  }
});

test('a long text (100k UTF-16 units) goes through every tokenizer\'s offsets path, in linear time', () => {
  const text = 'Héllo wörld, 東京 😀 straße naïve café déjà-vu.\u0085 '.repeat(2200);
  assert.ok(text.length > 100_000);
  for (const [name, golden] of Object.entries(goldens.tokenizers)) {
    const tokenizer = load(golden);
    const started = performance.now();
    const got = tokenizer.encodeWithOffsets(text);
    assert.ok(performance.now() - started < 20_000, `${name}: ${performance.now() - started} ms`);
    assert.deepEqual(got.ids, tokenizer.encode(text), name);
    const last = got.offsets.findLast(([a, b]) => b > a);
    assert.ok(last[1] <= text.length && last[1] >= text.length - 2, `${name}: ends at ${last[1]}`);
  }
});
