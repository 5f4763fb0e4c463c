// T5's tokenizer.json (tests/fixtures/t5-tokenizer, made from a SentencePiece model as transformers'
// T5Converter makes it: Unigram, Precompiled + Strip + Replace, Metaspace, "$A </s>" / "$A </s> $B </s>",
// <extra_id_N> sentinels) against Hugging Face tokenizers itself (goldens.json from its Node binding):
// ids with and without </s>, pairs, and decodes with and without special tokens.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createTokenizer } from '../../dist/index.js';

const dir = new URL('../fixtures/t5-tokenizer/', import.meta.url);
const read = (name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const goldens = read('goldens.json');
const json = read('tokenizer.json');
const tokenizer = createTokenizer(json, read('tokenizer_config.json'));

test('T5 tokenizer.json: ids, tokens and decodes as Hugging Face tokenizers gives them', () => {
  assert.equal(tokenizer.vocabSize, goldens.vocab_size);
  for (const c of goldens.cases) {
    const what = JSON.stringify(c.text);
    assert.deepEqual(tokenizer.encode(c.text), c.ids, `ids of ${what}`);
    // The binding names an unknown token by the text it covers; the vocabulary by <unk>.
    const tokens = c.ids.map((id, i) => (id === tokenizer.unkTokenId ? c.tokens[i] : tokenizer.idToToken(id)));
    assert.deepEqual(tokens, c.tokens, `tokens of ${what}`);
    assert.deepEqual(tokenizer.encode(c.text, { add_special_tokens: false }), c.ids_without_special, `ids without </s> of ${what}`);
    assert.equal(tokenizer.decode(c.ids), c.decoded, `decode of ${what}`);
    assert.equal(tokenizer.decode(c.ids, { skip_special_tokens: true }), c.decoded_skip, `decode without specials of ${what}`);
  }
  for (const p of goldens.pairs) {
    assert.deepEqual(tokenizer.encodePair(p.text, p.text_pair), { input_ids: p.ids, token_type_ids: p.type_ids });
  }
  assert.equal(tokenizer.pad_token_id, 0);
  assert.equal(tokenizer.tokenToId('<extra_id_0>'), 289);
});

test('sensitivity: without the Strip / Replace normalizers, whitespace runs tokenize differently', () => {
  const [precompiled] = json.normalizer.normalizers;
  const bare = createTokenizer({ ...json, normalizer: precompiled });
  const differs = goldens.cases.filter((c) => JSON.stringify(bare.encode(c.text)) !== JSON.stringify(c.ids));
  assert.ok(differs.some((c) => /\s{2,}/.test(c.text)), 'a whitespace-run case changes');
});
