// pipeline('translation') with src_lang / tgt_lang on the multilingual fixtures (nllb-tiny, m2m100-tiny),
// against tests/fixtures/gen_translation_tokenizers.py: the source ids as transformers' NllbTokenizer /
// M2M100Tokenizer build them ([src_lang token] ... </s>, checked with Hugging Face tokenizers by
// check_translation_tokenizers.mjs) and PyTorch's greedy target with the tgt_lang token forced first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createTokenizer, InvalidArgumentError, pipeline, translationInputs, translationLanguages, UnsupportedError, WorkerEngine } from '../../dist/index.js';
import { folder } from './fixtures.mjs';
import { run, snippet } from './readme-snippets.mjs';

const cases = (name) => JSON.parse(readFileSync(`${folder(name)}/translation.json`, 'utf8'));

for (const [name, family, codes] of [['nllb-tiny', 'NLLB', ['eng_Latn', 'fra_Latn', 'deu_Latn', 'spa_Latn', 'zho_Hans', 'jpn_Jpan']],
  ['m2m100-tiny', 'M2M100', ['en', 'fr', 'de', 'es', 'zh', 'ja']]]) {
  test(`${name}: src_lang / tgt_lang as transformers' translation pipeline`, async () => {
    const { max_new_tokens, cases: all } = cases(name);
    const translator = await pipeline('translation', folder(name));
    try {
      const { tokenizer } = translator.model;
      assert.deepEqual(translationLanguages(tokenizer).codes, codes);
      assert.equal(translationLanguages(tokenizer).family, family);
      for (const c of all) {
        const pair = { ...(c.src_lang === null ? {} : { src_lang: c.src_lang }), tgt_lang: c.tgt_lang };
        assert.deepEqual(translationInputs(tokenizer, c.text, pair), { input_ids: c.src_ids, forced_bos_token_id: c.forced_bos_token_id });
        const [out] = await translator(c.text, { ...pair, num_beams: 1, max_new_tokens });
        assert.deepEqual(out, { translation_text: c.greedy_text }, c.text);
        // Sensitivity: the forced language token changes the greedy target.
        assert.notDeepEqual(c.greedy_unforced, c.greedy.slice(0, c.greedy_unforced.length));
      }
      // Sensitivity: src_lang changes the source.
      const [first] = all;
      assert.notDeepEqual(translationInputs(tokenizer, first.text, { tgt_lang: first.tgt_lang }).input_ids, first.src_ids);
      // The task's name gives the languages when the call does not (transformers' _sanitize_parameters).
      const named = await pipeline(`translation_${first.src_lang}_to_${first.tgt_lang}`, folder(name));
      try {
        assert.deepEqual(await named(first.text, { num_beams: 1, max_new_tokens }), [{ translation_text: first.greedy_text }]);
      } finally {
        await named.dispose();
      }
      // The checkpoint's beam settings are the defaults: the same as generate() with the forced token.
      const beams = [];
      for await (const { token } of translator.model.generate(first.src_ids, { forced_bos_token_id: first.forced_bos_token_id, max_new_tokens: 6 })) {
        if (token >= 0) beams.push(token);
      }
      assert.deepEqual(await translator(first.text, { src_lang: first.src_lang, tgt_lang: first.tgt_lang, max_new_tokens: 6 }),
        [{ translation_text: tokenizer.decode(beams, { skip_special_tokens: true }) }]);

      // Bad inputs: named errors listing known codes, and the pipeline still works afterwards.
      await assert.rejects(translator(first.text, { src_lang: codes[0], tgt_lang: 'xx_Nope' }),
        (e) => e instanceof InvalidArgumentError && e.message.includes('tgt_lang "xx_Nope"') && e.message.includes(codes[1]));
      await assert.rejects(translator(first.text, { src_lang: 'klingon', tgt_lang: codes[0] }),
        (e) => e instanceof InvalidArgumentError && e.message.includes('src_lang "klingon"'));
      await assert.rejects(translator(first.text, { src_lang: codes[0] }), (e) => e instanceof InvalidArgumentError && /needs tgt_lang/.test(e.message));
      await assert.rejects(translator(first.text), (e) => e instanceof InvalidArgumentError && /needs tgt_lang/.test(e.message));
      await assert.rejects(translator(first.text, { tgt_lang: 42 }), InvalidArgumentError);
      await assert.rejects(translator(first.text, null), (e) => e instanceof InvalidArgumentError && /options must be an object/.test(e.message));
      const summarizer = await pipeline('summarization', folder(name));
      await assert.rejects(summarizer(first.text, { tgt_lang: codes[0] }), (e) => e instanceof InvalidArgumentError && /translation pipeline/.test(e.message));
      await summarizer.dispose();
      assert.deepEqual(await translator(first.text, { src_lang: first.src_lang, tgt_lang: first.tgt_lang, num_beams: 1, max_new_tokens }),
        [{ translation_text: first.greedy_text }]);
    } finally {
      await translator.dispose();
    }
  });
}

