// Models by Hub id through the public API, against a loopback fake Hub
// (tests/js/fake-hub.mjs): resolution to one commit, the huggingface_hub
// cache layout (checked with @huggingface/hub), offline loads, tokens kept
// to the Hub's origin, retries, resumed and verified downloads, and named
// errors after which a good load still succeeds.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { downloadFileToCacheDir, scanCacheDir, snapshotDownload } from '@huggingface/hub';
import { downloadModel, env, HubError, IntegrityError, loadModel, NetworkError, NoTokenizerError, pipeline } from '../../dist/index.js';
import { compareLogits, folder, reference } from './fixtures.mjs';
import { fileRequests, fixtureRepo, freshCache, uniqueId, useFakeHub, weightRequests } from './hub-support.mjs';

let hub;
useFakeHub((started) => {
  hub = started;
});

async function expectLogits(model, name = 'gpt2-tiny') {
  const { maxAbs, rows, agree } = await compareLogits(model, name);
  assert.ok(maxAbs <= 1e-4, `max |logit error| ${maxAbs}`);
  assert.equal(agree, rows);
}

const repoDir = (id) => join(env.cacheDir, `models--${id.replace('/', '--')}`);

test('a model by id loads with the logits PyTorch gives, every file fetched at the one commit the revision named', async () => {
  const id = uniqueId('gpt2');
  const commit = hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  const events = [];
  const model = await loadModel(id, { onProgress: (p) => events.push(p) });
  try {
    await expectLogits(model);
  } finally {
    model.dispose();
  }
  // The revision API once, then the tree at the commit, then files at that commit only.
  assert.match(hub.requests[0].path, new RegExp(`^/api/models/${id}/revision/main`));
  assert.match(hub.requests[1].path, new RegExp(`^/api/models/${id}/tree/${commit}`));
  for (const r of fileRequests(hub).filter((r) => r.origin === 'hub')) assert.ok(r.path.includes(commit), r.path);
  // The optional files are listed, so they are fetched; nothing absent is ever asked for.
  assert.ok(hub.requests.every((r) => r.status < 400), hub.requests.map((r) => `${r.status} ${r.path}`).join('\n'));
  // The weights' size came from the listing: the first event already has the final total.
  const size = statSync(join(folder('gpt2-tiny'), 'model.safetensors')).size;
  assert.equal(events[0].totalBytes, size);
  assert.equal(events[0].totalKnown, true);
  assert.equal(events.at(-1).totalLoaded, size);
});

test('the second load makes no request for weights; offline loads come from the cache, named errors for what it lacks', async () => {
  const id = uniqueId('gpt2');
  const commit = hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  (await loadModel(id)).dispose();
  assert.ok(weightRequests(hub).length > 0);
  hub.resetRequests();
  const again = await loadModel(id);
  await expectLogits(again);
  again.dispose();
  assert.deepEqual(weightRequests(hub), []);
  assert.deepEqual(fileRequests(hub), [], 'cached files are read from disk');

  // The layout huggingface_hub uses: refs/main, relative links from the snapshot to the blobs.
  assert.equal(readFileSync(join(repoDir(id), 'refs', 'main'), 'utf8'), commit);
  const link = join(repoDir(id), 'snapshots', commit, 'model.safetensors');
  assert.match(readlinkSync(link), /^\.\.\/\.\.\/blobs\/[0-9a-f]{64}$/);
  assert.deepEqual(readdirSync(join(repoDir(id), 'blobs')).filter((f) => f.includes('incomplete')), []);

  hub.resetRequests();
  env.allowRemoteModels = false;
  const offline = await loadModel(id);
  await expectLogits(offline);
  offline.dispose();
  assert.deepEqual(hub.requests, [], 'offline: no request at all');
  await assert.rejects(loadModel(id, { revision: 'other' }), (e) => e instanceof HubError && e.reason === 'NotCached'
    && e.message.includes(id) && e.message.includes("'other'"));
  await assert.rejects(loadModel(uniqueId('never')), (e) => e instanceof HubError && e.reason === 'NotCached');
  // A file gone from the snapshot is named with the id, the revision and the file.
  const { rmSync } = await import('node:fs');
  rmSync(join(repoDir(id), 'snapshots', commit, 'model.safetensors'));
  await assert.rejects(loadModel(id), (e) => e instanceof HubError && e.reason === 'NotCached'
    && e.message.includes('model.safetensors') && e.message.includes(id) && e.message.includes("'main'"));
});

