// The LLaMA (SentencePiece BPE with byte fallback) tokenizer through the public
// createTokenizer(), on the tokenizer.json of Llama-2 rebuilt from llama.cpp's
// vocab (tests/fixtures/llama-tokenizer), against llama.cpp's golden vectors and
// Hugging Face tokenizers' own references.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTokenizer, FormatError, InvalidArgumentError, UnsupportedError } from '../../dist/index.js';
import {
  assertGoldens, assertReferences, assertStreamingMatchesDecode, brokenTokenizer, goldenCases, readTokenizerJson, referenceCases,
  UNICODE_TEXTS,
} from './tokenizer-cases.mjs';

const FOLDER = 'llama-tokenizer';
const legacyJson = readTokenizerJson(FOLDER);
const tokenizer = createTokenizer(legacyJson);
const BOS = 1;

// Newer LLaMA files (transformers' LlamaConverter with legacy=False) put the ▁ handling
// in a Metaspace pre-tokenizer instead of the Prepend + Replace normalizer.
function metaspaceJson() {
  const json = readTokenizerJson(FOLDER);
  json.normalizer = null;
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  return json;
}

test('encode matches llama.cpp golden vectors for LLaMA (SentencePiece BPE)', () => {
  assertGoldens(tokenizer, 'llama-spm');
});

test('encode and decode match Hugging Face tokenizers on Unicode, control characters and special tokens', () => {
  assertReferences(tokenizer, FOLDER);
});

test('encode adds <s> by default, as the post_processor says', () => {
  assert.deepEqual(tokenizer.encode('Hello world'), [BOS, 15043, 3186]);
  assert.deepEqual(tokenizer.encode('Hello world', { add_special_tokens: false }), [15043, 3186]);
  assert.deepEqual(tokenizer.encode('Hello world', {}), [BOS, 15043, 3186]);
  assert.deepEqual(tokenizer.encode(''), [BOS]);
  assert.deepEqual(tokenizer.encode('', { add_special_tokens: false }), []);
  assert.equal(tokenizer.idToToken(15043), '\u2581Hello');
  assert.equal(tokenizer.vocabSize, 32000);
});

test('unknown characters fall back to their UTF-8 bytes as <0xXX> tokens', () => {
  const ids = tokenizer.encode('🦙', { add_special_tokens: false });
  assert.deepEqual(ids.map((id) => tokenizer.idToToken(id)), ['\u2581', '<0xF0>', '<0x9F>', '<0xA6>', '<0x99>']);
  assert.equal(tokenizer.decode(ids), '🦙');
});

test('decode(encode(text)) gives the text back', () => {
  const texts = [...goldenCases('llama-spm'), ...referenceCases(FOLDER)].map((c) => c.text)
    .filter((t) => !/<\/?s>|<unk>/.test(t)); // an added token in the text gets a ▁ after it
  assert.ok(texts.length > 80);
  for (const text of texts) {
    assert.equal(tokenizer.decode(tokenizer.encode(text)), text === '' ? '<s>' : `<s> ${text}`, JSON.stringify(text));
    assert.equal(tokenizer.decode(tokenizer.encode(text), { skip_special_tokens: true }), text, JSON.stringify(text));
  }
});

test('streaming decode equals decode and holds back characters split over byte tokens', () => {
  for (const text of UNICODE_TEXTS) assertStreamingMatchesDecode(tokenizer, text);
  const llama = tokenizer.encode('🦙', { add_special_tokens: false }).slice(1); // the four byte tokens
  const stream = tokenizer.createDecodeStream();
  assert.deepEqual(llama.map((id) => stream.push(id)), ['', '', '', '🦙']);
  // An incomplete character at the end: one U+FFFD per byte of the broken run, as Hugging Face.
  const cut = tokenizer.createDecodeStream();
  assert.equal(cut.push(llama[0]) + cut.push(llama[1]) + cut.flush(), '\ufffd\ufffd');
  assert.equal(tokenizer.decode(llama.slice(0, 2)), '\ufffd\ufffd');
  // The leading space of the first piece is stripped once, across pushes.
  const hello = tokenizer.createDecodeStream({ skip_special_tokens: true });
  assert.deepEqual(tokenizer.encode('Hello world').map((id) => hello.push(id)), ['', 'Hello', ' world']);
});

