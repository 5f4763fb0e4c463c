// SentencePiece model files read unconverted (loadSentencePieceTokenizer), against the sentencepiece
// library's own EncodeAsIds, DecodeIds and piece offsets on models it trained
// (tests/fixtures/gen_sentencepiece.py, python3-sentencepiece 0.1.97): Unigram with the nmt_nfkc
// charsmap, Unigram with byte_fallback and NFKC, BPE without the dummy prefix, BPE with byte_fallback
// and neither normalization nor whitespace folding, Unigram with pieces across words ("▁of▁the").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError, InvalidArgumentError, loadSentencePieceTokenizer, UnsupportedError } from '../../dist/index.js';
import { readSentencePieceModel } from '../../dist/tokenizers/sentencepiece-model.js';
import { tokenizerFromSentencePieceModel } from '../../dist/tokenizers/sentencepiece.js';

const dir = new URL('../fixtures/sentencepiece/', import.meta.url);
const goldens = JSON.parse(readFileSync(new URL('goldens.json', dir), 'utf8'));
const NAMES = ['unigram', 'unigram-bytes', 'bpe', 'bpe-bytes', 'unigram-phrases'];
const modelBytes = (name) => new Uint8Array(readFileSync(new URL(`${name}.model`, dir)));
const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

test('the fixtures cover every model and the hard strings', () => {
  assert.deepEqual(Object.keys(goldens.models).sort(), [...NAMES].sort());
  for (const name of NAMES) assert.ok(goldens.models[name].encode.length >= 20);
});

for (const name of NAMES) {
  const tokenizer = loadSentencePieceTokenizer(modelBytes(name), `${name}.model`);
  const { encode, decode } = goldens.models[name];

  test(`${name}: encode gives the library's ids and pieces`, () => {
    for (const g of encode) {
      const ids = tokenizer.encode(g.text);
      assert.deepEqual(ids, g.ids, `ids of ${JSON.stringify(g.text)}`);
      assert.deepEqual(ids.map((id) => tokenizer.idToToken(id)), g.pieces, `pieces of ${JSON.stringify(g.text)}`);
      // EncodeAsIds adds no special tokens: add_special_tokens changes nothing.
      assert.deepEqual(tokenizer.encode(g.text, { add_special_tokens: false }), g.ids);
    }
  });

  test(`${name}: 200 random strings encode and decode as in the library`, () => {
    for (const g of goldens.models[name].random) {
      assert.deepEqual(tokenizer.encode(g.text), g.ids, `ids of ${JSON.stringify(g.text)}`);
      assert.equal(tokenizer.decode(g.ids), g.decoded, `decode of ${JSON.stringify(g.ids)}`);
    }
  });

  test(`${name}: decode and a decode stream give the library's text`, () => {
    const cases = [...encode, ...decode];
    for (const g of cases) {
      assert.equal(tokenizer.decode(g.ids), g.decoded, `decode of ${JSON.stringify(g.ids)}`);
      const stream = tokenizer.createDecodeStream();
      const streamed = g.ids.map((id) => stream.push(id)).join('') + stream.flush();
      assert.equal(streamed, g.decoded, `streamed decode of ${JSON.stringify(g.ids)}`);
    }
  });

  test(`${name}: offsets are the library's piece spans (byte pieces: within them)`, () => {
    for (const g of encode) {
      const { ids, offsets } = tokenizer.encodeWithOffsets(g.text);
      assert.deepEqual(ids, g.ids);
      offsets.forEach(([start, end], i) => {
        const [wantStart, wantEnd] = g.offsets[i];
        const where = `${JSON.stringify(g.text)} piece ${i} ${g.pieces[i]}`;
        if (BYTE_PIECE.test(g.pieces[i])) {
          // The library spans a character with its last byte piece only; qkv spans the run with each.
          assert.ok(start <= wantStart && end >= wantEnd, `${where}: [${start}, ${end}] holds [${wantStart}, ${wantEnd}]`);
        } else {
          assert.deepEqual([start, end], [wantStart, wantEnd], where);
        }
      });
    }
  });
}