test("@huggingface/hub's scanCacheDir reads what qkv cached; qkv loads offline what its downloadFileToCacheDir fetched", async () => {
  const id = uniqueId('gpt2-sharded');
  const files = fixtureRepo('gpt2-tiny-sharded');
  const commit = hub.addRepo(id, files);
  const downloaded = await downloadModel(id);
  assert.equal(downloaded.commit, commit);
  assert.equal(downloaded.folder, join(repoDir(id), 'snapshots', commit));
  const scan = await scanCacheDir(env.cacheDir);
  const repo = scan.repos.find((r) => r.id.name === id);
  assert.ok(repo, `scanCacheDir lists ${id}: ${JSON.stringify(scan.warnings)}`);
  assert.equal(repo.revisions.length, 1);
  assert.equal(repo.revisions[0].commitOid, commit);
  assert.deepEqual([...repo.revisions[0].refs].sort(), ['main']);
  const snapshot = join(repoDir(id), 'snapshots', commit);
  const scanned = Object.fromEntries(repo.revisions[0].files.map((f) => [f.path.slice(snapshot.length + 1), f.blob.size]));
  for (const name of Object.keys(files)) assert.equal(scanned[name], files[name].length, name);
  assert.equal(repo.size, Object.values(files).reduce((n, b) => n + b.length, 0));

  // The other way: @huggingface/hub fills a fresh cache, qkv loads it with no network. downloadFileToCacheDir
  // writes no refs/ (so the commit names the revision); snapshotDownload writes refs/main.
  const fileCache = freshCache();
  for (const path of Object.keys(files)) {
    await downloadFileToCacheDir({ repo: id, path, revision: 'main', hubUrl: hub.url, cacheDir: fileCache });
  }
  const snapshotCache = freshCache();
  await snapshotDownload({ repo: id, revision: 'main', hubUrl: hub.url, cacheDir: snapshotCache });
  hub.resetRequests();
  env.allowRemoteModels = false;
  for (const [cacheDir, revision] of [[fileCache, commit], [snapshotCache, 'main']]) {
    env.cacheDir = cacheDir;
    const model = await loadModel(id, { revision });
    await expectLogits(model, 'gpt2-tiny-sharded');
    model.dispose();
  }
  assert.deepEqual(hub.requests, []);
});

test('revisions: a tag and a commit sha load what they name; the tag is recorded in refs/', async () => {
  const id = uniqueId('gpt2');
  const first = hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  hub.tag(id, 'v1', first);
  // main moves on to a commit whose weights are not a model: loading main now fails.
  hub.push(id, { 'model.safetensors': Buffer.from('not a safetensors file') });
  const tagged = await loadModel(id, { revision: 'v1' });
  await expectLogits(tagged);
  tagged.dispose();
  assert.equal(readFileSync(join(repoDir(id), 'refs', 'v1'), 'utf8'), first);
  const pinned = await loadModel(id, { revision: first });
  pinned.dispose();
  await assert.rejects(loadModel(id), /safetensors/);
});

