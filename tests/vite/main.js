// A Vite app as a user writes it: qkv imported by its package name. With
// ?wasmPaths=<prefix> it points qkv at the runtime files the build copied
// there (see vite.config.mjs); without, qkv finds them by itself.
import { backendInfo, env, loadModel } from 'qkv';

async function run() {
  const wasmPaths = new URLSearchParams(location.search).get('wasmPaths');
  if (wasmPaths !== null) env.wasm.wasmPaths = wasmPaths;
  const info = await backendInfo();
  // The repository's fixture, next to the build output when the tests serve it.
  const folder = new URL('../../../fixtures/gpt2-tiny/', location.href);
  const model = await loadModel({
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
  return { flavour: info.flavour, numThreads: info.numThreads, text, tokens };
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
