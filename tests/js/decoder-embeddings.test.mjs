// Decoder embedding models through the public API (dist/index.js): Qwen3-Embedding
// (tests/fixtures/qwen3-embed-tiny: last-token pooling, Normalize, an instruction prompt) and
// EmbeddingGemma (tests/fixtures/embeddinggemma-tiny: bidirectional Gemma 3, mean pooling,
// two Dense modules, Normalize, task prompts), by embed(), pipeline('feature-extraction'),
// WorkerEngine and the CLI. Expected vectors are gen_embed.py's PyTorch references; the ids
// its tokenization gave are checked too. Each reference records how far the vectors move when
// a feature is dropped, and the runs below without a feature are compared against it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { folder, reference } from './fixtures.mjs';
import {
  FormatError, InvalidArgumentError, UnsupportedError, WorkerEngine, loadModel, pipeline,
} from '../../dist/index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const QWEN = 'qwen3-embed-tiny';
const GEMMA = 'embeddinggemma-tiny';
const refs = { [QWEN]: reference(QWEN), [GEMMA]: reference(GEMMA) };

/** The reference cases of one prompt name (null: no prompt). */
const casesOf = (name, promptName) => refs[name].cases.filter((c) => c.prompt_name === promptName);

function maxError(result, cases) {
  const width = result.dims[1];
  assert.deepEqual(result.dims, [cases.length, width]);
  let worst = 0;
  cases.forEach((c, r) => {
    assert.equal(c.embedding.length, width);
    c.embedding.forEach((v, i) => { worst = Math.max(worst, Math.abs(result.data[r * width + i] - v)); });
  });
  return worst;
}

function assertClose(result, cases, what) {
  const worst = maxError(result, cases);
  assert.ok(worst <= 1e-4, `${what}: max |error| ${worst}`);
}

function assertFar(result, cases, what) {
  const worst = maxError(result, cases);
  assert.ok(worst > 1e-2, `${what}: only ${worst} from the reference`);
}

/** The tokenizer gives the reference's ids: cut to max_seq_length (48) keeping the closing special token. */
function assertTokenized(model, cases) {
  for (const c of cases) {
    const ids = model.tokenizer.encode(c.text);
    assert.deepEqual(ids.length > 48 ? [...ids.slice(0, 47), ids.at(-1)] : ids, c.ids, c.text);
  }
}

async function withModel(source, fn, options) {
  const model = await loadModel(source, options);
  try {
    return await fn(model);
  } finally {
    model.dispose();
  }
}

