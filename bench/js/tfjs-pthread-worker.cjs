// Entry script of each pthread worker of tfjs-backend-wasm's threaded-SIMD build under Node
// (used by tfjs-matmul.mjs). tfjs ships Emscripten's worker script only as a string meant for a
// Blob URL, which Node's worker_threads cannot start, so this file runs that string as CommonJS.
const { wasmWorkerContents } = require(
  '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');

// The string's "\n" escapes became real newlines inside string literals; tfjs's own loader undoes
// this the same way before making its Blob. The script expects CommonJS `require`/`__filename`.
new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'))(require, __filename);
