// sentence-transformers repositories: embed(), pipeline('feature-extraction'),
// the CLI and WorkerEngine pool and normalize as a folder's modules.json and
// its Pooling config say, through the public API (dist/index.js). Each
// folder is tests/fixtures/bert-tiny plus those files, written here as
// sentence-transformers saves them; the expected vectors are computed here
// from the PyTorch last hidden states of bert-tiny's reference.json (or its
// PyTorch-pooled texts), never from qkv's output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFixtureServer } from './fixture-server.mjs';
import { cosine, folder, reference } from './fixtures.mjs';
import {
  FormatError, UnsupportedError, WorkerEngine, loadModel, pipeline,
} from '../../dist/index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const ref = reference('bert-tiny');
const WIDTH = ref.config.hidden_size;

// sentence-transformers/all-MiniLM-L6-v2's modules.json and 1_Pooling/config.json byte for byte
// (https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/blob/main/modules.json and
// .../1_Pooling/config.json; also quoted in vllm-project/vllm issue #9388), with
// word_embedding_dimension bert-tiny's width, as SentenceTransformer.save writes it for this model.
const MINILM_MODULES = `[
  {
    "idx": 0,
    "name": "0",
    "path": "",
    "type": "sentence_transformers.models.Transformer"
  },
  {
    "idx": 1,
    "name": "1",
    "path": "1_Pooling",
    "type": "sentence_transformers.models.Pooling"
  },
  {
    "idx": 2,
    "name": "2",
    "path": "2_Normalize",
    "type": "sentence_transformers.models.Normalize"
  }
]`;
const MINILM_POOLING = `{
  "word_embedding_dimension": ${WIDTH},
  "pooling_mode_cls_token": false,
  "pooling_mode_mean_tokens": true,
  "pooling_mode_max_tokens": false,
  "pooling_mode_mean_sqrt_len_tokens": false
}`;

/** A Pooling config.json in the layout of sentence-transformers 3.x-5.3 (Pooling.config_keys), one mode on. */
function poolingConfig(mode) {
  const on = (m) => m === mode;
  return JSON.stringify({
    word_embedding_dimension: WIDTH,
    pooling_mode_cls_token: on('cls'),
    pooling_mode_mean_tokens: on('mean'),
    pooling_mode_max_tokens: on('max'),
    pooling_mode_mean_sqrt_len_tokens: on('mean_sqrt_len_tokens'),
    pooling_mode_weightedmean_tokens: on('weightedmean'),
    pooling_mode_lasttoken: on('lasttoken'),
    include_prompt: true,
  }, null, 2);
}

/** modules.json of Transformer + Pooling, then Normalize if `normalize`, then `extra` modules. */
function modulesJson({ normalize = true, extra = [] } = {}) {
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ...extra,
  ];
  if (normalize) modules.push({ path: `${modules.length}_Normalize`, type: 'sentence_transformers.models.Normalize' });
  return JSON.stringify(modules.map((m, idx) => ({ idx, name: String(idx), ...m })), null, 2);
}

