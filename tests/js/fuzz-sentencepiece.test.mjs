// Fuzzing the SentencePiece model reader and the tokenizers built from it, from fixed seeds (a failure
// names a case that replays exactly):
//
// 1. Hand-made hostile files (a small protobuf writer below): truncated varints and floats, lengths past
//    the end, groups, field 0, bad piece types, invalid UTF-8, missing or repeated unknown pieces,
//    byte_fallback without byte pieces, wrong wire types, a charsmap whose trie does not fit. Each is a
//    FormatError that says what is wrong.
// 2. Mutated model files (bytes flipped, cut, inserted, spliced) of two small fixtures: reading throws a
//    QkvError or gives a tokenizer whose encode / decode / stream in turn only ever throw QkvErrors. The
//    cases (fuzz-sentencepiece-cases.mjs) run in a worker under a watchdog, so a hang fails naming its case.
// 3. Random strings through the fixture tokenizers: encode and decode never throw, and the BPE model with
//    byte fallback and no normalization gives every well-formed string without "▁" back unchanged.
//
// QKV_FUZZ_CASES (default 600) and QKV_FUZZ_SEED (default 1) scale and vary the run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError, loadSentencePieceTokenizer } from '../../dist/index.js';
import { randomText, rng } from './fuzz-sentencepiece-cases.mjs';
import { runWatched } from './fuzz-worker.mjs';

const CASES = Number(process.env.QKV_FUZZ_CASES ?? 600);
const HANG_MS = 10_000;
const SEED = Number(process.env.QKV_FUZZ_SEED ?? 1);
const fixture = (path) => new Uint8Array(readFileSync(new URL(`../fixtures/${path}`, import.meta.url)));
const ALL_MODELS = ['unigram', 'unigram-bytes', 'bpe', 'bpe-bytes', 'unigram-phrases'].map((n) => [n, fixture(`sentencepiece/${n}.model`)]);

// --- a protobuf writer -------------------------------------------------------------------

const bytesOf = (...parts) => Uint8Array.from(parts.flatMap((p) => [...p]));
function varint(n) {
  const out = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return Uint8Array.from(out);
}
const key = (field, wire) => varint(field * 8 + wire);
const lengthDelimited = (field, payload) => bytesOf(key(field, 2), varint(payload.length), payload);
const text = (field, s) => lengthDelimited(field, new TextEncoder().encode(s));
const int = (field, n) => bytesOf(key(field, 0), varint(n));
const float = (field, x) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return bytesOf(key(field, 5), b);
};
const piece = (p, score, type) => lengthDelimited(1, bytesOf(text(1, p), float(2, score), ...(type !== undefined ? [int(3, type)] : [])));
const trainer = (...fields) => lengthDelimited(2, bytesOf(...fields));
const normalizer = (...fields) => lengthDelimited(3, bytesOf(...fields));
/** A valid minimal model: <unk>, <s>, </s>, then normal pieces. */
const basePieces = () => [piece('<unk>', 0, 2), piece('<s>', 0, 3), piece('</s>', 0, 3), piece('\u2581a', -1), piece('a', -2), piece('\u2581', -3)];
const model = (...extra) => bytesOf(...basePieces(), ...extra);

test('a minimal hand-written model reads and encodes', () => {
  const tokenizer = loadSentencePieceTokenizer(model(normalizer(text(1, 'identity'))));
  // "▁a▁a": the run of spaces folded to one.
  assert.deepEqual(tokenizer.encode('a  a'), [3, 3]);
  assert.equal(tokenizer.decode([5, 3, 4]), 'aa');
});