test('a push during the download does not mix two commits', async () => {
  const id = uniqueId('gpt2-sharded');
  const commit = hub.addRepo(id, fixtureRepo('gpt2-tiny-sharded'));
  let pushed = false;
  const model = await loadModel(id, {
    onProgress: (p) => {
      if (!pushed && p.fileIndex === 0) {
        pushed = true;
        hub.push(id, { 'model-00002-of-00002.safetensors': Buffer.from('pushed while the first shard downloaded') });
      }
    },
  });
  assert.ok(pushed);
  await expectLogits(model, 'gpt2-tiny-sharded');
  model.dispose();
  for (const r of hub.requests.filter((r) => /\/resolve\//.test(r.path))) assert.ok(r.path.includes(commit), r.path);
});

test('errors name what happened (gated, not found, revision, file, 403), and a good load still succeeds after each', async () => {
  const good = uniqueId('gpt2');
  hub.addRepo(good, fixtureRepo('gpt2-tiny'));
  const gated = uniqueId('gated');
  hub.addRepo(gated, fixtureRepo('gpt2-tiny'), { gated: true });
  hub.tokens.add('hf_good');

  await assert.rejects(loadModel(gated), (e) => e instanceof HubError && e.reason === 'GatedRepo'
    && /gated/.test(e.message) && /token/.test(e.message) && e.message.includes(gated));
  await assert.rejects(loadModel(uniqueId('missing')), (e) => e instanceof HubError && e.reason === 'RepoNotFound');
  await assert.rejects(loadModel(uniqueId('missing'), { accessToken: 'hf_good' }),
    (e) => e instanceof HubError && e.reason === 'RepoNotFound');
  await assert.rejects(loadModel(good, { revision: 'no-such-branch' }),
    (e) => e instanceof HubError && e.reason === 'RevisionNotFound' && e.message.includes('no-such-branch'));
  const noTokenizer = uniqueId('no-tokenizer');
  hub.addRepo(noTokenizer, fixtureRepo('gpt2-tiny', { skip: ['tokenizer.json'] }));
  // No tokenizer.json: the model loads for id-level use (transformers.js's AutoModel), never asking for it.
  const idsOnly = await loadModel(noTokenizer);
  assert.equal(idsOnly.tokenizer, null);
  await assert.rejects(idsOnly.forward('Hello'), NoTokenizerError);
  assert.equal((await idsOnly.forward([1, 2])).dims[0], 2);
  idsOnly.dispose();
  assert.ok(!hub.requests.some((r) => r.path.endsWith('/tokenizer.json')), 'an absent tokenizer.json is not requested');
  const onlyBin = uniqueId('bin-only');
  hub.addRepo(onlyBin, { ...fixtureRepo('gpt2-tiny', { skip: ['model.safetensors'] }), 'pytorch_model.bin': Buffer.alloc(64) });
  await assert.rejects(loadModel(onlyBin), (e) => e instanceof HubError && e.reason === 'EntryNotFound'
    && /model\.safetensors/.test(e.message) && e.message.includes('pytorch_model.bin'));
  hub.fail({ match: `/api/models/${good}/revision/`, kind: { status: 403 } });
  await assert.rejects(loadModel(good), (e) => e instanceof HubError && e.reason === 'Forbidden' && /403/.test(e.message));
  await assert.rejects(loadModel('org/x', { revision: '' }), /revision/);

  // With a token that accepted the conditions: the token goes to the Hub, never to the CDN it redirects to.
  hub.resetRequests();
  const model = await loadModel(gated, { accessToken: 'hf_good' });
  model.dispose();
  const toHub = hub.requests.filter((r) => r.origin === 'hub');
  assert.ok(toHub.every((r) => r.headers.authorization === 'Bearer hf_good'), 'every Hub request carries the token');
  const toCdn = hub.requests.filter((r) => r.origin === 'cdn');
  assert.ok(toCdn.length > 0);
  assert.ok(toCdn.every((r) => r.headers.authorization === undefined), 'the CDN never sees the token');
  // env.accessToken is the default.
  env.accessToken = 'hf_good';
  env.cacheDir = freshCache();
  (await loadModel(gated)).dispose();
  (await loadModel(good)).dispose();
});

test('429 and 5xx are retried with backoff; a 500 that persists is named after bounded attempts', async () => {
  const id = uniqueId('gpt2');
  hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  hub.fail({ match: `/api/models/${id}/revision/`, kind: { status: 429, retryAfter: 0 }, times: 2 });
  hub.fail({ match: /\.safetensors/, origin: 'cdn', kind: { status: 503 }, times: 1 });
  const model = await loadModel(id);
  model.dispose();
  assert.equal(hub.requests.filter((r) => r.path.includes('/revision/')).length, 3);
  hub.fail({ match: `/api/models/${id}/tree/`, kind: { status: 500 }, times: Infinity });
  env.cacheDir = freshCache();
  await assert.rejects(loadModel(id), (e) => e instanceof HubError && e.reason === 'ServerError'
    && /500/.test(e.message) && /4 attempts/.test(e.message));
  hub.fail({ match: `/api/models/${id}/revision/`, kind: { status: 429, retryAfter: 0 }, times: Infinity });
  await assert.rejects(loadModel(id), (e) => e instanceof HubError && e.reason === 'RateLimited');
});

test('a cut connection resumes with a Range request; cut for good it is named, and the next load resumes the partial file', async () => {
  const id = uniqueId('gpt2');
  hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  hub.fail({ match: /\.safetensors/, origin: 'cdn', kind: 'cut', times: 1 });
  const model = await loadModel(id);
  await expectLogits(model);
  model.dispose();
  const cdn = hub.requests.filter((r) => r.origin === 'cdn');
  assert.equal(cdn.length, 2);
  assert.match(cdn[1].headers.range ?? '', /^bytes=[1-9]\d*-$/);

  env.cacheDir = freshCache();
  hub.resetRequests();
  // As many cuts as qkv makes attempts: the load fails; the fault is then used up.
  hub.fail({ match: /\.safetensors/, origin: 'cdn', kind: 'cut', times: 4 });
  await assert.rejects(loadModel(id), (e) => e instanceof NetworkError && /model\.safetensors/.test(e.message)
    && /4 attempts/.test(e.message));
  const blobs = join(repoDir(id), 'blobs');
  const partial = readdirSync(blobs).find((f) => f.endsWith('.incomplete'));
  assert.ok(partial, 'the partial download is kept for resuming');
  const kept = statSync(join(blobs, partial)).size;
  assert.ok(kept > 0);
  hub.resetRequests();
  const resumed = await loadModel(id);
  await expectLogits(resumed);
  resumed.dispose();
  const ranges = hub.requests.filter((r) => r.origin === 'cdn').map((r) => r.headers.range);
  assert.deepEqual(ranges, [`bytes=${kept}-`]);
  assert.deepEqual(readdirSync(blobs).filter((f) => f.endsWith('.incomplete')), []);
});

test('bytes that do not match the Hub\'s hash: an IntegrityError naming the file and both hashes; nothing is kept', async () => {
  const id = uniqueId('gpt2');
  hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  hub.fail({ match: /\.safetensors/, origin: 'cdn', kind: 'corrupt', times: 1 });
  await assert.rejects(loadModel(id), (e) => e instanceof IntegrityError && e.message.includes('model.safetensors')
    && (e.message.match(/[0-9a-f]{64}/g) ?? []).length === 2);
  const blobs = readdirSync(join(repoDir(id), 'blobs'));
  assert.ok(blobs.every((f) => !/^[0-9a-f]{64}/.test(f)), `no weights blob or partial kept: ${blobs}`);
  const model = await loadModel(id);
  await expectLogits(model);
  model.dispose();
  // A small file whose bytes differ from its git oid is caught too.
  env.cacheDir = freshCache();
  hub.fail({ match: /config\.json/, kind: 'corrupt', times: 1 });
  await assert.rejects(loadModel(id), (e) => e instanceof IntegrityError && /sha-1/.test(e.message));
});

test('an abort during the download keeps the partial file, and the next load resumes it', async () => {
  const id = uniqueId('gpt2');
  hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  const controller = new AbortController();
  await assert.rejects(loadModel(id, {
    signal: controller.signal,
    onProgress: (p) => { if (p.loaded > 1 << 20) controller.abort(); },
  }), { name: 'AbortError' });
  const blobs = join(repoDir(id), 'blobs');
  const partial = readdirSync(blobs).find((f) => f.endsWith('.incomplete'));
  assert.ok(partial);
  hub.resetRequests();
  const model = await loadModel(id);
  model.dispose();
  const ranges = hub.requests.filter((r) => r.origin === 'cdn').map((r) => r.headers.range);
  assert.equal(ranges.length, 1);
  assert.match(ranges[0], /^bytes=[1-9]\d*-$/);
});

test('a local folder comes first: a folder at the id\'s path, and env.localModelPath + id', async () => {
  const { cpSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'qkv-local-'));
  cpSync(folder('gpt2-tiny'), join(root, 'org', 'local-gpt2'), { recursive: true });
  env.localModelPath = root;
  const model = await loadModel('org/local-gpt2');
  model.dispose();
  assert.deepEqual(hub.requests, []);
  env.allowLocalModels = false;
  await assert.rejects(loadModel('org/local-gpt2'), (e) => e instanceof HubError && e.reason === 'RepoNotFound');
  env.allowLocalModels = true;
  const cwd = process.cwd();
  process.chdir(root);
  try {
    (await loadModel('org/local-gpt2')).dispose(); // the relative path exists: a folder, not an id
    // A file with an id-shaped name is local too: named as no model folder, never sent to the Hub.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(root, 'package.json'), '{}');
    hub.resetRequests();
    await assert.rejects(loadModel('package.json'), /expects a model folder .*got a file: package\.json/);
    assert.deepEqual(hub.requests, []);
  } finally {
    process.chdir(cwd);
  }
  assert.deepEqual(hub.requests.filter((r) => r.status !== 401 && r.status !== 404), []);
});

test("pipeline(task, 'org/name', { revision }) loads by id as transformers.js's does", async () => {
  const id = uniqueId('gpt2');
  const first = hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  hub.push(id, { 'model.safetensors': Buffer.from('a later commit that does not load') });
  const generator = await pipeline('text-generation', id, { revision: first });
  try {
    const [{ generated_text: text }] = await generator('Hello', { max_new_tokens: 3, do_sample: false });
    assert.ok(text.startsWith('Hello') && text.length > 'Hello'.length, text);
  } finally {
    await generator.dispose();
  }
  await assert.rejects(pipeline('text-generation', id), /safetensors/);
});

test('a sentence-transformers repository by id embeds as sentence-transformers does (its Pooling and Normalize modules)', async () => {
  const id = uniqueId('minilm-layout');
  const ref = reference('bert-tiny');
  const width = ref.config.hidden_size;
  // all-MiniLM-L6-v2's modules.json and 1_Pooling/config.json (its 2_Normalize folder is empty: not in the tree).
  const modules = JSON.stringify([
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
  ], null, 2);
  const pooling = JSON.stringify({ word_embedding_dimension: width, pooling_mode_cls_token: false,
    pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false }, null, 2);
  hub.addRepo(id, { ...fixtureRepo('bert-tiny'), 'modules.json': modules, '1_Pooling/config.json': pooling });
  const inputs = ref.inputs.filter((i) => i.token_type_ids.every((t) => t === 0));
  // PyTorch's last hidden states, mean-pooled and scaled to unit length here, as the modules say.
  const want = inputs.map((input) => {
    const mean = new Float64Array(width);
    for (const row of input.last_hidden_state) row.forEach((v, i) => { mean[i] += v / input.last_hidden_state.length; });
    const norm = Math.hypot(...mean);
    return mean.map((v) => v / norm);
  });
  const model = await loadModel(id);
  try {
    assert.equal(model.info.embedding.pooling, 'mean');
    assert.equal(model.info.embedding.normalize, true);
    const { data } = await model.embed(inputs.map((i) => i.ids));
    let maxAbs = 0;
    want.forEach((w, r) => w.forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(data[r * width + i] - v)); }));
    assert.ok(maxAbs <= 1e-4, `max |error| ${maxAbs}`);
  } finally {
    model.dispose();
  }
  // downloadModel caches the module configs too, so the same defaults hold offline.
  await downloadModel(id);
  env.allowRemoteModels = false;
  const offline = await loadModel(id);
  assert.equal(offline.info.embedding.pooling, 'mean');
  offline.dispose();
});
