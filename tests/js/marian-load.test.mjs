// loadModel finds a Marian (opus-mt) repository's tokenizer — source.spm, target.spm and vocab.json
// beside tokenizer_config.json, no tokenizer.json — and reads it unconverted as model.tokenizer, with
// the ids and decodes of tests/fixtures/gen_marian_tokenizer.py (transformers' tokenization_marian.py
// over the sentencepiece library). The weights are gpt2-tiny's (the Marian architecture is the C++
// core's; this checks the tokenizer's path through every source), its 50257 ids covering vocab.json's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FormatError, loadModel } from '../../dist/index.js';
import { startFixtureServer } from './fixture-server.mjs';
import { folder } from './fixtures.mjs';
import { fixtureRepo, uniqueId, useFakeHub } from './hub-support.mjs';

const goldens = JSON.parse(readFileSync(join(folder('marian-tokenizer'), 'goldens.json'), 'utf8'));
const MARIAN = ['source.spm', 'target.spm', 'vocab.json', 'tokenizer_config.json'];

/** A temporary folder of gpt2-tiny's config and weights with the Marian files `marian` (links). */
function marianFolder(marian = MARIAN) {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-marian-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['config.json', 'model.safetensors']) symlinkSync(join(folder('gpt2-tiny'), f), join(dir, f));
  for (const f of marian) symlinkSync(join(folder('marian-tokenizer'), f), join(dir, f));
  return dir;
}

/** model.tokenizer encodes and decodes as tokenization_marian.py; a decode stream gives the same text. */
function assertMarian(tokenizer) {
  assert.ok(tokenizer !== null);
  assert.equal(tokenizer.vocabSize, Object.keys(JSON.parse(readFileSync(join(folder('marian-tokenizer'), 'vocab.json'), 'utf8'))).length);
  for (const g of goldens.shared) {
    assert.deepEqual(tokenizer.encode(g.text), g.source_ids, `source ids of ${JSON.stringify(g.text)}`);
    assert.equal(tokenizer.decode(g.source_ids), g.decoded);
    assert.equal(tokenizer.decode(g.source_ids, { skip_special_tokens: true }), g.decoded_skip);
    const stream = tokenizer.createDecodeStream({ skip_special_tokens: true });
    let text = '';
    for (const id of g.source_ids) text += stream.push(id);
    assert.equal(text + stream.flush(), g.decoded_skip, `streamed decode of ${JSON.stringify(g.text)}`);
  }
  assert.equal(tokenizer.tokenToId('</s>'), 0);
}

test('a Marian folder loads with its source.spm / target.spm / vocab.json tokenizer', async () => {
  const model = await loadModel(marianFolder());
  try {
    assertMarian(model.tokenizer);
    // Text goes through the Marian tokenizer into the model.
    const { dims } = await model.forward(goldens.shared[0].text);
    assert.deepEqual(dims, [goldens.shared[0].source_ids.length, model.info.nVocab]);
  } finally {
    model.dispose();
  }
});

test('a Marian repository by base URL and as ModelFiles with extraFiles', async () => {
  const dir = marianFolder();
  const server = await startFixtureServer({ root: dir });
  try {
    const byUrl = await loadModel(`${server.url}/`);
    assertMarian(byUrl.tokenizer);
    byUrl.dispose();
  } finally {
    await server.close();
  }
  const read = (f) => readFileSync(join(dir, f));
  const files = await loadModel({
    config: read('config.json'), weights: read('model.safetensors'), tokenizerConfig: read('tokenizer_config.json'),
    extraFiles: { 'source.spm': read('source.spm'), 'target.spm': read('target.spm'), 'vocab.json': read('vocab.json') },
  });
  assertMarian(files.tokenizer);
  files.dispose();
});

test('a Marian repository missing a file is a FormatError naming it; the next load works', async () => {
  await assert.rejects(loadModel(marianFolder(['source.spm', 'vocab.json', 'tokenizer_config.json'])),
    (e) => e instanceof FormatError && /target\.spm is missing/.test(e.message));
  await assert.rejects(loadModel(marianFolder(['source.spm', 'target.spm', 'tokenizer_config.json'])),
    (e) => e instanceof FormatError && /vocab\.json is missing/.test(e.message));
  // Declared Marian by tokenizer_config.json's tokenizer_class, with no .spm at all.
  await assert.rejects(loadModel(marianFolder(['vocab.json', 'tokenizer_config.json'])),
    (e) => e instanceof FormatError && /source\.spm is missing/.test(e.message));
  const model = await loadModel(marianFolder());
  assertMarian(model.tokenizer);
  model.dispose();
});

let hub;
useFakeHub((h) => { hub = h; });

test('a Marian repository by Hub id: its .spm files and vocab.json fetched from the listing', async () => {
  const id = uniqueId('opus-mt-tiny');
  hub.addRepo(id, {
    ...fixtureRepo('gpt2-tiny', { skip: ['tokenizer.json', 'tokenizer_config.json'] }),
    ...fixtureRepo('marian-tokenizer', { skip: ['goldens.json', 'target_vocab.json'] }),
  });
  const model = await loadModel(id);
  assertMarian(model.tokenizer);
  model.dispose();
});
