// M2M100 tokenizers from sentencepiece.bpe.model, vocab.json and tokenizer_config.json (loadM2M100Tokenizer),
// against a re-implementation of transformers' tokenization_m2m_100.py over the sentencepiece library
// (tests/fixtures/gen_m2m100_tokenizer.py): the [__src__] text </s> template for every src_lang, language
// tokens after the vocabulary for language_codes m2m100 and wmt21, pieces missing from vocab.json, special
// tokens in the text, and decode with language tokens, madeup words and special tokens.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FormatError, InvalidArgumentError, loadM2M100Tokenizer } from '../../dist/index.js';

const dir = new URL('../fixtures/m2m100-spm/', import.meta.url);
const goldens = JSON.parse(readFileSync(new URL('goldens.json', dir), 'utf8'));
const configText = readFileSync(new URL('tokenizer_config.json', dir), 'utf8');

/** The folder's files by name, as bytes; `config` changes tokenizer_config.json's keys. */
function folder(config = {}) {
  const files = {};
  for (const name of readdirSync(dir)) if (name !== 'goldens.json') files[name] = new Uint8Array(readFileSync(new URL(name, dir)));
  files['tokenizer_config.json'] = JSON.stringify({ ...JSON.parse(configText), ...config });
  return files;
}

const tokenizers = {
  m2m100: loadM2M100Tokenizer(folder()),
  wmt21: loadM2M100Tokenizer(wmt21()),
};

/** The folder with language_codes wmt21 and without special_tokens_map.json (it lists m2m100's 100 languages). */
function wmt21(config = {}) {
  const files = folder({ language_codes: 'wmt21', ...config });
  delete files['special_tokens_map.json'];
  return files;
}

for (const [codes, tok] of Object.entries(tokenizers)) {
  const g = goldens.tokenizers[codes];

  test(`${codes}: ids match tokenization_m2m_100.py for every src_lang`, () => {
    assert.equal(tok.vocabSize, g.vocab_size);
    for (const c of g.cases) {
      const what = `${JSON.stringify(c.text)} from ${c.src_lang}`;
      assert.deepEqual(tok.encode(c.text, { src_lang: c.src_lang }), c.ids, `ids of ${what}`);
      assert.deepEqual(tok.encode(c.text, { src_lang: c.src_lang, add_special_tokens: false }), c.ids_bare, `bare ids of ${what}`);
      const tgt = codes === 'm2m100' ? 'fr' : 'ja';
      assert.deepEqual(tok.encodeTarget(c.text, { tgt_lang: tgt }), c.target_ids, `target ids of ${what}`);
    }
  });

  test(`${codes}: decode matches tokenization_m2m_100.py`, () => {
    for (const c of [...g.cases, ...g.decode]) {
      assert.equal(tok.decode(c.ids), c.decoded, `decode of ${JSON.stringify(c.ids)}`);
      assert.equal(tok.decode(c.ids, { skip_special_tokens: true }), c.decoded_skip, `decode (skip) of ${JSON.stringify(c.ids)}`);
    }
  });
}

test('the language tokens follow vocab.json in FAIRSEQ_LANGUAGE_CODES order; the default source is "en"', () => {
  const tok = tokenizers.m2m100;
  const vocabSize = Object.keys(JSON.parse(readFileSync(new URL('vocab.json', dir), 'utf8'))).length;
  assert.equal(tok.languageCodes.length, 100);
  assert.equal(tok.langTokenId('af'), vocabSize);
  assert.equal(tok.langTokenId('zu'), vocabSize + 99);
  assert.equal(tok.tokenToId('__en__'), tok.langTokenId('en'));
  assert.equal(tok.idToToken(vocabSize + 18), '__en__');
  // The madeup words after the languages decode as <unk>.
  assert.equal(tok.idToToken(vocabSize + 100), '<unk>');
  assert.equal(tok.srcLang, 'en');
  assert.equal(tok.encode('x')[0], tok.langTokenId('en'));
  assert.equal(loadM2M100Tokenizer(folder({ src_lang: 'de' })).encode('x')[0], tok.langTokenId('de'));
  assert.deepEqual(tokenizers.wmt21.languageCodes, ['en', 'ha', 'is', 'ja', 'cs', 'ru', 'zh', 'de']);
  // special_tokens_map.json's tokens replace tokenizer_config.json's (from_pretrained's legacy path), unless
  // tokenizer_config.json has added_tokens_decoder.
  const files = folder();
  files['special_tokens_map.json'] = JSON.stringify({ eos_token: { content: '<pad>' } });
  assert.equal(loadM2M100Tokenizer(files).eos_token_id, 1);
  files['tokenizer_config.json'] = JSON.stringify({ ...JSON.parse(configText), added_tokens_decoder: {} });
  assert.equal(loadM2M100Tokenizer(files).eos_token_id, 2);
  // Tokens written as AddedToken dicts (newer special_tokens_map.json, older tokenizer_config.json) are their content.
  const map = JSON.parse(readFileSync(new URL('special_tokens_map.json', dir), 'utf8'));
  const dicts = folder({ eos_token: { __type: 'AddedToken', content: '</s>', lstrip: false }, additional_special_tokens: [{ content: '__zu__' }] });
  dicts['special_tokens_map.json'] = JSON.stringify({ ...map, additional_special_tokens: map.additional_special_tokens.map((content) => ({ content })) });
  const c = goldens.tokenizers.m2m100.cases[3];
  assert.deepEqual(loadM2M100Tokenizer(dicts).encode(c.text), c.ids);
});

