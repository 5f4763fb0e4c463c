// The configuration a user of qkv writes: nothing about qkv. qkv's runtime
// files (.mjs glue, .wasm, the pthread worker) are emitted by Vite itself,
// from the `new URL('./wasm/…', import.meta.url)` literals in qkv's backend.
// `base: './'` only because the tests serve the build from a subfolder.
// tests/browser/vite.test.mjs installs qkv into a copy of this app (npm pack)
// and passes root and outDir.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  logLevel: 'warn',
  build: { emptyOutDir: true },
});