const HOSTILE = [
  ['truncated varint', bytesOf(model(), key(9, 0), Uint8Array.of(0x80)), /truncated varint/],
  ['varint of eleven bytes', bytesOf(model(), key(9, 0), Uint8Array.of(...Array(10).fill(0x80), 0x01)), /varint longer than/],
  ['length past the end', bytesOf(model(), Uint8Array.of(0x0a, 0x7f, 0x0a)), /past the end/],
  ['length of 2^32 + 1', bytesOf(model(), key(7, 2), varint(2 ** 32 + 1)), /past the end/],
  ['a group (wire type 3)', bytesOf(model(), key(9, 3)), /wire type 3/],
  ['field number 0', bytesOf(model(), Uint8Array.of(0x00, 0x00)), /field number 0/],
  ['a truncated float', bytesOf(basePieces()[0], lengthDelimited(1, bytesOf(text(1, 'x'), key(2, 5), Uint8Array.of(1, 2)))), /truncated float/],
  ['a truncated fixed64', bytesOf(model(), key(12, 1), Uint8Array.of(1, 2, 3)), /truncated fixed-size/],
  ['piece type 7', model(piece('b', -1, 7)), /piece type 7/],
  ['piece type 0', model(piece('b', -1, 0)), /piece type 0/],
  ['a byte piece not named <0xNN>', model(piece('<0x4g>', 0, 6)), /byte piece 6 "<0x4g>" is not named <0xNN>/],
  ['a NaN score', model(piece('b', NaN)), /score NaN/],
  ['a piece without its string', model(lengthDelimited(1, float(2, -1))), /no piece string/],
  ['invalid UTF-8 in a piece', model(lengthDelimited(1, bytesOf(key(1, 2), varint(2), Uint8Array.of(0xc3, 0x28)))), /not valid UTF-8/],
  ['an empty piece', model(piece('', -1)), /is empty/],
  ['a repeated piece', model(piece('a', -5)), /repeats piece 4/],
  ['no unknown piece', bytesOf(piece('a', -1), piece('b', -1)), /0 unknown pieces/],
  ['two unknown pieces', model(piece('<unk2>', 0, 2)), /2 unknown pieces/],
  ['unk_id not the unknown piece', model(trainer(int(40, 3))), /unk_id 3 is not the unknown piece 0/],
  ['eos_id past the pieces', model(trainer(int(42, 99))), /eos_id 99 is not a piece/],
  ['bos_id -2', model(trainer(int(41, -2))), /bos_id -2 is not a piece/],
  ['byte_fallback without byte pieces', model(trainer(int(35, 1))), /byte_fallback without the byte piece <0x00>/],
  ['model_type 9', model(trainer(int(3, 9))), /model_type 9/],
  ['trainer_spec as a varint', model(int(2, 5)), /trainer_spec has wire type 0/],
  ['a piece score as a varint', model(lengthDelimited(1, bytesOf(text(1, 'b'), int(2, 1)))), /score has wire type 0/],
  ['a charsmap whose trie does not fit', model(normalizer(lengthDelimited(2, Uint8Array.of(0xff, 0xff, 0, 0, 1, 2)))), /trie fits/],
  ['no pieces at all', new Uint8Array(0), /no pieces/],
];

test('hostile model files are FormatErrors that say what is wrong', () => {
  for (const [name, bytes, message] of HOSTILE) {
    assert.throws(() => loadSentencePieceTokenizer(bytes, 'hostile.model'),
      (e) => e instanceof FormatError && /^hostile\.model: /.test(e.message) && message.test(e.message), name);
  }
});

test('unknown fields of every wire type are skipped', () => {
  const extra = bytesOf(int(99, 7), key(98, 1), new Uint8Array(8), float(97, 1.5), text(96, 'x'),
    trainer(int(200, 1), text(201, 'y')), normalizer(float(300, 2)));
  assert.deepEqual(loadSentencePieceTokenizer(model(extra, normalizer(text(1, 'identity')))).encode('a'), [3]);
});

test('mutated model files: a QkvError or a tokenizer that only throws QkvErrors, never a hang', async () => {
  const cases = new URL('./fuzz-sentencepiece-cases.mjs', import.meta.url);
  const { read } = await runWatched(cases, { seed: SEED, cases: CASES }, { hangMs: HANG_MS, seed: SEED });
  // Some mutations must leave a readable file, or the tokenizers made from them would go untested.
  assert.ok(read > CASES / 20, `only ${read} of ${CASES} mutated files were readable`);
});

test('random strings through the fixture models; byte-fallback BPE without normalization is lossless', () => {
  const r = rng(SEED + 1);
  const tokenizers = ALL_MODELS.map(([name, bytes]) => [name, loadSentencePieceTokenizer(bytes, name)]);
  for (let i = 0; i < CASES; i++) {
    const s = randomText(r);
    for (const [name, tokenizer] of tokenizers) {
      const ids = tokenizer.encode(s);
      const back = tokenizer.decode(ids);
      assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize));
      if (name === 'bpe-bytes' && !s.includes('\u2581')) {
        assert.equal(back, s.toWellFormed(), `case ${i} (seed ${SEED}): ${JSON.stringify(s)}`);
      }
    }
  }
});
