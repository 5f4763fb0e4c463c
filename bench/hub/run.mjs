// Loading by Hub id: the first load (download from a loopback fake Hub,
// SHA-256 as it streams, written into the huggingface_hub cache) against the
// cached load and the same files loaded as a folder, all side by side in one
// process; and the hashing cost on its own (node:crypto, as Node.js loads
// use, and qkv's wasm hasher, as pages use; inline, and on the worker thread
// loads by id use, where the loading thread only copies) against the cached
// load's time.
//
//   node bench/hub/run.mjs [MODEL_DIR] [--rounds N] [--dtype f32|f16|q8] [--threads N]
//
// MODEL_DIR defaults to bench/out/gpt2-small (made by bench/gpt2-small/make_model.py). Prints JSON lines
// (one per round) and a summary of medians and ratios.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { env, loadModel } from '../../dist/index.js';
import { createSha256 } from '../../dist/io/sha256.js';
import { createBackgroundSha256, createFileTailSha256 } from '../../dist/io/sha256-background.js';
import { startFakeHub } from '../../tests/js/fake-hub.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const rounds = Number(option('rounds', '3'));
const dtype = option('dtype', 'f32');
env.wasm.numThreads = Number(option('threads', '1'));
const modelDir = resolve(args[0] ?? 'bench/out/gpt2-small');
const HUB_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'model.safetensors'];

const files = {};
for (const name of readdirSync(modelDir)) if (HUB_FILES.includes(name)) files[name] = { path: join(modelDir, name) };
const weightBytes = statSync(join(modelDir, 'model.safetensors')).size;

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

async function timeLoad(source) {
  const { ms, value } = await timed(() => loadModel(source, { dtype }));
  value.dispose();
  return ms;
}

/**
 * Reads the weights file in 4 MiB chunks (from the page cache after the first round), hashing each if
 * asked; with a background hash, `inUpdate` sums the time the reading thread spent in update() (what the
 * loading loses) and the digest is awaited.
 */
async function readWeights(hash, inUpdate = { ms: 0 }) {
  const handle = await open(join(modelDir, 'model.safetensors'), 'r');
  const chunk = new Uint8Array(4 << 20);
  try {
    for (let at = 0; at < weightBytes;) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, weightBytes - at), at);
      const start = performance.now();
      hash?.update(chunk.subarray(0, bytesRead));
      inUpdate.ms += performance.now() - start;
      await hash?.drain?.(32 << 20);
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash?.digest ? hash.digest() : hash?.digestHex();
}

/**
 * What a Node.js load by id does: the weights written to a cache file in 4 MiB writes, the hashing
 * worker reading the file behind them (createFileTailSha256); returns the writing thread's time
 * inside extend() calls and checks the digest against node:crypto's.
 */
async function tailHashWeights(expected) {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-bench-tail-'));
  const target = await open(join(dir, 'blob.incomplete'), 'w');
  const source = await open(join(modelDir, 'model.safetensors'), 'r');
  const chunk = new Uint8Array(4 << 20);
  const hash = await createFileTailSha256(join(dir, 'blob.incomplete'));
  let inExtend = 0;
  try {
    for (let at = 0; at < weightBytes;) {
      const { bytesRead } = await source.read(chunk, 0, Math.min(chunk.length, weightBytes - at), at);
      await target.write(chunk, 0, bytesRead, at);
      at += bytesRead;
      const start = performance.now();
      hash.extend(at);
      inExtend += performance.now() - start;
    }
    if ((await hash.digest()) !== expected) throw new Error('the file-tail digest differs from node:crypto');
  } finally {
    await source.close();
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return inExtend;
}

const hub = await startFakeHub();
const results = [];
try {
  await timeLoad(modelDir); // warm the runtime and the page cache
  for (let round = 0; round < rounds; round++) {
    const id = `bench/model-${round}`;
    hub.addRepo(id, files);
    env.remoteHost = hub.url;
    env.cacheDir = mkdtempSync(join(tmpdir(), 'qkv-bench-hub-'));
    try {
      const first = await timeLoad(id);
      const cached = await timeLoad(id);
      const folder = await timeLoad(modelDir);
      const read = (await timed(() => readWeights())).ms;
      const hashNode = (await timed(async () => readWeights(await createSha256({ implementation: 'node' })))).ms - read;
      const hashWasm = (await timed(async () => readWeights(await createSha256({ implementation: 'wasm' })))).ms - read;
      const expected = await readWeights(await createSha256({ implementation: 'node' }));
      const tailNode = await tailHashWeights(expected);
      const backgroundNode = { ms: 0 };
      await readWeights(await createBackgroundSha256({ implementation: 'node' }), backgroundNode);
      const backgroundWasm = { ms: 0 };
      await readWeights(await createBackgroundSha256({ implementation: 'wasm' }), backgroundWasm);
      const row = { round, dtype, weightBytes, first, cached, folder, read, hashNode, hashWasm,
        backgroundNode: backgroundNode.ms, backgroundWasm: backgroundWasm.ms, tailNode };
      results.push(row);
      console.log(JSON.stringify(row));
    } finally {
      rmSync(env.cacheDir, { recursive: true, force: true });
    }
  }
} finally {
  await hub.close();
}

const median = (key) => results.map((r) => r[key]).sort((a, b) => a - b)[results.length >> 1];
const m = Object.fromEntries(['first', 'cached', 'folder', 'hashNode', 'hashWasm', 'backgroundNode', 'backgroundWasm', 'tailNode'].map((k) => [k, median(k)]));
const mb = weightBytes / 1e6;
console.log(`\n${modelDir} (${mb.toFixed(0)} MB of weights), dtype ${dtype}, ${env.wasm.numThreads} thread(s), median of ${rounds}:`);
console.log(`  first load by id (download + SHA-256 + cache write + load): ${m.first.toFixed(0)} ms`);
console.log(`  cached load by id:                                          ${m.cached.toFixed(0)} ms  (folder load: ${m.folder.toFixed(0)} ms, ratio ${(m.cached / m.folder).toFixed(2)})`);
console.log(`  SHA-256 node:crypto: ${m.hashNode.toFixed(0)} ms (${(mb / m.hashNode * 1000).toFixed(0)} MB/s) = ${(100 * m.hashNode / m.cached).toFixed(1)} % of the cached load`);
console.log(`  SHA-256 wasm:        ${m.hashWasm.toFixed(0)} ms (${(mb / m.hashWasm * 1000).toFixed(0)} MB/s) = ${(100 * m.hashWasm / m.cached).toFixed(1)} % of the cached load`);
console.log(`  Node.js loads by id: the worker hashes the cache file behind the writes; the loading thread's time in extend():`);
console.log(`    ${m.tailNode.toFixed(1)} ms = ${(100 * m.tailNode / m.cached).toFixed(2)} % of the cached load`);
console.log(`  background SHA-256 fed the bytes (pages; Node.js without a cache), the loading thread's time in update():`);
console.log(`    node:crypto worker: ${m.backgroundNode.toFixed(0)} ms = ${(100 * m.backgroundNode / m.cached).toFixed(1)} % of the cached load`);
console.log(`    wasm worker:        ${m.backgroundWasm.toFixed(0)} ms = ${(100 * m.backgroundWasm / m.cached).toFixed(1)} % of the cached load`);