test('a folder missing vocab.json or sentencepiece.bpe.model, or with bad fields, is a FormatError naming it', () => {
  for (const name of ['vocab.json', 'sentencepiece.bpe.model']) {
    const files = folder();
    delete files[name];
    assert.throws(() => loadM2M100Tokenizer(files), (e) => e instanceof FormatError && e.message.includes(`${name} is missing`), name);
  }
  assert.throws(() => loadM2M100Tokenizer(folder({ language_codes: 'm2m200' })), /language_codes "m2m200" is not one of m2m100, wmt21/);
  assert.throws(() => loadM2M100Tokenizer(wmt21({ src_lang: 'fr' })), /src_lang "fr" is not a language of wmt21/);
  assert.throws(() => loadM2M100Tokenizer(folder({ num_madeup_words: -1 })), FormatError);
  // special_tokens_map.json's 100 languages are not wmt21's: qkv adds no tokens beyond the languages.
  assert.throws(() => loadM2M100Tokenizer(folder({ language_codes: 'wmt21' })), /special token "__af__" is neither in vocab\.json nor a language token/);
  assert.throws(() => loadM2M100Tokenizer({ ...folder(), 'vocab.json': '{"a": 1}' }), /special token "<s>" is neither in vocab\.json/);
  assert.throws(() => loadM2M100Tokenizer({ ...folder(), 'vocab.json': 'not json' }), FormatError);
  assert.throws(() => loadM2M100Tokenizer({ ...folder(), 'sentencepiece.bpe.model': new Uint8Array([8, 1]) }),
    /sentencepiece\.bpe\.model: not a SentencePiece model/);
  assert.throws(() => loadM2M100Tokenizer({ ...folder(), 'sentencepiece.bpe.model': 'text' }), InvalidArgumentError);
  assert.throws(() => loadM2M100Tokenizer(null), InvalidArgumentError);
  // The tokenizer made before is untouched.
  const c = goldens.tokenizers.m2m100.cases[3];
  assert.deepEqual(tokenizers.m2m100.encode(c.text), c.ids);
});

test('an unknown language and other bad arguments are named errors; the tokenizer stays usable', () => {
  const tok = tokenizers.m2m100;
  assert.throws(() => tok.encode('x', { src_lang: 'xx' }), (e) => e instanceof InvalidArgumentError && /src_lang "xx" is not a language/.test(e.message));
  assert.throws(() => tok.encode('x', { src_lang: 'xx', add_special_tokens: false }), InvalidArgumentError);
  assert.throws(() => tok.encodeTarget('x'), /give tgt_lang/);
  assert.throws(() => tok.encodeTarget('x', { tgt_lang: 'klingon' }), InvalidArgumentError);
  assert.throws(() => tokenizers.wmt21.encode('x', { src_lang: 'fr' }), InvalidArgumentError);
  assert.throws(() => tok.encode(42), InvalidArgumentError);
  assert.throws(() => tok.encode('x', { add_special_tokens: 'yes' }), InvalidArgumentError);
  assert.throws(() => tok.decode([tok.vocabSize]), InvalidArgumentError);
  assert.throws(() => tok.decode([-1]), InvalidArgumentError);
  assert.throws(() => tok.decode('0'), InvalidArgumentError);
  const c = goldens.tokenizers.m2m100.cases[3];
  assert.deepEqual(tok.encode(c.text, { src_lang: c.src_lang }), c.ids);
});
