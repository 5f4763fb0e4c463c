// web/src/tokenizers/from-gguf.ts: qkv's tokenizer built from a GGUF file's metadata alone
// (llama.cpp's vocab-only files in tests/fixtures/gguf/vocab, read by the wasm GGUF header reader),
// checked against llama.cpp's golden vectors (ids from Hugging Face tokenizers), Hugging Face
// tokenizers' references for the same models, and ids llama.cpp itself gives for special tokens and
// chat-template-rendered text (vocab/llama-cpp-goldens.json, from node-llama-cpp); hostile metadata
// gives named errors; a wrong pre-tokenizer fails the goldens.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { env, FormatError, UnsupportedError } from '../../dist/index.js';
import { getBackend } from '../../dist/backend.js';
import { bufferSource } from '../../dist/io/byte-source.js';
import { tokenizerFromGguf } from '../../dist/tokenizers/from-gguf.js';
import { readGgufHeader } from '../../dist/weights/gguf-header.js';
import { assertGoldens, assertReferences, assertStreamingMatchesDecode, goldenCases, UNICODE_TEXTS } from './tokenizer-cases.mjs';

env.wasm.numThreads = 1;
const backend = await getBackend();
const vocabDir = new URL('../fixtures/gguf/vocab/', import.meta.url);
const llamaCpp = JSON.parse(readFileSync(new URL('llama-cpp-goldens.json', vocabDir), 'utf8'));
const VOCABS = ['llama-spm', 'gpt-2', 'bert-bge', 'qwen2', 'llama-bpe', 'starcoder'];

const headers = new Map();
/** The header of a committed vocab file (read once through the wasm GGUF reader). */
async function header(name) {
  if (!headers.has(name)) {
    const bytes = new Uint8Array(gunzipSync(readFileSync(new URL(`ggml-vocab-${name}.gguf.gz`, vocabDir))));
    headers.set(name, await readGgufHeader(backend, bufferSource(`ggml-vocab-${name}.gguf`, bytes)));
  }
  return headers.get(name);
}
const built = new Map();
async function fromGguf(name) {
  if (!built.has(name)) built.set(name, tokenizerFromGguf(await header(name)));
  return built.get(name);
}
/** The metadata of `name` with some keys replaced (undefined deletes), as a header-shaped object. */
async function edited(name, changes) {
  const metadata = new Map((await header(name)).metadata);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) metadata.delete(key);
    else metadata.set(key, value);
  }
  return { metadata };
}

for (const name of VOCABS) {
  test(`${name}: every llama.cpp golden vector, from the GGUF metadata alone`, async () => {
    assertGoldens((await fromGguf(name)).tokenizer, name);
  });

  test(`${name}: llama.cpp's ids for special tokens in text, its bos/eos, and its special ids`, async () => {
    const { tokenizer, specialIds, addBos, addEos } = await fromGguf(name);
    const ref = llamaCpp.vocabs[name];
    assert.equal(addBos, ref.add_bos);
    assert.equal(addEos, ref.add_eos);
    assert.equal(specialIds.bos ?? null, ref.bos);
    assert.equal(specialIds.eos ?? null, ref.eos);
    if (ref.eot !== null) assert.ok(specialIds.eog.includes(ref.eot), `eot ${ref.eot} ends generation`);
    if (ref.eos !== null) assert.ok(specialIds.eog.includes(ref.eos), `eos ${ref.eos} ends generation`);
    for (const { text, ids } of ref.cases) {
      assert.deepEqual(tokenizer.encode(text, { add_special_tokens: false }), ids, JSON.stringify(text));
      // llama.cpp's add_special: bos (BERT: [CLS]) before, eos after when asked; BERT adds [SEP] (add_sep).
      const after = [...(ref.add_eos ? [ref.eos] : []), ...(name === 'bert-bge' ? [specialIds.sep] : [])];
      assert.deepEqual(tokenizer.encode(text), [...(ref.add_bos ? [ref.bos] : []), ...ids, ...after], JSON.stringify(text));
    }
  });

  test(`${name}: decode(encode(text)) gives the text back`, async () => {
    const { tokenizer } = await fromGguf(name);
    const texts = goldenCases(name).map((c) => c.text);
    for (const text of texts) {
      const back = tokenizer.decode(tokenizer.encode(text, { add_special_tokens: false }));
      if (name === 'bert-bge') {
        // WordPiece loses case, accents and spacing around punctuation: compare the words.
        const words = (s) => s.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '').match(/[\p{L}\p{N}]+/gu) ?? [];
        if (!tokenizer.encode(text, { add_special_tokens: false }).includes(100)) assert.deepEqual(words(back), words(text), JSON.stringify(text));
      } else {
        assert.equal(back, name === 'qwen2' ? text.normalize('NFC') : text, JSON.stringify(text));
      }
    }
    if (name !== 'bert-bge') for (const text of UNICODE_TEXTS) assertStreamingMatchesDecode(tokenizer, text);
  });
}