const made = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temporary folder of bert-tiny's files (linked) plus `files` ({ 'repo/path': text }). */
function stFolder(files) {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-st-'));
  made.push(dir);
  for (const name of ['config.json', 'model.safetensors', 'tokenizer.json']) symlinkSync(join(folder('bert-tiny'), name), join(dir, name));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const MINILM = { 'modules.json': MINILM_MODULES, '1_Pooling/config.json': MINILM_POOLING };

/** model.info.embedding as expected: the pooling and normalization, texts as the tokenizer gives them. */
const defaults = (pooling, normalize, from = 'modules.json') => ({
  pooling, normalize, maxTokens: undefined, lowercase: false, dense: [], prompts: {}, defaultPromptName: undefined,
  includePrompt: true, from, unsupported: undefined,
});

// The reference inputs the API can give as ids (token types all 0) and their PyTorch last hidden states.
const inputs = ref.inputs.filter((i) => i.token_type_ids.every((t) => t === 0));
const ids = inputs.map((i) => i.ids);

/** Pooled as sentence-transformers' Pooling does over unpadded rows, then F.normalize if asked. */
function pooled(rows, pooling, normalize) {
  const out = new Float64Array(WIDTH);
  if (pooling === 'cls') out.set(rows[0]);
  else if (pooling === 'last_token') out.set(rows.at(-1));
  else if (pooling === 'max') out.fill(-Infinity);
  for (const row of pooling === 'cls' || pooling === 'last_token' ? [] : rows) {
    row.forEach((v, i) => { out[i] = pooling === 'max' ? Math.max(out[i], v) : out[i] + v / rows.length; });
  }
  if (!normalize) return out;
  const norm = Math.max(Math.hypot(...out), 1e-12);
  return out.map((v) => v / norm);
}

const expected = (pooling, normalize) => inputs.map((i) => pooled(i.last_hidden_state, pooling, normalize));

/** Largest |error| and smallest cosine of the rows of data against the expected vectors. */
function compare(data, want) {
  let maxAbs = 0;
  let minCos = 1;
  want.forEach((w, r) => {
    const got = data.subarray(r * WIDTH, (r + 1) * WIDTH);
    got.forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(v - w[i])); });
    minCos = Math.min(minCos, cosine(got, w));
  });
  return { maxAbs, minCos };
}

function assertVectors(result, want, what) {
  assert.deepEqual(result.dims, [want.length, WIDTH], what);
  const { maxAbs, minCos } = compare(result.data, want);
  assert.ok(maxAbs <= 1e-4 && minCos >= 0.9999, `${what}: max |error| ${maxAbs}, min cosine ${minCos}`);
}

/** Loads `source`, runs fn(model), disposes. */
async function withModel(source, fn) {
  const model = await loadModel(source);
  try {
    return await fn(model);
  } finally {
    model.dispose();
  }
}

test('the all-MiniLM-L6-v2 layout (mean, then Normalize): embed() without options gives its vectors', async () => {
  await withModel(stFolder(MINILM), async (model) => {
    assert.deepEqual(model.info.embedding, defaults('mean', true));
    assertVectors(await model.embed(ids), expected('mean', true), 'mean, normalized');
    // The normalized and plain means differ, so the Normalize module really is applied.
    assert.ok(compare((await model.embed(ids)).data, expected('mean', false)).maxAbs > 0.1);
  });
});

test('a cls Pooling config: embed() pools the [CLS] row, and no Normalize module means unnormalized', async () => {
  const files = { 'modules.json': modulesJson({ normalize: false }), '1_Pooling/config.json': poolingConfig('cls') };
  await withModel(stFolder(files), async (model) => {
    assert.deepEqual(model.info.embedding, defaults('cls', false));
    const result = await model.embed(ids);
    assertVectors(result, expected('cls', false), 'cls, not normalized');
    // Sensitivity: the same model with today's default (mean) gives other vectors.
    assert.ok(compare(result.data, expected('mean', false)).maxAbs > 0.1, 'cls differs from mean');
  });
  // Mean without a Normalize module: the plain mean, not unit length.
  const mean = { 'modules.json': modulesJson({ normalize: false }), '1_Pooling/config.json': poolingConfig('mean') };
  await withModel(stFolder(mean), async (model) => {
    assertVectors(await model.embed(ids), expected('mean', false), 'mean, not normalized');
  });
});

test('a max Pooling config, and the compact config and module names of sentence-transformers 5.4', async () => {
  const files = { 'modules.json': modulesJson(), '1_Pooling/config.json': poolingConfig('max') };
  await withModel(stFolder(files), async (model) => {
    assert.equal(model.info.embedding.pooling, 'max');
    assertVectors(await model.embed(ids), expected('max', true), 'max, normalized');
  });
  // lasttoken (Qwen3-Embedding's pooling) pools each text's last row: [SEP] here.
  await withModel(stFolder({ 'modules.json': modulesJson(), '1_Pooling/config.json': poolingConfig('lasttoken') }), async (model) => {
    assert.equal(model.info.embedding.pooling, 'last_token');
    assertVectors(await model.embed(ids), expected('last_token', true), 'last token, normalized');
  });
  const compact = {
    'modules.json': JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.base.modules.transformer.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.sentence_transformer.modules.pooling.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.base.modules.normalize.Normalize' },
    ]),
    '1_Pooling/config.json': JSON.stringify({ embedding_dimension: WIDTH, pooling_mode: 'cls', include_prompt: true }),
  };
  await withModel(stFolder(compact), async (model) => {
    assert.deepEqual(model.info.embedding, defaults('cls', true));
    assertVectors(await model.embed(ids), expected('cls', true), 'compact cls, normalized');
  });
});

