// The tfjs matMul measurement shared by Node (tfjs-matmul.mjs) and Chromium
// (bench/chromium/kernels.mjs): no imports, `tf` is passed in, so a page can
// hand over the UMD bundle's global. Prints one bench.h JSON line per shape
// and weight layout through `write`.
export const ENGINE = 'tfjs-wasm-xnnpack';
export const SHAPES = [
  [1, 768, 2304], [1, 768, 3072], [1, 3072, 768], [1, 768, 50257],
  [128, 768, 2304], [128, 768, 3072], [128, 3072, 768],
  // Qwen3-0.6B's layers
  [1, 1024, 3072], [1, 3072, 1024], [128, 1024, 3072], [128, 3072, 1024],
];

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
function reportLine(name, shape, threads, ms, gflops) {
  return `{"name":"${name}","shape":"${shape}","engine":"${ENGINE}","threads":${threads},` +
         `"median_ms":${ms.toFixed(4)},"gflops":${gflops.toFixed(3)}}\n`;
}

// Uniform values in [-0.1, 0.1) from a small LCG: tf.randomNormal is far too slow for the
// 768×50257 weights, and the values do not matter for timing (they only must not be denormal).
function randomTensor(tf, shape, seed) {
  const data = new Float32Array(shape[0] * shape[1]);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296 - 0.5) * 0.2;
  }
  return tf.tensor2d(data, shape);
}

/**
 * Times tf.matMul(X, W) + dataSync() of the result + dispose for W stored [K,N] ("gemm") and [N,K]
 * with transposeB ("gemm_wT", the layout of nn.Linear weights in Hub checkpoints); X and W are
 * created once, outside the timed region, as a model's activations and weights would be.
 */
export function benchShape(tf, [m, k, n], threads, write) {
  const shape = `${m}x${k}x${n}`;
  const flop = 2 * m * k * n;
  const x = randomTensor(tf, [m, k], 1);
  // One weight tensor at a time: 768×50257 f32 is 154 MB, and tfjs keeps a packed copy per weight.
  for (const [name, wShape, transposeB] of [['gemm', [k, n], false], ['gemm_wT', [n, k], true]]) {
    const w = randomTensor(tf, wShape, 2);
    const ms = medianMs(() => {
      const y = tf.matMul(x, w, false, transposeB);
      y.dataSync();
      y.dispose();
    });
    w.dispose();
    write(reportLine(name, shape, threads, ms, flop / (ms * 1e6)));
  }
  x.dispose();
}