test('a run of byte tokens that is not UTF-8 decodes to one U+FFFD per byte, as in Hugging Face', () => {
  const ids = [231, 187, 176, 131]; // <0xE4> <0xB8> <0xAD> (中) then a stray <0x80>
  assert.equal(tokenizer.decode(ids), '\ufffd'.repeat(4));
  assert.equal(tokenizer.decode([...ids, 29874]), `${'\ufffd'.repeat(4)}a`);
  assert.equal(tokenizer.decode(ids.slice(0, 3)), '中');
  // A stream cannot take back the 中 it already gave; it marks only the bad byte.
  const stream = tokenizer.createDecodeStream();
  assert.equal(ids.map((id) => stream.push(id)).join('') + stream.flush(), '中\ufffd');
});

test('added tokens with lstrip, rstrip and single_word, and Strip with start and stop (values from Hugging Face)', () => {
  const json = readTokenizerJson(FOLDER);
  json.added_tokens.push({ id: 32000, content: '<pad>', single_word: true, lstrip: true, rstrip: true, normalized: false, special: false });
  json.decoder.decoders[3] = { type: 'Strip', content: ' ', start: 2, stop: 1 };
  const t = createTokenizer(json);
  const cases = [
    ['a <pad> b', [263, 32000, 289], 'a<pad> b'],
    ['a<pad> b', [263, 29966, 8305, 29958, 289], 'a<pad> b'], // inside a word: not the added token
    ['a <pad>b', [263, 529, 8305, 29958, 29890], 'a <pad>b'],
    [' \t<pad>\n', [32000], '<pad>'],
    ['x <pad><pad> y', [921, 32000, 32000, 343], 'x<pad><pad> y'],
    ['  Hello ', [259, 15043, 29871], ' Hello'],
    ['   ', [268], ' '],
  ];
  for (const [text, ids, decoded] of cases) {
    assert.deepEqual(t.encode(text, { add_special_tokens: false }), ids, JSON.stringify(text));
    assert.equal(t.decode(ids), decoded, JSON.stringify(text));
    const stream = t.createDecodeStream();
    assert.equal(ids.map((id) => stream.push(id)).join('') + stream.flush(), decoded);
  }
});

test('the Metaspace form of the LLaMA tokenizer gives the same ids', () => {
  const metaspace = createTokenizer(metaspaceJson());
  let same = 0;
  for (const { text, ids } of goldenCases('llama-spm')) {
    const got = metaspace.encode(text, { add_special_tokens: false });
    if (!text.startsWith(' ')) {
      assert.deepEqual(got, ids, JSON.stringify(text));
      same++;
    } else if (text.trim() !== '') {
      // Metaspace reuses a leading space as the ▁ that Prepend would add on top of it.
      assert.deepEqual(got, tokenizer.encode(text.slice(1), { add_special_tokens: false }), JSON.stringify(text));
    }
  }
  assert.equal(same, 31);
  for (const text of UNICODE_TEXTS) assert.equal(metaspace.decode(metaspace.encode(text)), tokenizer.decode(tokenizer.encode(text)));
  // prepend_scheme "first": no ▁ after an added token, where the Prepend normalizer adds one.
  const tokens = (t, text) => t.encode(text, { add_special_tokens: false }).map((id) => t.idToToken(id));
  assert.deepEqual(tokens(metaspace, '<s>Hello'), ['<s>', 'Hello']);
  assert.deepEqual(tokens(tokenizer, '<s>Hello'), ['<s>', '\u2581Hello']);
});