const made = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temporary copy of a fixture (files linked) with `files` ({ 'repo/path': text or bytes, or null to drop }). */
function variant(name, files) {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-embed-'));
  made.push(dir);
  const link = (path) => {
    const full = join(folder(name), path);
    let entries;
    try {
      entries = readdirSync(full);
    } catch {
      if (!(path in files)) symlinkSync(full, join(dir, path));
      return;
    }
    mkdirSync(join(dir, path), { recursive: true });
    for (const e of entries) link(join(path, e));
  };
  for (const e of readdirSync(folder(name))) link(e);
  for (const [path, content] of Object.entries(files)) {
    if (content === null) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

test('Qwen3-Embedding: a Qwen3Model checkpoint embeds by its last token, with or without its query instruction', async () => {
  await withModel(folder(QWEN), async (model) => {
    assert.deepEqual(model.info.capabilities, ['generate', 'encode']);
    const e = model.info.embedding;
    assert.equal(e.pooling, 'last_token');
    assert.equal(e.normalize, true);
    assert.deepEqual(e.dense, []);
    assert.deepEqual(e.prompts, refs[QWEN].prompts);
    assert.equal(e.defaultPromptName, undefined);
    assert.equal(e.maxTokens, 48);
    const plain = casesOf(QWEN, null);
    const query = casesOf(QWEN, 'query');
    // The tokenizer's post_processor appends <|endoftext|> (256): the ids gen_embed.py's tokenization gave.
    assertTokenized(model, plain);
    assert.ok(plain.some((c) => c.ids.length === 48), 'a text longer than max_seq_length');
    assert.equal(model.tokenizer.encode(refs[QWEN].prompts.query + 'x').at(-1), 256);
    const texts = plain.map((c) => c.text);
    assertClose(await model.embed(texts), plain, 'no prompt');
    assertClose(await model.embed(texts, { prompt_name: 'query' }), query, 'prompt_name query');
    assertClose(await model.embed(texts, { prompt: refs[QWEN].prompts.query }), query, 'the prompt text');
    assertClose(await model.embed(texts, { prompt: refs[QWEN].prompts.query, prompt_name: 'document' }), query,
      'prompt wins over prompt_name');
    assertClose(await model.embed(texts, { prompt_name: 'document' }), plain, "the document prompt is ''");
    // One text at a time gives the same vectors as the packed batch (each its own last token).
    for (const c of query.slice(0, 3)) assertClose(await model.embed(c.text, { prompt_name: 'query' }), [c], 'alone');
    // Without the prompt, or pooled on the first token: other vectors, which the checks above would catch.
    assertFar(await model.embed(texts), query, 'prompt ignored');
    assertFar(await model.embed(texts, { pooling: 'cls' }), plain, 'first token instead of last');
    assert.ok(refs[QWEN].checks.bidirectional_instead_of_causal > 1e-2);
    // It still generates (a tied Qwen3 decoder).
    assert.equal((await model.forward([1, 2, 3])).logits.length % model.info.nVocab, 0);
  });
});

test('EmbeddingGemma: bidirectional Gemma 3, mean pooling, two Dense modules and Normalize, task prompts', async () => {
  await withModel(folder(GEMMA), async (model) => {
    assert.deepEqual(model.info.capabilities, ['encode']);
    const e = model.info.embedding;
    assert.equal(e.pooling, 'mean');
    assert.equal(e.normalize, true);
    assert.deepEqual(e.dense, [
      { path: '2_Dense', inFeatures: 64, outFeatures: 256, activation: 'identity' },
      { path: '3_Dense', inFeatures: 256, outFeatures: 64, activation: 'identity' },
    ]);
    assert.deepEqual(e.prompts, refs[GEMMA].prompts);
    const plain = casesOf(GEMMA, null);
    assertTokenized(model, plain);
    const texts = plain.map((c) => c.text);
    assertClose(await model.embed(texts), plain, 'no prompt');
    assertClose(await model.embed(texts, { prompt_name: 'query' }), casesOf(GEMMA, 'query'), 'query');
    assertClose(await model.embed(texts, { prompt_name: 'document' }), casesOf(GEMMA, 'document'), 'document');
    assertFar(await model.embed(texts, { prompt_name: 'document' }), plain, 'prompt ignored');
    // Unnormalized: the Dense output itself (the normalized reference scaled back is not unit length).
    const raw = await model.embed(texts, { normalize: false });
    const norms = plain.map((_, r) => Math.hypot(...raw.data.subarray(r * 64, (r + 1) * 64)));
    assert.ok(norms.some((n) => Math.abs(n - 1) > 1e-2), String(norms));
    raw.data.forEach((v, i) => assert.ok(Math.abs(v / norms[Math.floor(i / 64)] - plain[Math.floor(i / 64)].embedding[i % 64]) <= 1e-4));
    // Token states (pooling 'none') are the model's hidden size and skip the Dense modules.
    const states = await model.embed([refs[GEMMA].hidden.ids], { pooling: 'none' });
    assert.deepEqual(states.dims, [1, refs[GEMMA].hidden.ids.length, 64]);
    let worst = 0;
    refs[GEMMA].hidden.last_hidden_state.forEach((row, t) => row.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(states.data[t * 64 + i] - v));
    }));
    assert.ok(worst <= 1e-4, `last_hidden_state: ${worst}`);
    const { checks } = refs[GEMMA];
    for (const key of ['causal_instead_of_bidirectional', 'window_ignored', 'no_dense', 'prompt_ignored']) {
      assert.ok(checks[key] > 1e-2, key);
    }
  });
  // The same repository without its Dense modules in modules.json: other vectors.
  const modules = JSON.parse(readFileSync(join(folder(GEMMA), 'modules.json'), 'utf8'))
    .filter((m) => !m.path.endsWith('_Dense'));
  await withModel(variant(GEMMA, { 'modules.json': JSON.stringify(modules) }), async (model) => {
    assert.deepEqual(model.info.embedding.dense, []);
    assertFar(await model.embed(casesOf(GEMMA, null).map((c) => c.text)), casesOf(GEMMA, null), 'no Dense');
  });
});

