// A Vite app as a user writes it: qkv imported by its package name, nothing
// else. Without a query qkv finds the runtime files Vite emitted; with
// ?wasmPaths=<prefix> it loads them from a copy there instead (the test puts
// one next to the build), as apps that serve the files themselves do. With
// ?worker the same runs off the main thread, in qkv's own worker
// (WorkerEngine.create()), which Vite bundles as a worker of its own.
import { WorkerEngine, backendInfo, env, loadModel } from 'qkv';

async function run() {
  const query = new URLSearchParams(location.search);
  const wasmPaths = query.get('wasmPaths');
  if (wasmPaths !== null) env.wasm.wasmPaths = wasmPaths;
  const engine = query.has('worker') ? await WorkerEngine.create() : undefined;
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