test('the same tokenizer as the Hub tokenizer.json: Hugging Face references for LLaMA, Qwen2 and BERT', async () => {
  assertReferences((await fromGguf('llama-spm')).tokenizer, 'llama-tokenizer');
  assertReferences((await fromGguf('qwen2')).tokenizer, 'qwen2-tokenizer');
  assertReferences((await fromGguf('bert-bge')).tokenizer, 'bert-tokenizer');
  // A token that is a byte-order mark survives the GGUF string decoding (not dropped as a BOM).
  assert.equal((await fromGguf('llama-spm')).tokenizer.idToToken(30143), '\ufeff');
});

test("the chat template from tokenizer.chat_template renders, and llama.cpp's ids for the rendered text", async () => {
  for (const name of VOCABS) {
    const chat = llamaCpp.vocabs[name].chat;
    if (!chat) continue;
    const { tokenizer, chatTemplate } = await fromGguf(name);
    const options = { add_generation_prompt: chat.add_generation_prompt, ...(chat.from_file ? {} : { chat_template: chat.template }) };
    if (chat.from_file) {
      assert.equal(chatTemplate, (await header(name)).metadata.get('tokenizer.chat_template'));
      assert.equal(tokenizer.chat_template, chatTemplate);
    } else {
      assert.equal(chatTemplate, undefined, name);
      assert.throws(() => tokenizer.apply_chat_template(chat.messages), /no chat template/);
    }
    // bos_token / eos_token come from the metadata's ids.
    assert.equal(tokenizer.apply_chat_template(chat.messages, { ...options, tokenize: false }), chat.rendered, name);
    assert.deepEqual(tokenizer.apply_chat_template(chat.messages, options), chat.ids, name);
  }
  const named = tokenizerFromGguf(await edited('qwen2', { 'tokenizer.chat_template.tool_use': 'TOOLS{{ messages[0].content }}' }));
  assert.equal(named.tokenizer.apply_chat_template([{ role: 'user', content: 'x' }], { chat_template: 'tool_use', tokenize: false }), 'TOOLSx');
  assert.equal(named.chatTemplate, (await header('qwen2')).metadata.get('tokenizer.chat_template'));
});

test('add_bos_token, add_eos_token, add_space_prefix and the BERT normalizer keys from the metadata are obeyed', async () => {
  const spm = tokenizerFromGguf(await edited('llama-spm', {
    'tokenizer.ggml.add_bos_token': false, 'tokenizer.ggml.add_eos_token': true, 'tokenizer.ggml.add_space_prefix': false,
  }));
  const base = (await fromGguf('llama-spm')).tokenizer;
  assert.deepEqual(base.encode('Hello'), [1, 15043]); // <s> ▁Hello
  // Without the space prefix, "Hello" is not "▁Hello"; </s> closes it.
  const ids = spm.tokenizer.encode('Hello');
  assert.equal(ids.at(-1), 2);
  assert.notEqual(ids[0], 1);
  assert.notDeepEqual(ids.slice(0, -1), [15043]);
  assert.equal(spm.tokenizer.decode(ids, { skip_special_tokens: true }), 'Hello');
  const bert = (await fromGguf('bert-bge')).tokenizer;
  const cased = tokenizerFromGguf(await edited('bert-bge', { 'tokenizer.ggml.normalizer.lowercase': false })).tokenizer;
  assert.deepEqual(bert.encode('Hello café', { add_special_tokens: false }), bert.encode('hello cafe', { add_special_tokens: false }));
  assert.notDeepEqual(cased.encode('Hello', { add_special_tokens: false }), bert.encode('Hello', { add_special_tokens: false }));
  const accents = tokenizerFromGguf(await edited('bert-bge', { 'tokenizer.ggml.normalizer.strip_accents': false })).tokenizer;
  assert.notDeepEqual(accents.encode('café', { add_special_tokens: false }), bert.encode('café', { add_special_tokens: false }));
  const qwen = tokenizerFromGguf(await edited('qwen2', { 'tokenizer.ggml.add_bos_token': true }));
  assert.deepEqual(qwen.tokenizer.encode('hi'), [151643, ...(await fromGguf('qwen2')).tokenizer.encode('hi')]);
});