test('sentence_bert_config.json: texts are cut to max_seq_length and lowercased when do_lower_case says so', async () => {
  // all-MiniLM-L6-v2's has { "max_seq_length": 256, "do_lower_case": false }; 6 cuts bert-tiny's inputs.
  const cut = { ...MINILM, 'sentence_bert_config.json': '{\n  "max_seq_length": 6,\n  "do_lower_case": false\n}' };
  await withModel(stFolder(cut), async (model) => {
    assert.deepEqual(model.info.embedding, { ...defaults('mean', true), maxTokens: 6 });
    const long = ids.find((i) => i.length > 6);
    // As the tokenizer truncates: the first 5 tokens, then the closing [SEP].
    const kept = [...long.slice(0, 5), long.at(-1)];
    const got = await model.embed([long, ids[0]]);
    const want = await model.embed([kept, ids[0]]);
    assert.deepEqual(got.data, want.data);
    assert.ok(compare(got.data.subarray(0, WIDTH), [expected('mean', true)[ids.indexOf(long)]]).maxAbs > 0.01, 'the cut matters');
    // The short input is whole: PyTorch's vectors.
    assertVectors({ data: got.data.subarray(WIDTH), dims: [1, WIDTH] }, [expected('mean', true)[0]], 'short input');
  });
  // A cased tokenizer (bert-tiny's without its lowercasing): do_lower_case gives the uncased ids, hence PyTorch's vectors.
  const tokenizer = JSON.parse(readFileSync(join(folder('bert-tiny'), 'tokenizer.json'), 'utf8'));
  tokenizer.normalizer.lowercase = false;
  tokenizer.normalizer.strip_accents = false;
  const bytes = (name) => readFileSync(join(folder('bert-tiny'), name));
  const cased = (lower) => ({
    config: bytes('config.json'), weights: bytes('model.safetensors'), tokenizer: new TextEncoder().encode(JSON.stringify(tokenizer)),
    extraFiles: {
      ...Object.fromEntries(Object.entries(MINILM).map(([k, v]) => [k, new TextEncoder().encode(v)])),
      'sentence_bert_config.json': new TextEncoder().encode(JSON.stringify({ max_seq_length: 256, do_lower_case: lower })),
    },
  });
  const texts = ref.texts.slice(0, 2);
  await withModel(cased(true), async (model) => {
    assert.deepEqual(model.info.embedding, { ...defaults('mean', true), maxTokens: 256, lowercase: true });
    assertVectors(await model.embed(texts.map((t) => t.text)), texts.map((t) => t.mean_pooled_normalized), 'lowercased');
  });
  await withModel(cased(false), async (model) => {
    assert.notDeepEqual(model.tokenizer.encode(texts[0].text), texts[0].ids, 'the tokenizer is cased');
    const { data } = await model.embed(texts.map((t) => t.text));
    assert.ok(compare(data, texts.map((t) => t.mean_pooled_normalized)).maxAbs > 0.01, 'cased ids give other vectors');
  });
});

test('explicit options win over the model\'s defaults', async () => {
  await withModel(stFolder(MINILM), async (model) => {
    assertVectors(await model.embed(ids, { pooling: 'cls', normalize: false }), expected('cls', false), 'cls, false');
    assertVectors(await model.embed(ids, { normalize: false }), expected('mean', false), 'default pooling, false');
    assertVectors(await model.embed(ids, { pooling: 'cls' }), expected('cls', true), 'cls, default normalize');
    // Token states are never normalized by default (sentence-transformers' Normalize scales the sentence embedding).
    const tokens = await model.embed([ids[1]], { pooling: 'none' });
    assert.deepEqual(tokens.dims, [1, ids[1].length, WIDTH]);
    const states = inputs[1].last_hidden_state.flat();
    assert.ok(states.every((v, i) => Math.abs(tokens.data[i] - v) <= 1e-4));
  });
});

