// The Unigram (SentencePiece) tokenizer with the Precompiled normalizer through the public
// createTokenizer(), on tokenizer.json files converted from small SentencePiece models as
// transformers' SpmConverter and XLMRobertaConverter do, against SentencePiece's own ids
// (tests/fixtures/unigram-tokenizer/gen_unigram.py, which explains where Hugging Face differs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createTokenizer, FormatError, InvalidArgumentError } from '../../dist/index.js';
import { assertStreamingMatchesDecode, readTokenizerJson, UNICODE_TEXTS } from './tokenizer-cases.mjs';

const FOLDER = 'unigram-tokenizer';
const read = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${FOLDER}/${name}`, import.meta.url), 'utf8'));
const goldens = read('goldens.json');
const spmJson = readTokenizerJson(FOLDER);
const spm = createTokenizer(spmJson); // SpmConverter: T5 / ALBERT style, no byte fallback
const xlmr = createTokenizer(read('tokenizer-xlmr.json'));
const bytes = createTokenizer(read('tokenizer-byte.json'));
const UNK = spmJson.model.unk_id;
const noSpecial = { add_special_tokens: false };

/** Every case with expected ids under `field` encodes to them; returns how many were compared. */
function assertCases(tokenizer, field) {
  let compared = 0;
  const start = performance.now();
  for (const c of goldens.cases) {
    if (c[field] === null) continue;
    assert.deepEqual(tokenizer.encode(c.text, noSpecial), c[field], `${field} of ${JSON.stringify(c.text)}`);
    compared++;
  }
  const ms = performance.now() - start;
  assert.ok(ms < 2000, `encoding ${compared} golden texts took ${ms.toFixed(0)} ms`);
  return compared;
}

test('the goldens cover sentences, multilingual text, edge cases and random Unicode', () => {
  assert.match(goldens.generator, /sentencepiece/);
  const cases = goldens.cases;
  assert.ok(cases.length >= 500);
  assert.ok(cases.filter((c) => c.ids !== null && c.ids.includes(UNK)).length >= 100, 'many texts with unknown characters');
  assert.ok(cases.filter((c) => c.why === undefined).length >= 450, 'most cases are SentencePiece\'s ids unchanged');
  assert.ok(cases.some((c) => c.text === '') && cases.some((c) => c.text.length >= 300));
});

test('encode gives SentencePiece\'s ids (SpmConverter tokenizer.json)', () => {
  assert.ok(assertCases(spm, 'ids') >= 515);
});

test('encode gives SentencePiece\'s ids shifted as fairseq does (XLMRobertaConverter tokenizer.json)', () => {
  assert.ok(assertCases(xlmr, 'xlmr') >= 515);
  assert.deepEqual(xlmr.encode('Hello world'), [0, ...xlmr.encode('Hello world', noSpecial), 2]);
  assert.equal(xlmr.idToToken(3), '<unk>');
  // XLM-R keeps a trailing space (no Strip normalizer), as Hugging Face does: one more "▁".
  const ids = xlmr.encode('Hello ', noSpecial);
  assert.deepEqual(ids, [...xlmr.encode('Hello', noSpecial), xlmr.encode(' ', noSpecial)[0]]);
  assert.equal(xlmr.idToToken(ids[ids.length - 1]), '\u2581');
});

test('with byte_fallback, unknown characters become their UTF-8 bytes', () => {
  assert.ok(assertCases(bytes, 'byte_ids') >= 515);
  const ids = bytes.encode('乺', noSpecial);
  assert.deepEqual(ids.map((id) => bytes.idToToken(id)), ['\u2581', '<0xE4>', '<0xB9>', '<0xBA>']);
  assert.equal(bytes.decode(ids), '乺');
  for (const c of goldens.cases) {
    if (c.byte_ids === null || c.why !== undefined) continue;
    assert.equal(bytes.decode(c.byte_ids), c.byte_decoded, JSON.stringify(c.text));
  }
});

test('decode(encode(text)) is SentencePiece\'s decode', () => {
  let checked = 0;
  for (const c of goldens.cases) {
    if (c.decoded === undefined) continue;
    assert.equal(spm.decode(spm.encode(c.text), { skip_special_tokens: true }), c.decoded, JSON.stringify(c.text));
    // XLM-R's extra "▁" for a trailing space decodes to a space, except as the first token.
    const xlmrText = c.why_xlmr !== undefined && c.decoded !== '' ? `${c.decoded} ` : c.decoded;
    assert.equal(xlmr.decode(xlmr.encode(c.text), { skip_special_tokens: true }), xlmrText, JSON.stringify(c.text));
    checked++;
  }
  assert.ok(checked >= 250);
  assert.equal(spm.decode(spm.encode('Hello world')), 'Hello world</s>');
  // An unknown character is the <unk> piece (SentencePiece would write " ⁇ ").
  assert.equal(spm.decode(spm.encode('a 乺 b', noSpecial)), 'a <unk> b');
});

test('consecutive unknown characters are one unknown token', () => {
  const ids = spm.encode('乺乻乼 x', noSpecial);
  assert.deepEqual(ids.slice(0, 2).map((id) => spm.idToToken(id)), ['\u2581', '<unk>']);
  assert.equal(ids.filter((id) => id === UNK).length, 1);
  assert.equal(spm.decode(ids), '<unk> x');
  assert.deepEqual(bytes.encode('乺乻', noSpecial).length, 1 + 6);
});

test('an unknown character scores the lowest piece score minus 10, as in Hugging Face and SentencePiece', () => {
  // "x" is unknown: "xb" (score -12, the lowest) competes with <unk> (-12 - 10) + "b".
  const withB = (score) => createTokenizer({
    model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['b', score], ['xb', -12], ['c', -3]] },
  });
  assert.deepEqual(withB(9.5).encode('xb'), [2]);
  assert.deepEqual(withB(10.5).encode('xb'), [0, 1]);
  assert.deepEqual(withB(9.5).encode('xxcxb'), [0, 3, 2]);
});

test('the Precompiled normalizer alone gives Hugging Face\'s normalization of the tricky characters', () => {
  // A tokenizer whose pieces are single characters and whose decoder joins them shows the normalized text.
  const cases = goldens.normalizer_cases;
  const chars = new Set(cases.flatMap((c) => [...c.text, ...c.normalized]));
  const json = {
    normalizer: spmJson.normalizer.normalizers[0],
    model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ...[...chars].map((ch) => [ch, -1])] },
    decoder: { type: 'Fuse' },
  };
  const normalize = (text) => { const t = createTokenizer(json); return t.decode(t.encode(text)); };
  assert.ok(cases.length >= 60);
  for (const c of cases) assert.equal(normalize(c.text), c.normalized, JSON.stringify(c.text));
  // Hand-checked nmt_nfkc rules, independent of the generator.
  const known = {
    'ﬁ': 'fi', 'Ⅻ': 'XII', 'ＡＢＣ１２３': 'ABC123', '\u00a0': ' ', '\t': ' ', '①': '1', '㍿': '株式会社', '…': '...',
    'ǅ': 'Dž', 'a\u0007b': 'ab', 'ｶﾀｶﾅ': 'カタカナ', 'µ': 'μ', 'x²': 'x2', '𝐀': 'A', 'e\u0301': '\u00e9',
  };
  for (const [text, normalized] of Object.entries(known)) assert.equal(normalize(text), normalized, JSON.stringify(text));
  // Where Hugging Face works per grapheme cluster, it differs from SentencePiece: recorded, not hidden.
  assert.ok(cases.some((c) => c.normalized !== c.sentencepiece));
});

test('without the Precompiled normalizer the goldens fail', () => {
  const json = readTokenizerJson(FOLDER);
  json.normalizer.normalizers.shift();
  const raw = createTokenizer(json);
  const wrong = goldens.cases.filter((c) => c.ids !== null && JSON.stringify(raw.encode(c.text, noSpecial)) !== JSON.stringify(c.ids));
  assert.ok(wrong.length >= 50, `${wrong.length} goldens still pass without the normalizer`);
});

test('random strings encode without errors and decode consistently', () => {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ranges = [[0x20, 0x7e], [0x00, 0x1f], [0xa0, 0x2ff], [0x300, 0x36f], [0x3040, 0x30ff], [0x4e00, 0x4fff],
    [0xac00, 0xacff], [0xff00, 0xffef], [0x1f300, 0x1f64f], [0x2000, 0x206f], [0xd800, 0xdfff]];
  for (let n = 0; n < 500; n++) {
    let text = '';
    const length = Math.floor(random() * 30);
    for (let i = 0; i < length; i++) {
      const [lo, hi] = ranges[Math.floor(random() * ranges.length)];
      text += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1))); // lone surrogates included
    }
    for (const t of [spm, xlmr, bytes]) {
      const ids = t.encode(text, noSpecial);
      assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < t.vocabSize), JSON.stringify(text));
      const decoded = t.decode(ids);
      // Decoding and encoding again is stable (the decoded text is already normalized), unless an
      // unknown character was lost to <unk>, a lone surrogate to U+FFFD's bytes, or XLM-R's lone
      // "▁" (a text of spaces) to the decoder, which drops the ▁ of the first token.
      if (!ids.includes(t === xlmr ? 3 : UNK) && !/\p{Cs}/u.test(text) && decoded !== '') assert.deepEqual(t.encode(decoded, noSpecial), ids, JSON.stringify(text));
    }
  }
});

test('a long word is encoded in linear time', () => {
  const word = 'abcdefghij'.repeat(20_000);
  const start = performance.now();
  const ids = spm.encode(word, noSpecial);
  assert.ok(ids.length > 1000);
  assert.equal(spm.decode(ids), word);
  assert.ok(performance.now() - start < 3000);
});

test('a long multilingual text is normalized and encoded in linear time, as its parts are', () => {
  // Grapheme clusters are found in windows (Intl.Segmenter is quadratic on long strings in V8):
  // a window edge must not change the result.
  // Lines that start with a mark would join the space before them.
  const lines = goldens.cases.map((c) => c.text).filter((t) => t.length > 20 && /[^\x00-\x7f]/.test(t) && t.trim() === t
    && !/^[\p{M}\p{Cc}\p{Cf}]/u.test(t));
  const parts = Array.from({ length: 3000 }, (_, i) => lines[i % lines.length]);
  const start = performance.now();
  const whole = bytes.encode(parts.join(' '), noSpecial);
  const ms = performance.now() - start;
  assert.deepEqual(whole, parts.flatMap((t) => bytes.encode(t, noSpecial)));
  assert.ok(ms < 3000, `${ms.toFixed(0)} ms for ${parts.join(' ').length} characters`);
  const marks = `a${'\u0301'.repeat(3000)}b`; // one cluster longer than a window
  assert.deepEqual(bytes.encode(`x ${marks} y`, noSpecial), [...bytes.encode('x', noSpecial), ...bytes.encode(marks, noSpecial),
    ...bytes.encode('y', noSpecial)]);
});

test('streaming decode equals decode', () => {
  for (const text of UNICODE_TEXTS) {
    assertStreamingMatchesDecode(bytes, text);
    const ids = spm.encode(text);
    const stream = spm.createDecodeStream();
    assert.equal(ids.map((id) => stream.push(id)).join('') + stream.flush(), spm.decode(ids));
  }
});

test('bad Unigram files are named errors', () => {
  const broken = (change) => () => {
    const json = readTokenizerJson(FOLDER);
    change(json);
    return createTokenizer(json);
  };
  assert.throws(broken((j) => { j.model.vocab = {}; }), (e) => e instanceof FormatError && /model\.vocab must be a non-empty array/.test(e.message));
  assert.throws(broken((j) => { j.model.vocab[5] = ['x', 'high']; }), (e) => e instanceof FormatError && /model\.vocab\[5\]/.test(e.message));
  assert.throws(broken((j) => { j.model.vocab[6] = j.model.vocab[7]; }), (e) => e instanceof FormatError && /repeats/.test(e.message));
  assert.throws(broken((j) => { j.model.unk_id = 1e9; }), (e) => e instanceof FormatError && /model\.unk_id/.test(e.message));
  assert.throws(broken((j) => { j.normalizer.normalizers[0].precompiled_charsmap = 'AAAA'; }),
    (e) => e instanceof FormatError && /precompiled_charsmap/.test(e.message));
  assert.throws(broken((j) => { j.normalizer.normalizers[0].precompiled_charsmap = '!!'; }),
    (e) => e instanceof FormatError && /base64/.test(e.message));
  // Without an unknown token, a character no piece covers cannot be encoded (Hugging Face errors too).
  const noUnk = broken((j) => { j.model.unk_id = null; })();
  assert.deepEqual(noUnk.encode('hello', noSpecial), spm.encode('hello', noSpecial));
  assert.throws(() => noUnk.encode('乺'), (e) => e instanceof InvalidArgumentError && /unk_id/.test(e.message));
});