test("tokenizer.ggml.pre \"default\" (llama.cpp's four regexes in turn) gives llama.cpp's ids", async () => {
  const { base, pre, cases } = llamaCpp.pre_default;
  const { tokenizer } = tokenizerFromGguf(await edited(base, { 'tokenizer.ggml.pre': pre }));
  assert.equal(cases.length, goldenCases(base).length);
  let differ = 0;
  for (const { text, ids } of cases) {
    assert.deepEqual(tokenizer.encode(text), ids, JSON.stringify(text));
    if (ids.join() !== goldenCases(base).find((c) => c.text === text).ids.join()) differ++;
  }
  assert.ok(differ > 0, 'the default regexes split some golden text differently from GPT-2\'s');
});

test("add_space_prefix false (as Gemma 3's GGUFs say) gives llama.cpp's ids", async () => {
  const { base, add_space_prefix: prefix, cases } = llamaCpp.no_space_prefix;
  const { tokenizer } = tokenizerFromGguf(await edited(base, { 'tokenizer.ggml.add_space_prefix': prefix }));
  for (const { text, ids } of cases) {
    assert.deepEqual(tokenizer.encode(text, { add_special_tokens: false }), ids, JSON.stringify(text));
    assert.equal(tokenizer.decode(ids, { skip_special_tokens: true }), text.replace(/<\/?s>/g, ''), JSON.stringify(text));
  }
});

test('a wrong pre-tokenizer fails the goldens (the pre name is what splits the text)', async () => {
  const failures = async (name, pre) => {
    const { tokenizer } = tokenizerFromGguf(await edited(name, { 'tokenizer.ggml.pre': pre }));
    return goldenCases(name).filter(({ text, ids }) => tokenizer.encode(text, { add_special_tokens: false }).join() !== ids.join()).length;
  };
  assert.ok(await failures('llama-bpe', 'qwen2') > 0, 'llama-bpe read as qwen2');
  assert.ok(await failures('qwen2', 'smollm') > 0, 'qwen2 read as smollm');
  assert.ok(await failures('qwen2', 'gpt-2') > 0, 'qwen2 read as gpt-2');
  assert.ok(await failures('starcoder', 'gpt-2') > 0, 'starcoder read as gpt-2');
  assert.ok(await failures('gpt-2', 'default') > 0, 'gpt-2 read as default');
});

