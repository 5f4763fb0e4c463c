// Models by Hub id across processes and doors: two processes fetching the
// same model at once, the CLI (download, generate, inspect, offline with
// HF_HUB_OFFLINE, errors) configured by huggingface_hub's environment
// variables, and a WorkerEngine loading by id with the page's settings.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanCacheDir } from '@huggingface/hub';
import { env, loadModel, WorkerEngine } from '../../dist/index.js';
import { startFakeHub } from './fake-hub.mjs';
import { compareLogits } from './fixtures.mjs';
import { fixtureRepo, freshCache, uniqueId, weightRequests } from './hub-support.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let hub;

before(async () => {
  hub = await startFakeHub();
});

after(async () => {
  await hub.close();
});

/** Runs node with `args` and huggingface_hub's variables; never rejects. */
function run(args, variables) {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repo, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...variables } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

const qkv = (args, variables) => run(['dist/cli/qkv.js', ...args], variables);

// A child process that loads the id and prints the first logits row's top token.
const LOAD_SCRIPT = `
import { loadModel } from './dist/index.js';
const model = await loadModel(process.argv[1]);
const { logits, dims } = await model.forward([464, 3290]);
let top = 0;
for (let v = 0; v < dims[1]; v++) if (logits[v] > logits[top]) top = v;
console.log(top);
model.dispose();
`;

test('two processes fetching the same model at once both succeed, and the cache is whole', async () => {
  const id = uniqueId('gpt2-sharded');
  const commit = hub.addRepo(id, fixtureRepo('gpt2-tiny-sharded'));
  const cache = freshCache();
  const variables = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache };
  const [a, b] = await Promise.all([0, 1].map(() => run(['--input-type=module', '-e', LOAD_SCRIPT, id], variables)));
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout, b.stdout);
  const scan = await scanCacheDir(cache);
  assert.deepEqual(scan.warnings, []);
  const cached = scan.repos.find((r) => r.id.name === id);
  assert.equal(cached.revisions[0].commitOid, commit);
  const files = fixtureRepo('gpt2-tiny-sharded');
  assert.equal(cached.size, Object.values(files).reduce((n, bytes) => n + bytes.length, 0));
  const blobs = readdirSync(join(cache, `models--${id.replace('/', '--')}`, 'blobs'));
  assert.deepEqual(blobs.filter((f) => !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(f)), [], 'no temporary file left');
  // And the model the processes loaded is the model: the same top token as in-process against PyTorch's logits.
  env.remoteHost = hub.url;
  env.cacheDir = cache;
  const model = await loadModel(id);
  const { agree, rows } = await compareLogits(model, 'gpt2-tiny-sharded');
  model.dispose();
  assert.equal(agree, rows);
});

test('the CLI by id: download prints the snapshot folder, generate and inspect load it, HF_HUB_OFFLINE=1 needs no network', async () => {
  const id = uniqueId('gpt2');
  const commit = hub.addRepo(id, fixtureRepo('gpt2-tiny'));
  const cache = freshCache();
  const variables = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache };
  const downloaded = await qkv(['download', id], variables);
  assert.equal(downloaded.code, 0, downloaded.stderr);
  const snapshot = join(cache, `models--${id.replace('/', '--')}`, 'snapshots', commit);
  assert.equal(downloaded.stdout.trim(), snapshot);
  assert.ok(readdirSync(snapshot).includes('model.safetensors'));
  assert.match(downloaded.stderr, new RegExp(`${id} at ${commit}: 5 files`));

  hub.resetRequests();
  const offline = { ...variables, HF_HUB_OFFLINE: '1' };
  const generated = await qkv(['generate', id, 'Hello', '--max-new-tokens', '4', '--quiet'], offline);
  assert.equal(generated.code, 0, generated.stderr);
  const fromFolder = await qkv(['generate', realpathSync(snapshot), 'Hello', '--max-new-tokens', '4', '--quiet'], offline);
  assert.equal(generated.stdout, fromFolder.stdout, 'the id and its snapshot folder generate the same text');
  const inspected = await qkv(['inspect', id, '--json', '--quiet'], offline);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.equal(JSON.parse(inspected.stdout).architecture, 'GPT2LMHeadModel');
  assert.deepEqual(hub.requests, [], 'offline: no request');
  const flag = await qkv(['generate', id, 'Hello', '--max-new-tokens', '2', '--quiet', '--offline'], variables);
  assert.equal(flag.code, 0, flag.stderr);
  assert.deepEqual(hub.requests, [], '--offline: no request');

  // Online again: the model is cached, so only the listing is asked for.
  const online = await qkv(['generate', id, 'Hello', '--max-new-tokens', '2', '--quiet'], variables);
  assert.equal(online.code, 0, online.stderr);
  assert.deepEqual(weightRequests(hub), []);

  const missing = await qkv(['generate', uniqueId('missing'), 'Hello', '--quiet'], variables);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^HubError: model 'org\/missing-\d+' was not found on the Hub/);
  const notCached = await qkv(['generate', uniqueId('absent'), 'Hello', '--quiet'], offline);
  assert.equal(notCached.code, 1);
  assert.match(notCached.stderr, /HubError: .* is not in the cache/);
  const revision = await qkv(['download', id, '--revision', 'nope'], variables);
  assert.match(revision.stderr, /HubError: revision 'nope' was not found/);
});

test("a WorkerEngine loads by id with the page's Hub settings (host, token) sent along", async () => {
  const id = uniqueId('gated');
  hub.addRepo(id, fixtureRepo('gpt2-tiny'), { gated: true });
  hub.tokens.add('hf_worker');
  env.remoteHost = hub.url;
  env.cacheDir = freshCache();
  env.accessToken = 'hf_worker';
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    hub.resetRequests();
    const model = await engine.loadModel(id);
    assert.equal(model.info.architecture, 'GPT2LMHeadModel');
    await model.dispose();
    assert.ok(hub.requests.filter((r) => r.origin === 'hub').every((r) => r.headers.authorization === 'Bearer hf_worker'));
    env.accessToken = undefined;
    await assert.rejects(engine.loadModel(uniqueId('missing')), (e) => e.name === 'HubError' && e.reason === 'RepoNotFound');
  } finally {
    env.accessToken = undefined;
    engine.terminate();
  }
});
