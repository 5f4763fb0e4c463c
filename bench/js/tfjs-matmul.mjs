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
import { initWasmBackend } from './tfjs-wasm-backend.mjs';

const ENGINE = 'tfjs-wasm-xnnpack';
const SHAPES = [
  [1, 768, 2304], [1, 768, 3072], [1, 3072, 768], [1, 768, 50257],
  [128, 768, 2304], [128, 768, 3072], [128, 3072, 768],
];

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

// Mirrors qkv::bench::median_ms in bench/cpp/bench.h: `warmup` untimed runs, then runs until both
// `minRuns` runs and `minTotalMs` have passed; the median in milliseconds.
function medianMs(fn, warmup = 2, minRuns = 5, minTotalMs = 200) {
  for (let i = 0; i < warmup; ++i) fn();
  const times = [];
  let total = 0;
  while (times.length < minRuns || total < minTotalMs) {
    const start = performance.now();
    fn();
    const ms = performance.now() - start;
    times.push(ms);
    total += ms;
    if (times.length >= 1000) break;
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

// Same text as qkv::bench::report (printf "%.4f" / "%.3f"), so the two sides diff cleanly.
function report(name, shape, threads, ms, gflops) {
  process.stdout.write(`{"name":"${name}","shape":"${shape}","engine":"${ENGINE}","threads":${threads},` +
                       `"median_ms":${ms.toFixed(4)},"gflops":${gflops.toFixed(3)}}\n`);
}

// Uniform values in [-0.1, 0.1) from a small LCG: tf.randomNormal is far too slow for the
// 768×50257 weights, and the values do not matter for timing (they only must not be denormal).
function randomTensor(shape, seed) {
  const data = new Float32Array(shape[0] * shape[1]);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296 - 0.5) * 0.2;
  }
  return tf.tensor2d(data, shape);
}

function benchShape([m, k, n], threads) {
  const shape = `${m}x${k}x${n}`;
  const flop = 2 * m * k * n;
  const x = randomTensor([m, k], 1);
  // One weight tensor at a time: 768×50257 f32 is 154 MB, and tfjs keeps a packed copy per weight.
  for (const [name, wShape, transposeB] of [['gemm', [k, n], false], ['gemm_wT', [n, k], true]]) {
    const w = randomTensor(wShape, 2);
    const ms = medianMs(() => {
      const y = tf.matMul(x, w, false, transposeB);
      y.dataSync();
      y.dispose();
    });
    w.dispose();
    report(name, shape, threads, ms, flop / (ms * 1e6));
  }
  x.dispose();
}

const { threads, variant } = parseArgs(process.argv.slice(2));
const info = await initWasmBackend({ threads, variant });
process.stderr.write(`tfjs-core ${tf.version_core}, backend "${tf.getBackend()}", wasm file ${info.wasmFile}, ` +
                     `XNNPACK threads ${info.threads}\n`);
if (info.threads !== threads) {
  throw new Error(`asked for ${threads} XNNPACK threads, tfjs runs ${info.threads}`);
}
process.stderr.write('timed: tf.matMul(X, W) + dataSync() of the result + dispose; W created once, outside\n');
for (const shape of SHAPES) benchShape(shape, threads);
// The threaded build's pthread workers keep Node's event loop alive: leave explicitly.
process.exit(0);
