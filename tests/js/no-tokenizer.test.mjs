// A model without tokenizer files loads for id-level use, as transformers.js's
// AutoModel: model.tokenizer is null, ids work, and every text input is a
// NoTokenizerError (the model usable afterwards). Every architecture of
// tests/fixtures is loaded so, from its config and weights alone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadModel, NoTokenizerError, pipeline, QkvError, WorkerEngine } from '../../dist/index.js';
import { assertGreedyContinuations, assertMatchesReference } from './causal-lm-checks.mjs';
import { startFixtureServer } from './fixture-server.mjs';
import { folder, reference } from './fixtures.mjs';
import { run, snippet } from './readme-snippets.mjs';

const isNoTokenizer = (e) => e instanceof NoTokenizerError && e instanceof QkvError && e.code === 'no_tokenizer'
  && /needs a tokenizer, and this model has none/.test(e.message) && /pass token ids/.test(e.message);

/** Every fixture folder with weights: decoders, encoders and encoder-decoders. */
const runnable = readdirSync(folder('')).filter((name) => existsSync(join(folder(name), 'model.safetensors')));

const consume = async (stream) => {
  const items = [];
  for await (const item of stream) items.push(item);
  return items;
};

/** The text call of each capability, and an id call where the capability takes ids. */
const TEXT_CALLS = {
  generate: [(m) => consume(m.generate('Hello')), (m) => m.forward('Hello'), (m) => consume(m.chat().send('Hi'))],
  encode: [(m) => m.embed('Hello'), (m) => m.embed(['Hello', [1, 2]])],
  classify: [(m) => m.classify('Hello')],
  'classify-tokens': [(m) => m.classifyTokens('Hello')],
  'fill-mask': [(m) => m.fillMaskLogits('Hello [MASK]')],
  'question-answering': [(m) => m.answer('Who?', 'Someone.')],
  text2text: [(m) => consume(m.generate('Hello')), (m) => m.forward('Hello', [0])],
};

test('every architecture loads without tokenizer files: tokenizer null, text refused by name, ids work', async () => {
  assert.ok(runnable.length >= 20, `fixtures found: ${runnable.join(', ')}`);
  for (const name of runnable) {
    const read = (file) => readFileSync(join(folder(name), file));
    const model = await loadModel({ config: read('config.json'), weights: read('model.safetensors') });
    try {
      assert.equal(model.tokenizer, null, name);
      const { capabilities, nVocab } = model.info;
      assert.ok(capabilities.length > 0, name);
      const ids = [1, 2, 3].map((id) => id % nVocab);
      for (const capability of capabilities) {
        for (const call of TEXT_CALLS[capability]) await assert.rejects(call(model), isNoTokenizer, `${name} ${capability}`);
      }
      // Ids after the refusals: the model is usable.
      if (capabilities.includes('text2text')) {
        const att = await model.attention(ids, [0, 1]);
        assert.deepEqual([att.sourceTokens, att.targetTokens], [ids.map(String), ['0', '1']], name);
        const steps = await consume(model.generate(ids, { max_new_tokens: 2 }));
        assert.ok(steps.length >= 1 && steps.every((s) => s.text === ''), `${name}: ids stream with no text`);
        continue;
      }
      const att = await model.attention(ids);
      assert.deepEqual(att.tokens, ids.map(String), name);
      if (capabilities.includes('generate')) {
        const { dims } = await model.forward(ids);
        assert.deepEqual(dims, [3, nVocab], name);
        const steps = await consume(model.generate(ids, { max_new_tokens: 2 }));
        assert.ok(steps.length >= 1 && steps.every((s) => s.text === ''), `${name}: ids stream with no text`);
      }
      if (capabilities.includes('encode')) {
        const { dims } = await model.embed([ids]);
        assert.deepEqual(dims, [1, model.info.embedding?.dim ?? dims[1]], name);
      }
    } finally {
      model.dispose();
    }
  }
});

test('a folder and a base URL without tokenizer.json load: ids match PyTorch, text is a NoTokenizerError', async () => {
  // qwen2-tiny ships no tokenizer.json (its vocabulary is not a real one): the folder itself loads.
  assert.equal(existsSync(join(folder('qwen2-tiny'), 'tokenizer.json')), false);
  const fromFolder = await loadModel(folder('qwen2-tiny'));
  try {
    assert.equal(fromFolder.tokenizer, null);
    await assertMatchesReference(fromFolder, 'qwen2-tiny');
  } finally {
    fromFolder.dispose();
  }
  // A folder that lacks only tokenizer.json of a model that has one.
  const dir = mkdtempSync(join(tmpdir(), 'qkv-no-tokenizer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of ['config.json', 'model.safetensors', 'generation_config.json']) {
    symlinkSync(join(folder('gpt2-tiny'), file), join(dir, file));
  }
  const gpt2 = await loadModel(dir);
  try {
    assert.equal(gpt2.tokenizer, null);
    await assertMatchesReference(gpt2, 'gpt2-tiny');
    await assert.rejects(consume(gpt2.generate('Hello')), isNoTokenizer);
    assert.equal((await gpt2.forward(reference('gpt2-tiny').prompts[0].ids)).dims[1], gpt2.info.nVocab);
  } finally {
    gpt2.dispose();
  }
  const server = await startFixtureServer();
  try {
    const byUrl = await loadModel(`${server.url}/roberta-tiny/`);
    try {
      assert.equal(byUrl.tokenizer, null);
      await assert.rejects(byUrl.embed('Hello'), isNoTokenizer);
      assert.equal((await byUrl.embed([[0, 5, 2]])).dims[0], 1);
    } finally {
      byUrl.dispose();
    }
    assert.ok(server.requests.includes('GET /roberta-tiny/tokenizer.json'), 'tokenizer.json was asked for, and is optional');
  } finally {
    await server.close();
  }
});

test('a pipeline needs text: a model without a tokenizer is refused by name', async () => {
  await assert.rejects(pipeline('text-generation', folder('qwen2-tiny')), isNoTokenizer);
  await assert.rejects(pipeline('feature-extraction', folder('roberta-tiny')), isNoTokenizer);
});

test('in a worker: tokenizer null, text a NoTokenizerError across the boundary, ids greedy as PyTorch', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const model = await engine.loadModel(folder('qwen2-tiny'));
    assert.equal(model.tokenizer, null);
    await assert.rejects(consume(model.generate('Hello')), isNoTokenizer);
    await assert.rejects(model.forward('Hello'), isNoTokenizer);
    await assertGreedyContinuations(model, reference('qwen2-tiny').prompts);
  } finally {
    engine.terminate();
  }
});

test('README: the models-without-a-tokenizer snippet prints what its comments say', async () => {
  const { code, stdout, stderr } = await run(snippet('**Models without a tokenizer.**'));
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.trim().split('\n').map((line) => JSON.parse(line)), [null, [3, 1024], true]);
});