test("the tokenizer.json template decides where the language goes: NLLB's legacy_behaviour, or none (M2M100's layout)", () => {
  const json = JSON.parse(readFileSync(`${folder('nllb-tiny')}/tokenizer.json`, 'utf8'));
  const { cases: [c] } = cases('nllb-tiny');
  const [src, ...rest] = c.src_ids;
  const inner = rest.slice(0, -1);
  const eos = rest.at(-1);
  const special = (id) => ({ SpecialToken: { id, type_id: 0 } });
  const a = { Sequence: { id: 'A', type_id: 0 } };
  // NllbTokenizer(Fast) with legacy_behaviour: prefix [], suffix [eos, src_lang code].
  const legacy = createTokenizer({ ...json, post_processor: { ...json.post_processor, single: [a, special('</s>'), special('eng_Latn')] } });
  assert.deepEqual(translationInputs(legacy, c.text, { src_lang: c.src_lang, tgt_lang: c.tgt_lang }).input_ids, [...inner, eos, src]);
  assert.deepEqual(translationInputs(legacy, '', { src_lang: c.src_lang, tgt_lang: c.tgt_lang }).input_ids, [eos, src]);
  // A template without a language token (as M2M100Tokenizer, which has no tokenizer.json): [src] text </s>.
  const plain = createTokenizer({ ...json, post_processor: { ...json.post_processor, single: [a, special('</s>')], special_tokens: { '</s>': json.post_processor.special_tokens['</s>'] } } });
  assert.deepEqual(translationInputs(plain, c.text, { src_lang: c.src_lang, tgt_lang: c.tgt_lang }).input_ids, c.src_ids);
  // A text holding a language code's string keeps it: only the template's token is replaced.
  const inText = translationInputs(legacy, `eng_Latn ${c.text}`, { src_lang: c.src_lang, tgt_lang: c.tgt_lang }).input_ids;
  assert.deepEqual(inText, [legacy.tokenToId('eng_Latn'), ...inner, eos, src]);
});

test('a tokenizer without language tokens: none found, src_lang / tgt_lang refused by name', () => {
  // T5's real tokenizer is checked in text2text-pipeline.test.mjs; here a vocabulary with near misses.
  const tokenizer = { vocabSize: 4, idToToken: (i) => ['_en_', 'eng_latn', '__english__', 'en'][i] };
  assert.equal(translationLanguages(tokenizer), null);
  assert.throws(() => translationInputs(tokenizer, 'x', { tgt_lang: 'de' }), (e) => e instanceof UnsupportedError && /no language tokens/.test(e.message));
});

test('README: the multilingual translation snippet runs and prints what its comments say', async () => {
  const { code, stdout, stderr } = await run(snippet('**Multilingual translation (NLLB, M2M100).**'));
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.trim().split('\n'), ['["translation_text"]', '__fr__ ▁hello ▁world </s>', '4']);
});

test('in a worker: text2text() and translationLanguages() as on the main thread; errors keep their class', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const { max_new_tokens, cases: all } = cases('nllb-tiny');
    const [c] = all;
    const plain = all.find((x) => x.src_lang === null);
    const remote = await engine.loadModel(folder('nllb-tiny'));
    assert.deepEqual(await remote.translationLanguages(), { family: 'NLLB', codes: ['eng_Latn', 'fra_Latn', 'deu_Latn', 'spa_Latn', 'zho_Hans', 'jpn_Jpan'] });
    const pieces = [];
    const run = await remote.text2text('translation', c.text, { src_lang: c.src_lang, tgt_lang: c.tgt_lang, num_beams: 1, max_new_tokens },
      (piece) => pieces.push(piece));
    assert.deepEqual(run, { sourceIds: c.src_ids, targetIds: c.greedy, text: c.greedy_text, texts: [c.greedy_text] });
    // The target's text came as it was decoded, in pieces that make it up.
    assert.ok(pieces.length >= 2, JSON.stringify(pieces));
    assert.equal(pieces.join(''), c.greedy_text);
    await assert.rejects(remote.text2text('translation', c.text, { tgt_lang: 'nope' }), InvalidArgumentError);
    // Summarization: the tokenizer's own template (the default language), no forced token.
    const summary = await remote.text2text('summarization', plain.text, { num_beams: 1, max_new_tokens });
    assert.deepEqual(summary, { sourceIds: plain.src_ids, targetIds: plain.greedy_unforced, text: plain.greedy_unforced_text, texts: [plain.greedy_unforced_text] });
    const bert = await engine.loadModel(folder('bert-tiny'));
    assert.equal(await bert.translationLanguages(), null);
    await assert.rejects(bert.text2text('summarization', 'hello'), (e) => e instanceof UnsupportedError && /cannot 'text2text'/.test(e.message));
    bert.dispose();
    remote.dispose();
  } finally {
    await engine.terminate();
  }
});
