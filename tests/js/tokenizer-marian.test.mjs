// Marian (opus-mt) tokenizers from source.spm, target.spm and vocab.json (loadMarianTokenizer), against
// a re-implementation of transformers' tokenization_marian.py over the sentencepiece library
// (tests/fixtures/gen_marian_tokenizer.py): source and target ids with language codes, pieces missing
// from vocab.json, separate_vocabs, and decode with special tokens.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError, InvalidArgumentError, loadMarianTokenizer } from '../../dist/index.js';

const dir = new URL('../fixtures/marian-tokenizer/', import.meta.url);
const goldens = JSON.parse(readFileSync(new URL('goldens.json', dir), 'utf8'));

/** The folder's files by name, as bytes. */
function folder() {
  const files = {};
  for (const name of readdirSync(dir)) if (name !== 'goldens.json') files[name] = new Uint8Array(readFileSync(new URL(name, dir)));
  return files;
}

const shared = loadMarianTokenizer(folder());
const separateConfig = JSON.stringify({ ...JSON.parse(readFileSync(new URL('tokenizer_config.json', dir), 'utf8')), separate_vocabs: true });
const separate = loadMarianTokenizer({ ...folder(), 'tokenizer_config.json': separateConfig });

test('source and target ids match tokenization_marian.py (shared vocabulary)', () => {
  for (const g of goldens.shared) {
    assert.deepEqual(shared.encode(g.text), g.source_ids, `source ids of ${JSON.stringify(g.text)}`);
    assert.deepEqual(shared.encodeTarget(g.text), g.target_ids, `target ids of ${JSON.stringify(g.text)}`);
    assert.deepEqual(shared.encode(g.text, { add_special_tokens: false }), g.source_ids.slice(0, -1));
  }
});

test('decode matches tokenization_marian.py (source spm by default, target spm on request)', () => {
  for (const g of goldens.shared) {
    assert.equal(shared.decode(g.source_ids), g.decoded, `decode of ${JSON.stringify(g.text)}`);
    assert.equal(shared.decode(g.source_ids, { skip_special_tokens: true }), g.decoded_skip);
    assert.equal(shared.decode(g.target_ids, { use_source_tokenizer: false }), g.decoded_target);
  }
  for (const g of goldens.decode) {
    assert.equal(shared.decode(g.ids), g.decoded);
    assert.equal(shared.decode(g.ids, { skip_special_tokens: true }), g.decoded_skip);
  }
});

test('clean_up_tokenization_spaces in tokenizer_config.json applies transformers\' clean-up', () => {
  const config = JSON.stringify({ ...JSON.parse(readFileSync(new URL('tokenizer_config.json', dir), 'utf8')), clean_up_tokenization_spaces: true });
  const clean = loadMarianTokenizer({ ...folder(), 'tokenizer_config.json': config });
  let changed = 0;
  for (const g of goldens.shared) {
    assert.equal(clean.decode(g.source_ids), g.decoded_clean, `decode of ${JSON.stringify(g.text)}`);
    if (g.decoded_clean !== g.decoded) changed++;
  }
  assert.ok(changed >= 2, 'the goldens include text the clean-up changes');
});

test('separate_vocabs: target ids and decode from target_vocab.json', () => {
  assert.equal(separate.separateVocabs, true);
  assert.deepEqual(separate.languageCodes, []);
  for (const g of goldens.separate) {
    assert.deepEqual(separate.encode(g.text), g.source_ids, `source ids of ${JSON.stringify(g.text)}`);
    assert.deepEqual(separate.encodeTarget(g.text), g.target_ids, `target ids of ${JSON.stringify(g.text)}`);
    assert.equal(separate.decode(g.target_ids), g.decoded_target);
  }
});

test('language codes are kept whole, pieces missing from vocab.json are <unk>', () => {
  assert.deepEqual(shared.languageCodes, ['>>fr<<', '>>de<<']);
  const fr = shared.tokenToId('>>fr<<');
  assert.equal(shared.encode('>>fr<< hello')[0], fr);
  // vocab.json leaves out "▁the": the source spm's piece for "the" becomes <unk>.
  assert.equal(shared.tokenToId('\u2581the'), undefined);
  assert.deepEqual(shared.encode('the'), [shared.unkTokenId, shared.eos_token_id]);
  assert.equal(shared.eos_token_id, 0);
  assert.equal(shared.pad_token_id, shared.vocabSize - 1);
});

test('a Marian folder without target.spm, vocab.json or source.spm is a FormatError naming the file', () => {
  for (const name of ['target.spm', 'source.spm', 'vocab.json']) {
    const files = folder();
    delete files[name];
    assert.throws(() => loadMarianTokenizer(files), (e) => e instanceof FormatError && e.message.includes(`${name} is missing`), name);
  }
  const noTargetVocab = { ...folder(), 'tokenizer_config.json': separateConfig };
  delete noTargetVocab['target_vocab.json'];
  assert.throws(() => loadMarianTokenizer(noTargetVocab), /target_vocab\.json is missing/);
  assert.throws(() => loadMarianTokenizer({ ...folder(), 'vocab.json': '{"a": 1}' }), /vocab\.json has no unknown token "<unk>"/);
  assert.throws(() => loadMarianTokenizer({ ...folder(), 'vocab.json': '{"<unk>": -1}' }), FormatError);
  assert.throws(() => loadMarianTokenizer({ ...folder(), 'vocab.json': 'not json' }), FormatError);
  assert.throws(() => loadMarianTokenizer({ ...folder(), 'target.spm': new Uint8Array([8, 1]) }), /target\.spm: not a SentencePiece model/);
  assert.throws(() => loadMarianTokenizer(null), InvalidArgumentError);
  assert.throws(() => loadMarianTokenizer({ ...folder(), 'source.spm': 'text' }), InvalidArgumentError);
  // The tokenizer made before is untouched.
  assert.deepEqual(shared.encode(goldens.shared[3].text), goldens.shared[3].source_ids);
});

test('bad arguments are named errors', () => {
  assert.throws(() => shared.encode(42), InvalidArgumentError);
  assert.throws(() => shared.encode('x', { add_special_tokens: 'yes' }), InvalidArgumentError);
  assert.throws(() => shared.decode([shared.vocabSize + 5]), InvalidArgumentError);
  assert.throws(() => shared.decode('0'), InvalidArgumentError);
  assert.throws(() => shared.decode([0], { use_source_tokenizer: 1 }), InvalidArgumentError);
});
