// loadModel and pipeline('translation') on an M2M100 repository without tokenizer.json (sentencepiece.bpe.model,
// vocab.json, tokenizer_config.json, special_tokens_map.json beside m2m100-tiny's weights), against
// tests/fixtures/gen_m2m100_tokenizer.py: the source ids of transformers' M2M100Tokenizer for src_lang, the
// tgt_lang token forced first, and PyTorch's greedy target and its decode; from a folder, as ModelFiles, by
// Hub id and in a worker. Bad inputs: missing files and unknown languages are named errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  FormatError, InvalidArgumentError, loadModel, pipeline, text2textRunner, translationInputs, translationLanguages, WorkerEngine,
} from '../../dist/index.js';
import { fixtureRepo, uniqueId, useFakeHub } from './hub-support.mjs';
import { M2M100_SPM, m2m100SpmFolder, m2m100SpmGoldens } from './m2m100-spm.mjs';

const { max_new_tokens, cases } = m2m100SpmGoldens.translation;
const pairOf = (c) => ({ src_lang: c.src_lang, tgt_lang: c.tgt_lang });

/** The tokenizer's languages, source ids and forced token, and each case's greedy target, text and streamed text. */
async function assertTranslates(model) {
  const { tokenizer } = model;
  const languages = translationLanguages(tokenizer);
  assert.equal(languages.family, 'M2M100');
  assert.equal(languages.codes.length, 100);
  assert.equal(tokenizer.vocabSize, model.info.nVocab);
  const run = text2textRunner(model, tokenizer, 'translation');
  for (const c of cases) {
    assert.deepEqual(translationInputs(tokenizer, c.text, pairOf(c)), { input_ids: c.src_ids, forced_bos_token_id: c.forced_bos_token_id }, c.text);
    const pieces = [];
    const out = await run(c.text, { ...pairOf(c), num_beams: 1, max_new_tokens }, (piece) => pieces.push(piece));
    assert.deepEqual(out.targetIds, c.greedy, c.text);
    assert.equal(out.text, c.greedy_text, c.text);
    assert.equal(pieces.join(''), c.greedy_text, `streamed text of ${c.text}`);
  }
  // Sensitivity: the cases differ in their targets, and src_lang changes the source.
  assert.ok(new Set(cases.map((c) => c.greedy_text)).size >= 3);
  assert.notDeepEqual(translationInputs(tokenizer, cases[0].text, { tgt_lang: 'de' }).input_ids, cases[0].src_ids);
}

/** loadModel(source) translates as assertTranslates checks; the model is disposed of whatever happens. */
async function loadsAndTranslates(source) {
  const model = await loadModel(source);
  try {
    await assertTranslates(model);
  } finally {
    model.dispose();
  }
}

test('an M2M100 folder without tokenizer.json translates as transformers with its sentencepiece.bpe.model tokenizer', async () => {
  const translator = await pipeline('translation', m2m100SpmFolder());
  try {
    await assertTranslates(translator.model);
    const [c] = cases;
    assert.deepEqual(await translator(c.text, { ...pairOf(c), num_beams: 1, max_new_tokens }), [{ translation_text: c.greedy_text }]);
    // An unknown language is a named error listing known codes; the pipeline works afterwards.
    await assert.rejects(translator(c.text, { src_lang: c.src_lang, tgt_lang: 'xx' }),
      (e) => e instanceof InvalidArgumentError && e.message.includes('tgt_lang "xx"') && e.message.includes('af, am'));
    await assert.rejects(translator(c.text, { src_lang: 'klingon', tgt_lang: 'de' }), InvalidArgumentError);
    assert.deepEqual(await translator(c.text, { ...pairOf(c), num_beams: 1, max_new_tokens }), [{ translation_text: c.greedy_text }]);
  } finally {
    await translator.dispose();
  }
});

test('without tokenizer_config.json, config.json\'s model_type m2m_100 makes it M2M100Tokenizer (special_tokens_map.json\'s tokens)', async () => {
  await loadsAndTranslates(m2m100SpmFolder(['sentencepiece.bpe.model', 'vocab.json', 'special_tokens_map.json']));
});

test('as ModelFiles with extraFiles', async () => {
  const dir = m2m100SpmFolder();
  const read = (f) => readFileSync(join(dir, f));
  await loadsAndTranslates({
    config: read('config.json'), weights: read('model.safetensors'), tokenizerConfig: read('tokenizer_config.json'),
    generationConfig: read('generation_config.json'),
    extraFiles: { 'sentencepiece.bpe.model': read('sentencepiece.bpe.model'), 'vocab.json': read('vocab.json') },
  });
});

test('an M2M100 folder missing vocab.json or the .model is a FormatError naming it; one with no tokenizer files loads for ids', async () => {
  await assert.rejects(loadModel(m2m100SpmFolder(M2M100_SPM.filter((f) => f !== 'vocab.json'))),
    (e) => e instanceof FormatError && /vocab\.json is missing/.test(e.message));
  await assert.rejects(loadModel(m2m100SpmFolder(M2M100_SPM.filter((f) => f !== 'sentencepiece.bpe.model'))),
    (e) => e instanceof FormatError && /sentencepiece\.bpe\.model is missing/.test(e.message));
  const bare = await loadModel(m2m100SpmFolder([]));
  assert.equal(bare.tokenizer, null);
  bare.dispose();
  const model = await loadModel(m2m100SpmFolder());
  assert.deepEqual(model.tokenizer.encode(cases[0].text), m2m100SpmGoldens.tokenizers.m2m100.cases.find((c) => c.text === cases[0].text).ids);
  model.dispose();
});

let hub;
useFakeHub((h) => { hub = h; });

test('by Hub id: sentencepiece.bpe.model and vocab.json fetched from the listing', async () => {
  const id = uniqueId('m2m100-spm');
  hub.addRepo(id, {
    ...fixtureRepo('m2m100-tiny', { skip: ['tokenizer.json', 'tokenizer_config.json', 'reference.json', 'translation.json'] }),
    ...fixtureRepo('m2m100-spm', { skip: ['goldens.json'] }),
  });
  await loadsAndTranslates(id);
});

test('in a worker: translationLanguages() and text2text() with src_lang / tgt_lang', async () => {
  const dir = m2m100SpmFolder();
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const remote = await engine.loadModel(dir);
    const languages = await remote.translationLanguages();
    assert.equal(languages.family, 'M2M100');
    assert.equal(languages.codes.length, 100);
    const c = cases[0];
    const pieces = [];
    const run = await remote.text2text('translation', c.text, { ...pairOf(c), num_beams: 1, max_new_tokens }, (p) => pieces.push(p));
    assert.deepEqual(run, { sourceIds: c.src_ids, targetIds: c.greedy, text: c.greedy_text, texts: [c.greedy_text] });
    assert.equal(pieces.join(''), c.greedy_text);
    await assert.rejects(remote.text2text('translation', c.text, { src_lang: 'en', tgt_lang: 'nope' }), InvalidArgumentError);
    remote.dispose();
  } finally {
    await engine.terminate();
  }
});
