// A Vite app as a user writes it: qkv imported by its package name, nothing
// else. Without a query qkv finds the runtime files Vite emitted; with
// ?wasmPaths=<prefix> it loads them from a copy there instead (the test puts
// one next to the build), as apps that serve the files themselves do. With
// ?worker the same runs off the main thread, in qkv's own worker
// (WorkerEngine.create()), which Vite bundles as a worker of its own. With
// ?sha256 it hashes bytes with qkv's background SHA-256 (the hash that loads
// by Hub id verify downloads with), whose worker and embedded wasm Vite bundles.
// With ?relaxedSimd=false qkv runs its SIMD128 build (on the page or in the
// worker) instead of the relaxed-SIMD one Chromium can run.
import { WorkerEngine, backendInfo, env, loadModel } from 'qkv';

/** The bytes ?sha256 hashes (tests/browser/vite.test.mjs makes the same). */
function sha256Bytes() {
  const bytes = new Uint8Array((9 << 20) + 5);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.imul(i, 0x9e3779b1) >>> 24;
  return bytes;
}

async function hashBytes() {
  // By path: the package exports no entry for it (loads by Hub id use it inside qkv).
  const { createBackgroundSha256 } = await import('./node_modules/qkv/dist/io/sha256-background.js');
  const bytes = sha256Bytes();
  const hash = await createBackgroundSha256();
  for (let at = 0; at < bytes.length; at += 1 << 20) hash.update(bytes.subarray(at, at + (1 << 20)));
  return { sha256: await hash.digest(), inBackground: hash.inBackground };
}

async function run() {
  const query = new URLSearchParams(location.search);
  if (query.has('sha256')) return hashBytes();
  const wasmPaths = query.get('wasmPaths');
  if (wasmPaths !== null) env.wasm.wasmPaths = wasmPaths;
  const settings = query.get('relaxedSimd') === 'false' ? { relaxedSimd: false } : {};
  if (settings.relaxedSimd === false) env.wasm.relaxedSimd = false;
  const engine = query.has('worker') ? await WorkerEngine.create(settings) : undefined;
  const info = await (engine ?? { backendInfo }).backendInfo();
  // The repository's tests/fixtures/: three folders up from the build output
  // the tests serve; the dev server test serves tests/ as its public folder.
  const folder = new URL('../../../fixtures/gpt2-tiny/', location.href);
  const model = await (engine ?? { loadModel }).loadModel({
    config: new URL('config.json', folder).href,
    weights: new URL('model.safetensors', folder).href,
    tokenizer: new URL('tokenizer.json', folder).href,
  });
  let text = '';
  const tokens = [];
  for await (const t of model.generate('Hello, world', { max_new_tokens: 8 })) {
    text += t.text;
    tokens.push(t.token);
  }
  model.dispose();
  engine?.terminate();
  return { worker: engine !== undefined, flavour: info.flavour, numThreads: info.numThreads, text, tokens };
}

run().then(
  (result) => {
    window.__result = result;
    document.getElementById('out').textContent = JSON.stringify(result, null, 2);
  },
  (e) => {
    window.__result = { failed: `${e?.name}: ${e?.message}` };
    document.getElementById('out').textContent = window.__result.failed;
  },
);