test('bad options and bad tokenizer files are named errors', () => {
  assert.throws(() => tokenizer.encode('x', { add_special_tokens: 'yes' }), (e) => e instanceof InvalidArgumentError && /add_special_tokens/.test(e.message));
  assert.throws(() => tokenizer.encode('x', 5), InvalidArgumentError);
  assert.throws(() => tokenizer.decode([1], { skip_special_tokens: 1 }), (e) => e instanceof InvalidArgumentError && /skip_special_tokens/.test(e.message));
  assert.throws(() => tokenizer.decode([32000]), (e) => e instanceof InvalidArgumentError && /token id 32000/.test(e.message));
  const broken = (change) => brokenTokenizer(FOLDER, change);
  assert.throws(broken((j) => { j.model.type = 'WordLevel'; }),
    (e) => e instanceof UnsupportedError && /model type "WordLevel"/.test(e.message) && /BPE/.test(e.message) && /WordPiece/.test(e.message)
      && /Unigram/.test(e.message));
  assert.throws(broken((j) => { j.model.merges[7] = '\u2581t zzzz'; }),
    (e) => e instanceof FormatError && /model\.merges\[7\] uses "zzzz"/.test(e.message));
  assert.throws(broken((j) => { j.normalizer.normalizers[1] = { type: 'Nmt' }; }),
    (e) => e instanceof UnsupportedError && /normalizer\.normalizers\[1\]\.type "Nmt"/.test(e.message) && /Prepend/.test(e.message));
  assert.throws(broken((j) => { j.normalizer.normalizers[1] = { type: 'Precompiled' }; }),
    (e) => e instanceof FormatError && /normalizer\.normalizers\[1\]\.precompiled_charsmap must be a base64 string/.test(e.message));
  assert.throws(broken((j) => { j.normalizer.normalizers[1].pattern = { Text: ' ' }; }),
    (e) => e instanceof FormatError && /normalizer\.normalizers\[1\]\.pattern must be/.test(e.message));
  assert.throws(broken((j) => { j.pre_tokenizer = { type: 'Metaspace', replacement: '__' }; }),
    (e) => e instanceof FormatError && /pre_tokenizer\.replacement must be a single character/.test(e.message));
  assert.throws(broken((j) => { j.pre_tokenizer = { type: 'Metaspace', replacement: '_', prepend_scheme: 'sometimes' }; }),
    (e) => e instanceof FormatError && /pre_tokenizer\.prepend_scheme/.test(e.message));
  assert.throws(broken((j) => { j.decoder.decoders[1] = { type: 'CTC' }; }),
    (e) => e instanceof UnsupportedError && /decoder\.decoders\[1\]\.type "CTC"/.test(e.message));
  assert.throws(broken((j) => { j.decoder.decoders.push({ type: 'Replace', pattern: { String: 'a' }, content: 'b' }); }),
    (e) => e instanceof UnsupportedError && /decoder\.decoders\[4\]\.type "Replace" after Fuse/.test(e.message));
  assert.throws(broken((j) => { j.post_processor.special_tokens['<s>'].ids = ['1']; }),
    (e) => e instanceof FormatError && /post_processor\.special_tokens\["<s>"\]\.ids/.test(e.message));
  assert.throws(broken((j) => { j.post_processor = { type: 'Lowercase' }; }),
    (e) => e instanceof UnsupportedError && /post_processor\.type "Lowercase"/.test(e.message));
  assert.throws(broken((j) => { j.added_tokens[1].id = 5; }),
    (e) => e instanceof FormatError && /added_tokens\[1\] "<s>" has id 5, but model\.vocab gives it 1/.test(e.message));
  assert.throws(broken((j) => { j.model.dropout = 0.1; }), (e) => e instanceof UnsupportedError && /model\.dropout/.test(e.message));
  assert.throws(broken((j) => { j.model.fuse_unk = 'yes'; }), (e) => e instanceof FormatError && /model\.fuse_unk must be a boolean/.test(e.message));
  // A vocabulary whose unknown token is missing is only an error once a character needs it.
  const noUnk = createTokenizer(Object.assign(readTokenizerJson(FOLDER), { model: { ...legacyJson.model, unk_token: '<nothing>', byte_fallback: false } }));
  assert.deepEqual(noUnk.encode('Hello', { add_special_tokens: false }), [15043]);
  assert.throws(() => noUnk.encode('🦙'), (e) => e instanceof FormatError && /model\.unk_token "<nothing>"/.test(e.message));
  // The good tokenizer still works after all of that.
  assert.deepEqual(tokenizer.encode('Hello world'), [BOS, 15043, 3186]);
});
