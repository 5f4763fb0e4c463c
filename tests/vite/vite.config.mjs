// Builds the tiny app with qkv resolved as a package: 'qkv' is aliased to
// the repository root, so Vite reads its package.json exports and bundles
// dist/ as it would from node_modules/qkv. The runtime files in dist/wasm/
// are also copied to qkv-wasm/ in the output, for env.wasm.wasmPaths.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const wasmDir = `${repo}dist/wasm/`;

/** Emits every file of qkv's dist/wasm/ under qkv-wasm/, names unchanged. */
function copyQkvRuntime() {
  return {
    name: 'copy-qkv-runtime',
    generateBundle() {
      for (const name of readdirSync(wasmDir)) {
        this.emitFile({ type: 'asset', fileName: `qkv-wasm/${name}`, source: readFileSync(wasmDir + name) });
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  resolve: { alias: { qkv: repo } },
  plugins: [copyQkvRuntime()],
  build: {
    outDir: process.env.QKV_VITE_OUT ?? fileURLToPath(new URL('../browser/artifacts/vite-app', import.meta.url)),
    emptyOutDir: true,
  },
});
