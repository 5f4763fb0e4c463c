// Starts @tensorflow/tfjs-backend-wasm in Node with a chosen wasm build and XNNPACK thread count,
// and reports which .wasm file was really instantiated.
//
// Why this is more than `setWasmPaths(dir); setThreadsCount(n); setBackend('wasm')`:
// * In Node, tfjs never picks the threaded-SIMD build (flag WASM_HAS_MULTITHREAD_SUPPORT is
//   hard-wired to false for Node, tfjs issue #3830): its loader hands Emscripten Blob URLs for the
//   pthread worker and main script, which Node's worker_threads cannot start. So for
//   'threaded-simd' we register our own 'wasm' backend factory that gives Emscripten file paths
//   instead (the worker entry is tfjs-pthread-worker.cjs); kernels stay registered under 'wasm'.
// * tfjs caps XNNPACK's pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads
//   per core); under Node that count is os.cpus().length, 2 on our VM, so setThreadsCount(2)
//   would silently give 1 thread. While the module starts we report 2×threads logical cores.
import * as tf from '@tensorflow/tfjs-core';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const distDir = path.join(pkgDir, 'dist');
const WASM_FILES = {
  plain: 'tfjs-backend-wasm.wasm',
  simd: 'tfjs-backend-wasm-simd.wasm',
  'threaded-simd': 'tfjs-backend-wasm-threaded-simd.wasm',
};

// Records the bytes of every wasm binary instantiated while `start` runs.
async function recordInstantiations(start) {
  const seen = [];
  const original = WebAssembly.instantiate;
  WebAssembly.instantiate = function (source, imports) {
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      seen.push(ArrayBuffer.isView(source)
        ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source));
    }
    return original.call(this, source, imports);
  };
  try {
    await start();
  } finally {
    WebAssembly.instantiate = original;
  }
  return seen;
}

// Which of the package's three .wasm files these bytes are, by content.
function identify(bytes) {
  for (const file of Object.values(WASM_FILES)) {
    if (Buffer.compare(fs.readFileSync(path.join(distDir, file)), bytes) === 0) return file;
  }
  return `unknown (${bytes.byteLength} bytes)`;
}

// The threaded-SIMD module, created the way tfjs's own init() does but with Node-loadable paths.
async function createThreadedModule(threads) {
  const factory = require(path.join(pkgDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js'));
  const cpus = os.cpus;
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]);
  try {
    const module = await factory({
      locateFile: (file) => {
        if (file.endsWith('.wasm')) return path.join(distDir, WASM_FILES['threaded-simd']);
        if (file.endsWith('.worker.js')) return fileURLToPath(new URL('./tfjs-pthread-worker.cjs', import.meta.url));
        return path.join(pkgDir, 'wasm-out', file);
      },
      // Each worker evaluates this script to get the module factory (Emscripten's importScripts).
      mainScriptUrlOrBlob: path.join(pkgDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js'),
    });
    // The bridge BackendWasm expects, as built in tfjs-backend-wasm's init().
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    return module;
  } finally {
    os.cpus = cpus;
  }
}

// variant: 'simd' | 'threaded-simd' | 'plain'. Returns { wasmFile, threads } as actually running.
export async function initWasmBackend({ threads, variant }) {
  if (!(variant in WASM_FILES)) throw new Error(`unknown variant "${variant}"`);
  if (variant !== 'threaded-simd' && threads !== 1) {
    throw new Error(`the ${variant} build has no threads; use --variant=threaded-simd`);
  }
  tfwasm.setWasmPaths(`${distDir}/`);
  tfwasm.setThreadsCount(threads);  // read by the BackendWasm constructor
  if (variant === 'plain') tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  if (variant === 'threaded-simd') {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', async () => new tfwasm.BackendWasm(await createThreadedModule(threads)));
  }
  const loaded = await recordInstantiations(async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialise the wasm backend');
    await tf.ready();
  });
  const wasmFile = loaded.length === 1 ? identify(loaded[0]) : `${loaded.length} modules instantiated`;
  if (wasmFile !== WASM_FILES[variant]) throw new Error(`asked for ${WASM_FILES[variant]}, tfjs loaded ${wasmFile}`);
  return { wasmFile, threads: tfwasm.getThreadsCount() };
}