test("pipeline('feature-extraction') pools, projects and prompts as the repository says", async () => {
  for (const name of [QWEN, GEMMA]) {
    const extractor = await pipeline('feature-extraction', folder(name));
    try {
      const cases = casesOf(name, 'query');
      const out = await extractor(cases.map((c) => c.text), { prompt_name: 'query' });
      assert.equal(out.type, 'float32');
      assertClose(out, cases, `${name} pipeline`);
      assert.equal(out.tolist().length, cases.length);
    } finally {
      await extractor.dispose();
    }
  }
});

test('bad inputs: named errors, and the model (or the next load) still works', async () => {
  await withModel(folder(GEMMA), async (model) => {
    const texts = casesOf(GEMMA, null).map((c) => c.text);
    await assert.rejects(model.embed(texts, { prompt_name: 'summary' }), (e) => e instanceof InvalidArgumentError &&
      /prompt_name "summary" is not one of this model's prompts \("query", "document", "Clustering", "STS"\)/.test(e.message));
    await assert.rejects(model.embed(texts, { prompt: 7 }), (e) => e instanceof InvalidArgumentError && /prompt must be a string/.test(e.message));
    await assert.rejects(model.embed(texts, { pooling: 'lasttoken' }), (e) => e instanceof InvalidArgumentError &&
      /pooling must be 'mean', 'cls', 'max', 'last_token' or 'none', got "lasttoken"/.test(e.message));
    assertClose(await model.embed(texts), casesOf(GEMMA, null), 'after the errors');
  });
  const dense = (over) => JSON.stringify({ in_features: 64, out_features: 256, bias: false,
    activation_function: 'torch.nn.modules.linear.Identity', ...over });
  const pooling = (mode) => JSON.stringify({ word_embedding_dimension: 64, pooling_mode: mode, include_prompt: true });
  const cases = [
    // 3_Dense's weights [64, 256] where 2_Dense's [256, 64] belong.
    [{ '2_Dense/model.safetensors': readFileSync(join(folder(GEMMA), '3_Dense/model.safetensors')) }, FormatError,
      /^2_Dense\/model\.safetensors: tensor "linear\.weight" has shape \[64, 256\], but 2_Dense\/config\.json says \[256, 64\]/],
    [{ '2_Dense/config.json': dense({ in_features: 32 }) }, FormatError,
      /^2_Dense\/config\.json: in_features is 32, but the vectors reaching it are 64 wide \(the model's hidden size\)/],
    [{ '3_Dense/config.json': dense({ in_features: 128, out_features: 64 }) }, FormatError,
      /^3_Dense\/config\.json: in_features is 128, but the vectors reaching it are 256 wide \(2_Dense's out_features\)/],
    [{ '2_Dense/config.json': dense({ bias: true }) }, FormatError, /^2_Dense\/model\.safetensors: no tensor "linear\.bias"/],
    [{ '2_Dense/config.json': dense({ activation_function: 'torch.nn.modules.activation.GELU' }) }, UnsupportedError,
      /^2_Dense\/config\.json: activation_function "torch\.nn\.modules\.activation\.GELU"/],
    [{ '2_Dense/model.safetensors': null }, FormatError, /2_Dense\/model\.safetensors is missing/],
    [{ '1_Pooling/config.json': pooling('median') }, FormatError, /^1_Pooling\/config\.json: pooling_mode must be one of/],
    [{ 'config_sentence_transformers.json': JSON.stringify({ prompts: { query: 1 } }) }, FormatError,
      /^config_sentence_transformers\.json: prompts\.query must be a string/],
    [{ 'config_sentence_transformers.json': JSON.stringify({ prompts: { query: 'q: ' }, default_prompt_name: 'doc' }) },
      FormatError, /^config_sentence_transformers\.json: default_prompt_name "doc" is not one of the prompts \(query\)/],
  ];
  for (const [files, type, message] of cases) {
    await assert.rejects(loadModel(variant(GEMMA, files)), (e) => e instanceof type && message.test(e.message), String(message));
  }
  // An unapplied pooling mode: embed() without options refuses, naming it; explicit pooling embeds.
  await withModel(variant(GEMMA, { '1_Pooling/config.json': pooling('weightedmean') }), async (model) => {
    await assert.rejects(model.embed('hi'), (e) => e instanceof UnsupportedError && /pooling mode 'weightedmean'/.test(e.message));
    assertClose(await model.embed(casesOf(GEMMA, null).map((c) => c.text), { pooling: 'mean' }), casesOf(GEMMA, null), 'explicit');
  });
  // include_prompt false with a prompt: named, not silently pooled over the prompt.
  const excluded = JSON.stringify({ word_embedding_dimension: 64, pooling_mode: 'mean', include_prompt: false });
  await withModel(variant(GEMMA, { '1_Pooling/config.json': excluded }), async (model) => {
    await assert.rejects(model.embed('hi', { prompt_name: 'query' }), (e) => e instanceof UnsupportedError && /include_prompt false/.test(e.message));
    assertClose(await model.embed(casesOf(GEMMA, null).map((c) => c.text)), casesOf(GEMMA, null), 'no prompt');
  });
  // A default_prompt_name applies when embed() names none.
  const withDefault = JSON.stringify({ prompts: refs[GEMMA].prompts, default_prompt_name: 'query' });
  await withModel(variant(GEMMA, { 'config_sentence_transformers.json': withDefault }), async (model) => {
    assert.equal(model.info.embedding.defaultPromptName, 'query');
    assertClose(await model.embed(casesOf(GEMMA, 'query').map((c) => c.text)), casesOf(GEMMA, 'query'), 'default prompt');
    assertClose(await model.embed(casesOf(GEMMA, null).map((c) => c.text), { prompt: '' }), casesOf(GEMMA, null), 'prompt ""');
  });
});

test('WorkerEngine: decoder embedding models embed in the worker with their prompts and Dense modules', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    for (const name of [QWEN, GEMMA]) {
      const model = await engine.loadModel(folder(name));
      assert.deepEqual(model.info.embedding.prompts, refs[name].prompts);
      const cases = casesOf(name, 'query');
      assertClose(await model.embed(cases.map((c) => c.text), { prompt_name: 'query' }), cases, `worker ${name}`);
      await assert.rejects(model.embed('x', { prompt_name: 'nope' }), (e) => e instanceof InvalidArgumentError);
      assertClose(await model.embed(casesOf(name, null).map((c) => c.text)), casesOf(name, null), `worker ${name} after`);
      model.dispose();
    }
  } finally {
    engine.terminate();
  }
});

function qkv(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/qkv.js', ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

test('qkv embed: --prompt-name and --prompt, the model\'s pooling and Dense modules', async () => {
  const q = casesOf(QWEN, 'query').slice(0, 3);
  const g = casesOf(GEMMA, 'document').slice(0, 3);
  const [qwen, gemma, table, bad] = await Promise.all([
    qkv('embed', folder(QWEN), ...q.map((c) => c.text), '--prompt-name', 'query', '--json', '--quiet'),
    qkv('embed', folder(GEMMA), ...g.map((c) => c.text), '--prompt', refs[GEMMA].prompts.document, '--json', '--quiet'),
    qkv('embed', folder(QWEN), 'a', 'b', '--quiet'),
    qkv('embed', folder(QWEN), 'a', 'b', '--prompt-name', 'passage', '--quiet'),
  ]);
  for (const [run, cases] of [[qwen, q], [gemma, g]]) {
    assert.equal(run.code, 0, run.stderr);
    const { dims, embeddings } = JSON.parse(run.stdout);
    assertClose({ dims, data: Float32Array.from(embeddings.flat()) }, cases, 'CLI');
  }
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^cosine similarity \(last_token pooling, normalized\):$/m);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^InvalidArgumentError: embed: prompt_name "passage" is not one of this model's prompts/m);
});