test('without modules.json, today\'s defaults: mean, not normalized', async () => {
  await withModel(folder('bert-tiny'), async (model) => {
    assert.deepEqual(model.info.embedding, defaults('mean', false, 'default'));
    assertVectors(await model.embed(ids), expected('mean', false), 'default mean');
  });
  // A decoder cannot embed, and has no embedding defaults.
  await withModel(folder('llama-tiny'), async (model) => assert.equal(model.info.embedding, undefined));
});

test('what qkv cannot apply is an UnsupportedError from embed() without options; explicit options still embed', async () => {
  const cases = [
    [{ '1_Pooling/config.json': poolingConfig('mean_sqrt_len_tokens') }, /pooling mode 'mean_sqrt_len_tokens' of 1_Pooling/],
    [{ '1_Pooling/config.json': poolingConfig('weightedmean') }, /pooling mode 'weightedmean' of 1_Pooling/],
    [{ '1_Pooling/config.json': JSON.stringify({ word_embedding_dimension: WIDTH, pooling_mode_cls_token: true }) },
      /pooling cls\+mean of 1_Pooling .*concatenates/],
    [{
      'modules.json': modulesJson({ extra: [{ path: '2_LayerNorm', type: 'sentence_transformers.models.LayerNorm' }] }),
      '1_Pooling/config.json': MINILM_POOLING,
    }, /module 2_LayerNorm \(sentence_transformers\.models\.LayerNorm\)/],
    [{
      'modules.json': modulesJson({ extra: [{ path: 'custom', type: 'my_package.modules.Whitening' }] }),
      '1_Pooling/config.json': MINILM_POOLING,
    }, /module custom \(my_package\.modules\.Whitening\)/],
    [{ 'modules.json': JSON.stringify([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }]) },
      /no Pooling module/],
  ];
  for (const [files, names] of cases) {
    await withModel(stFolder({ 'modules.json': modulesJson(), ...files }), async (model) => {
      assert.match(model.info.embedding.unsupported, names);
      await assert.rejects(model.embed(ids), (e) => e instanceof UnsupportedError && names.test(e.message)
        && /modules\.json/.test(e.message) && /pass \{ pooling \}/.test(e.message), String(names));
      // An explicit pooling embeds (normalized: the folder's Normalize module still counts).
      const normalized = !/no Pooling module/.test(String(names));
      assertVectors(await model.embed(ids, { pooling: 'mean' }), expected('mean', normalized), `explicit after ${names}`);
    });
  }
});

test('a malformed modules.json or Pooling config is a FormatError naming the file', async () => {
  const cases = [
    [{ 'modules.json': '[{"idx": 0,' }, /^modules\.json is not valid JSON/],
    [{ 'modules.json': '{"0": "sentence_transformers.models.Pooling"}' }, /^modules\.json: expected an array/],
    [{ 'modules.json': '[{"idx": 0, "path": ""}]' }, /^modules\.json: module 0 needs a "type"/],
    [{ 'modules.json': MINILM_MODULES, '1_Pooling/config.json': '{"pooling_mode_cls_token": tru' },
      /^1_Pooling\/config\.json is not valid JSON/],
    [{ 'modules.json': MINILM_MODULES, '1_Pooling/config.json': '{"pooling_mode_cls_token": "yes"}' },
      /^1_Pooling\/config\.json: pooling_mode_cls_token must be true or false/],
    [{ 'modules.json': MINILM_MODULES, '1_Pooling/config.json': '{"pooling_mode": "median"}' },
      /^1_Pooling\/config\.json: pooling_mode must be one of/],
    [{ 'modules.json': MINILM_MODULES, '1_Pooling/config.json': '{"pooling_mode_mean_tokens": false}' },
      /^1_Pooling\/config\.json: no pooling mode is true/],
    [{ 'modules.json': MINILM_MODULES }, /1_Pooling\/config\.json is missing/],
    [{
      'modules.json': modulesJson({ extra: [{ path: '2_Dense', type: 'sentence_transformers.models.Dense' }] }),
      '1_Pooling/config.json': MINILM_POOLING,
    }, /modules\.json lists a Dense module in "2_Dense", but 2_Dense\/config\.json is missing/],
    [{ ...MINILM, 'sentence_bert_config.json': '{"max_seq_length": "long"}' },
      /^sentence_bert_config\.json: max_seq_length must be a whole number/],
    [{ ...MINILM, 'sentence_bert_config.json': '{"max_seq_length": 256, "do_lower_case": 1}' },
      /^sentence_bert_config\.json: do_lower_case must be true or false/],
  ];
  for (const [files, message] of cases) {
    await assert.rejects(loadModel(stFolder(files)), (e) => e instanceof FormatError && message.test(e.message), String(message));
  }
});

