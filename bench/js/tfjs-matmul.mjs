// The peer for qkv's GEMM benchmark (bench/cpp/gemm_bench.cc): XNNPACK compiled to wasm, measured
// through @tensorflow/tfjs-backend-wasm's matMul in Node. Prints one bench.h JSON line per shape:
//   {"name":"gemm","shape":"MxKxN","engine":"tfjs-wasm-xnnpack","threads":T,"median_ms":x,"gflops":y}
// "gemm" multiplies by weights stored [K,N]; "gemm_wT" by weights stored [N,K] (matMul with
// transposeB), the layout of nn.Linear weights in Hub checkpoints.
//
//   node bench/js/tfjs-matmul.mjs [threads=1] [--variant=simd|threaded-simd]
//
// threads=1 uses the SIMD build, which is what tfjs picks by default in Node and in pages that are
// not cross-origin isolated; threads>1 uses the threaded-SIMD build (see tfjs-wasm-backend.mjs).
// The timed region is matMul + dataSync() of the result (which copies the M×N output out of wasm
// memory) + dispose, so the work is really done; X and W are created once outside it, as a model's
// activations and weights would be. Diagnostics go to stderr, JSON lines to stdout.
import * as tf from '@tensorflow/tfjs-core';
import { benchShape, SHAPES } from './tfjs-matmul-shapes.mjs';
import { initWasmBackend } from './tfjs-wasm-backend.mjs';

function parseArgs(argv) {
  let threads = 1;
  let variant = null;
  for (const arg of argv) {
    if (arg.startsWith('--variant=')) variant = arg.slice('--variant='.length);
    else if (/^[1-9][0-9]*$/.test(arg)) threads = Number(arg);
    else throw new Error(`usage: tfjs-matmul.mjs [threads] [--variant=simd|threaded-simd] (got "${arg}")`);
  }
  return { threads, variant: variant ?? (threads > 1 ? 'threaded-simd' : 'simd') };
}

const { threads, variant } = parseArgs(process.argv.slice(2));
const info = await initWasmBackend({ threads, variant });
process.stderr.write(`tfjs-core ${tf.version_core}, backend "${tf.getBackend()}", wasm file ${info.wasmFile}, ` +
                     `XNNPACK threads ${info.threads}\n`);
if (info.threads !== threads) {
  throw new Error(`asked for ${threads} XNNPACK threads, tfjs runs ${info.threads}`);
}
process.stderr.write('timed: tf.matMul(X, W) + dataSync() of the result + dispose; W created once, outside\n');
for (const shape of SHAPES) benchShape(tf, shape, threads, (line) => process.stdout.write(line));
// The threaded build's pthread workers keep Node's event loop alive: leave explicitly.
process.exit(0);