test('hostile or unsupported metadata gives named errors', async () => {
  const variants = {};
  for (const name of ['llama-spm', 'gpt-2', 'bert-bge']) {
    const metadata = (await header(name)).metadata;
    variants[name] = (changes) => {
      const m = new Map(metadata);
      for (const [k, v] of Object.entries(changes)) (v === undefined ? m.delete(k) : m.set(k, v));
      return { metadata: m };
    };
  }
  const rejects = async (name, changes, type, pattern) => {
    assert.throws(() => tokenizerFromGguf(variants[name](changes)), (e) => e instanceof type && pattern.test(e.message),
      `${name} ${Object.keys(changes).join(', ')}`);
  };
  const spm = (await header('llama-spm')).metadata;
  const gpt2 = (await header('gpt-2')).metadata;
  const n = spm.get('tokenizer.ggml.tokens').length;
  await rejects('llama-spm', { 'tokenizer.ggml.scores': spm.get('tokenizer.ggml.scores').slice(1) }, FormatError,
    /tokenizer\.ggml\.scores has 31999 entries for 32000 tokens/);
  await rejects('llama-spm', { 'tokenizer.ggml.token_type': new Int32Array(n + 1) }, FormatError, /tokenizer\.ggml\.token_type has 32001/);
  await rejects('llama-spm', { 'tokenizer.ggml.scores': undefined }, FormatError, /tokenizer\.ggml\.scores is missing/);
  await rejects('llama-spm', { 'tokenizer.ggml.scores': new Uint8Array(n) }, FormatError, /tokenizer\.ggml\.scores must be an array of f32 or i32/);
  await rejects('llama-spm', { 'tokenizer.ggml.bos_token_id': 32000 }, FormatError, /bos_token_id is 32000, outside the vocabulary \(ids 0 to 31999\)/);
  await rejects('llama-spm', { 'tokenizer.ggml.eos_token_id': 'two' }, FormatError, /eos_token_id must be an integer token id, found the string "two"/);
  await rejects('llama-spm', { 'tokenizer.ggml.add_bos_token': 1 }, FormatError, /add_bos_token must be a bool, found the number 1/);
  await rejects('llama-spm', { 'tokenizer.chat_template': 7 }, FormatError, /tokenizer\.chat_template must be a string/);
  await rejects('llama-spm', { 'tokenizer.ggml.tokens': new Int32Array(3) }, FormatError, /tokenizer\.ggml\.tokens must be an array of strings/);
  await rejects('llama-spm', { 'tokenizer.ggml.tokens': [] }, FormatError, /tokenizer\.ggml\.tokens is missing or empty/);
  await rejects('llama-spm', { 'tokenizer.ggml.model': undefined }, FormatError, /tokenizer\.ggml\.model is missing/);
  await rejects('llama-spm', { 'tokenizer.ggml.model': 'rwkv' }, UnsupportedError,
    /tokenizer\.ggml\.model "rwkv" is not supported; qkv reads llama, gpt2, bert/);
  const tokens = [...spm.get('tokenizer.ggml.tokens')];
  tokens[500] = tokens[400];
  await rejects('llama-spm', { 'tokenizer.ggml.tokens': tokens }, FormatError, new RegExp(`"${tokens[400]}" more than once`));
  await rejects('gpt-2', { 'tokenizer.ggml.pre': 'tekken' }, UnsupportedError, /tokenizer\.ggml\.pre "tekken" is not supported; qkv reads default, gpt-2, .*llama-bpe.*qwen2/);
  const merges = [...gpt2.get('tokenizer.ggml.merges')];
  merges[7] = 'zzzq zzzr';
  await rejects('gpt-2', { 'tokenizer.ggml.merges': merges }, FormatError, /tokenizer\.ggml\.merges\[7\] uses "zzzq", which is not in tokenizer\.ggml\.tokens/);
  await rejects('gpt-2', { 'tokenizer.ggml.merges': undefined }, FormatError, /tokenizer\.ggml\.merges is missing/);
  await rejects('gpt-2', { 'tokenizer.ggml.merges': ['nospace'] }, FormatError, /merges\[0\] must be two tokens separated by a space/);
  await rejects('gpt-2', { 'tokenizer.ggml.add_bos_token': true, 'tokenizer.ggml.bos_token_id': undefined }, FormatError,
    /add_bos_token is set but tokenizer\.ggml\.bos_token_id is missing/);
  await rejects('bert-bge', { 'tokenizer.ggml.unknown_token_id': undefined }, FormatError, /unknown_token_id is missing/);
  await rejects('bert-bge', { 'tokenizer.ggml.seperator_token_id': 1n << 40n }, FormatError, /seperator_token_id is 1099511627776, outside/);
});

test('qwen2 (152k tokens, 151k merges): built in bounded time and memory', async (t) => {
  const h = await header('qwen2');
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  const { tokenizer } = tokenizerFromGguf(h);
  const ms = performance.now() - start;
  globalThis.gc?.();
  const mb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  t.diagnostic(`qwen2 tokenizer from GGUF metadata: ${ms.toFixed(0)} ms, heap +${mb.toFixed(1)} MB`);
  assert.equal(tokenizer.vocabSize, 151936);
  assert.ok(ms < 10_000, `${ms} ms`);
});