test('ModelFiles: extraFiles keyed by repository path; none given, none read', async () => {
  const bytes = (name) => readFileSync(join(folder('bert-tiny'), name));
  const files = { config: bytes('config.json'), weights: bytes('model.safetensors'), tokenizer: bytes('tokenizer.json') };
  const extraFiles = {
    'modules.json': new TextEncoder().encode(modulesJson({ normalize: false })),
    '1_Pooling/config.json': new Blob([poolingConfig('cls')]),
  };
  await withModel({ ...files, extraFiles }, async (model) => {
    assert.deepEqual(model.info.embedding, defaults('cls', false));
    assertVectors(await model.embed(ids), expected('cls', false), 'ModelFiles cls');
  });
  await withModel(files, async (model) => assert.equal(model.info.embedding.from, 'default'));
  // modules.json without the Pooling config it names.
  await assert.rejects(loadModel({ ...files, extraFiles: { 'modules.json': extraFiles['modules.json'] } }),
    (e) => e instanceof FormatError && /1_Pooling\/config\.json is missing.*extraFiles/.test(e.message));
});

test('pipeline(\'feature-extraction\') pools as modules.json says; other models still give token states', async () => {
  const texts = ref.texts.map((t) => t.text);
  const extractor = await pipeline('feature-extraction', stFolder(MINILM));
  try {
    const out = await extractor(texts);
    assert.deepEqual(out.dims, [texts.length, WIDTH]);
    // PyTorch's pooled texts of reference.json (values, not only directions: normalization counts).
    assertVectors(out, ref.texts.map((t) => t.mean_pooled_normalized), 'pipeline default');
    const cls = await extractor(texts, { pooling: 'cls', normalize: false });
    assertVectors(cls, ref.texts.map((t) => t.cls_pooled), 'pipeline explicit');
  } finally {
    await extractor.dispose();
  }
  const plain = await pipeline('feature-extraction', folder('bert-tiny'));
  try {
    const out = await plain(texts[0]);
    assert.deepEqual(out.dims, [1, ref.texts[0].ids.length, WIDTH]);
  } finally {
    await plain.dispose();
  }
});