test('the precompiled charsmap is applied: without it, nmt_nfkc text encodes differently', () => {
  const model = readSentencePieceModel(modelBytes('unigram'), 'unigram.model');
  assert.equal(model.normalizerSpec.name, 'nmt_nfkc');
  assert.ok(model.normalizerSpec.precompiledCharsmap.length > 1000);
  const text = 'ﬁne ｆｕｌｌ ①②';
  const golden = goldens.models.unigram.encode.find((g) => g.text === text);
  assert.deepEqual(tokenizerFromSentencePieceModel(model).encode(text), golden.ids);
  const bare = { ...model, normalizerSpec: { ...model.normalizerSpec, precompiledCharsmap: new Uint8Array(0) } };
  assert.notDeepEqual(tokenizerFromSentencePieceModel(bare).encode(text), golden.ids);
});

test('pieces across words are found (the text is not cut at spaces for such a model)', () => {
  const tokenizer = loadSentencePieceTokenizer(modelBytes('unigram-phrases'));
  const ids = tokenizer.encode('of the program');
  assert.equal(tokenizer.idToToken(ids[0]), '\u2581of\u2581the');
});

test('the model file fields are read as the trainer wrote them', () => {
  const spec = (name) => readSentencePieceModel(modelBytes(name), name);
  const unigram = spec('unigram');
  assert.equal(unigram.pieces.length, 500);
  assert.deepEqual(unigram.pieces.slice(0, 3).map((p) => [p.piece, p.type]), [['<unk>', 2], ['<s>', 3], ['</s>', 3]]);
  assert.deepEqual([unigram.trainerSpec.modelType, unigram.trainerSpec.unkId, unigram.trainerSpec.bosId,
    unigram.trainerSpec.eosId, unigram.trainerSpec.padId], [1, 0, 1, 2, -1]);
  assert.equal(unigram.trainerSpec.byteFallback, false);
  assert.equal(unigram.trainerSpec.unkSurface, ' \u2047 ');
  const bpe = spec('bpe');
  assert.equal(bpe.trainerSpec.modelType, 2);
  assert.equal(bpe.normalizerSpec.addDummyPrefix, false);
  const bytes = spec('bpe-bytes');
  assert.equal(bytes.trainerSpec.byteFallback, true);
  assert.equal(bytes.normalizerSpec.name, 'identity');
  assert.equal(bytes.normalizerSpec.precompiledCharsmap.length, 0);
  assert.equal(bytes.normalizerSpec.removeExtraWhitespaces, false);
  assert.equal(bytes.pieces.filter((p) => p.type === 6).length, 256);
});

test('a damaged model file is a FormatError, and the tokenizers already made still work', () => {
  const tokenizer = loadSentencePieceTokenizer(modelBytes('bpe-bytes'));
  const bytes = modelBytes('bpe-bytes');
  assert.throws(() => loadSentencePieceTokenizer(bytes.subarray(0, bytes.length - 3), 'cut.model'),
    (e) => e instanceof FormatError && /cut\.model: not a SentencePiece model/.test(e.message));
  assert.throws(() => loadSentencePieceTokenizer(new TextEncoder().encode('{"model": {}}'), 'tokenizer.json'), FormatError);
  assert.throws(() => loadSentencePieceTokenizer(new Uint8Array(0)), /no pieces/);
  assert.throws(() => loadSentencePieceTokenizer('not bytes'), InvalidArgumentError);
  assert.deepEqual(tokenizer.encode('hello world'), goldens.models['bpe-bytes'].encode.find((g) => g.text === 'hello world').ids);
});

test('WORD and CHAR models are refused by name', () => {
  const model = readSentencePieceModel(modelBytes('bpe-bytes'));
  for (const [type, name] of [[3, 'WORD'], [4, 'CHAR']]) {
    const other = { ...model, trainerSpec: { ...model.trainerSpec, modelType: type } };
    assert.throws(() => tokenizerFromSentencePieceModel(other, 'x.model'),
      (e) => e instanceof UnsupportedError && e.message.includes(`model type ${name} is not supported`));
  }
});