/** Runs `node dist/cli/qkv.js ...args` from the repository root; never rejects. */
function qkv(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/qkv.js', ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

test('qkv embed uses the model\'s pooling without --pooling, and names what it cannot apply', async () => {
  const texts = ref.texts.slice(0, 3);
  const cls = stFolder({ 'modules.json': modulesJson({ normalize: false }), '1_Pooling/config.json': poolingConfig('cls') });
  const [json, table, chosen] = await Promise.all([
    qkv('embed', cls, ...texts.map((t) => t.text), '--json', '--quiet'),
    qkv('embed', cls, ...texts.map((t) => t.text), '--quiet'),
    qkv('embed', cls, ...texts.map((t) => t.text), '--pooling', 'mean', '--json', '--quiet'),
  ]);
  assert.equal(json.code, 0, json.stderr);
  // The CLI always scales to unit length (its report is of cosines).
  JSON.parse(json.stdout).embeddings.forEach((v, i) => assert.ok(cosine(v, texts[i].cls_pooled_normalized) >= 0.9999));
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^cosine similarity \(cls pooling, normalized\):$/m);
  assert.equal(chosen.code, 0, chosen.stderr);
  JSON.parse(chosen.stdout).embeddings.forEach((v, i) => assert.ok(cosine(v, texts[i].mean_pooled_normalized) >= 0.9999));

  const odd = stFolder({ 'modules.json': modulesJson(), '1_Pooling/config.json': poolingConfig('weightedmean') });
  const [refused, explicit] = await Promise.all([
    qkv('embed', odd, 'a', 'b', '--quiet'),
    qkv('embed', odd, 'a', 'b', '--pooling', 'max', '--quiet'),
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^UnsupportedError: qkv embed: .*'weightedmean'.*--pooling mean\|cls\|max\|last_token$/m);
  assert.equal(explicit.code, 0, explicit.stderr);
  assert.match(explicit.stdout, /cosine similarity \(max pooling, normalized\)/);
});

test('a base URL: an encoder\'s modules.json and Pooling config are fetched; a decoder is never asked for them', async () => {
  const root = mkdtempSync(join(tmpdir(), 'qkv-st-served-'));
  made.push(root);
  symlinkSync(stFolder(MINILM), join(root, 'minilm'));
  symlinkSync(folder('bert-tiny'), join(root, 'bert'));
  symlinkSync(folder('llama-tiny'), join(root, 'llama'));
  const server = await startFixtureServer({ root });
  try {
    await withModel(`${server.url}/minilm`, async (model) => {
      assert.deepEqual(model.info.embedding, defaults('mean', true));
      assertVectors(await model.embed(ids), expected('mean', true), 'served mean, normalized');
    });
    assert.ok(server.requests.includes('GET /minilm/modules.json'), server.requests.join('\n'));
    assert.ok(server.requests.includes('GET /minilm/1_Pooling/config.json'), server.requests.join('\n'));
    // An encoder without modules.json: asked once (a 404), today's defaults.
    await withModel(`${server.url}/bert`, async (model) => assert.equal(model.info.embedding.from, 'default'));
    assert.ok(server.requests.includes('GET /bert/modules.json'));
    await withModel(`${server.url}/llama`, async (model) => assert.ok(model.info.capabilities.includes('generate')));
    const llama = server.requests.filter((r) => r.includes('/llama/'));
    assert.ok(llama.some((r) => r.endsWith('/model.safetensors')), llama.join('\n'));
    assert.deepEqual(llama.filter((r) => /modules\.json|Pooling|sentence_bert_config/.test(r)), []);
  } finally {
    await server.close();
  }
});

test('WorkerEngine: the defaults cross to the page, embed() applies them in the worker, extraFiles cross', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const model = await engine.loadModel(stFolder(MINILM));
    assert.deepEqual(model.info.embedding, defaults('mean', true));
    assertVectors(await model.embed(ids), expected('mean', true), 'worker mean, normalized');
    assertVectors(await model.embed(ids, { pooling: 'cls', normalize: false }), expected('cls', false), 'worker explicit');
    model.dispose();
    const bytes = (name) => readFileSync(join(folder('bert-tiny'), name));
    const viaFiles = await engine.loadModel({
      config: bytes('config.json'), weights: bytes('model.safetensors'), tokenizer: bytes('tokenizer.json'),
      extraFiles: {
        'modules.json': new TextEncoder().encode(modulesJson()),
        '1_Pooling/config.json': new TextEncoder().encode(poolingConfig('weightedmean')),
      },
    });
    await assert.rejects(viaFiles.embed(ids), (e) => e instanceof UnsupportedError && /'weightedmean'/.test(e.message));
    assertVectors(await viaFiles.embed(ids, { pooling: 'max' }), expected('max', true), 'worker explicit max');
    viaFiles.dispose();
  } finally {
    engine.terminate();
  }
});
