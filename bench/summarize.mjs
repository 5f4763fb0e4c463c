// Turns the JSON lines of bench/run.sh (bench/out/kernels.jsonl) into the
// markdown tables of bench/RESULTS.md. Ratios compare lines of the same run.
//   node bench/summarize.mjs [bench/out/kernels.jsonl]
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'bench/out/kernels.jsonl';
const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));

const find = (where) => rows.find((r) => Object.entries(where).every(([k, v]) => r[k] === v));
const fmt = (x, digits = 1) => (x === undefined ? '–' : x.toFixed(digits));
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);
const unique = (values) => [...new Set(values)];
const table = (header, body) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)]
    .join('\n');

// XNNPACK gets the faster of its two weight layouts ([K,N], or [N,K] with transposeB).
function tfjsBest(shape, threads) {
  const a = find({ platform: 'wasm', engine: 'tfjs-wasm-xnnpack', name: 'gemm', shape, threads });
  const b = find({ platform: 'wasm', engine: 'tfjs-wasm-xnnpack', name: 'gemm_wT', shape, threads });
  return [a, b].filter(Boolean).reduce((best, r) => (best === undefined || r.gflops > best ? r.gflops : best), undefined);
}

const metric = (platform, name, shape, threads, key) =>
  rows.find((r) => r.platform === platform && r.engine === 'qkv' && r.name === name && r.shape === shape &&
    r.threads === threads && key in r)?.[key];

const gemmShapes = unique(rows.filter((r) => r.name === 'gemm' && r.engine === 'qkv').map((r) => r.shape));
const out = [];

out.push('### GEMM / GEMV in wasm, GFLOP/s (qkv f32 vs XNNPACK wasm via tfjs-backend-wasm)\n');
out.push(table(
  ['M×K×N', 'qkv 1T', 'XNNPACK 1T', 'qkv/XNNPACK 1T', 'qkv 2T', 'XNNPACK 2T', 'qkv/XNNPACK 2T'],
  gemmShapes.map((shape) => {
    const q1 = metric('wasm', 'gemm', shape, 1, 'gflops');
    const q2 = metric('wasm', 'gemm', shape, 2, 'gflops');
    const x1 = tfjsBest(shape, 1);
    const x2 = tfjsBest(shape, 2);
    return [shape, fmt(q1), fmt(x1), ratio(q1, x1), fmt(q2), fmt(x2), ratio(q2, x2)];
  }),
));

out.push('\n### qkv weight types in wasm: GFLOP/s, and for M = 1 the weight bytes read per second (GB/s)\n');
out.push(table(
  ['M×K×N', 'threads', 'f32', 'f16', 'q8', 'f32 GB/s', 'f16 GB/s', 'q8 GB/s'],
  gemmShapes.flatMap((shape) => [1, 2].map((t) => [
    shape, t,
    fmt(metric('wasm', 'gemm', shape, t, 'gflops')), fmt(metric('wasm', 'gemm_f16', shape, t, 'gflops')),
    fmt(metric('wasm', 'gemm_q8', shape, t, 'gflops')),
    fmt(metric('wasm', 'gemm', shape, t, 'gbps'), 2), fmt(metric('wasm', 'gemm_f16', shape, t, 'gbps'), 2),
    fmt(metric('wasm', 'gemm_q8', shape, t, 'gbps'), 2),
  ])),
));

const reads = rows.filter((r) => r.platform === 'wasm' && r.name === 'read');
if (reads.length) {
  out.push('\n### The memory ceiling in wasm: qkv GEMV vs a bare read of the same bytes, GB/s\n');
  out.push(table(
    ['M×K×N', 'threads', 'read only (8 vector adds)', 'qkv f32 GEMV', 'GEMV/read'],
    reads.map((r) => {
      const g = metric('wasm', 'gemm', r.shape, r.threads, 'gbps');
      return [r.shape, r.threads, fmt(r.gbps, 2), fmt(g, 2), ratio(g, r.gbps)];
    }),
  ));
}

const attn = rows.filter((r) => r.name.startsWith('f32_attn'));
if (attn.length) {
  for (const platform of ['wasm', 'native']) {
    const mine = attn.filter((r) => r.platform === platform);
    if (!mine.length) continue;
    const simd = unique(mine.map((r) => r.engine)).find((e) => e.startsWith('simd'));
    out.push(`\n### Fused attention, ${platform} (${simd}), GFLOP/s: 12 heads × 64, causal prefill of T tokens and decode of 1 token over T\n`);
    out.push(table(
      ['kernel', 'T', 'scalar 1T', 'SIMD 1T', 'SIMD 2T', 'SIMD/scalar'],
      unique(mine.map((r) => `${r.name}|${r.shape}`)).map((key) => {
        const [name, shape] = key.split('|');
        const g = (engine, threads) => mine.find((r) => r.name === name && r.shape === shape && r.engine === engine &&
          r.threads === threads)?.gflops;
        const t = /n_kv=(\d+)/.exec(shape)[1];
        return [name.replace('f32_attn_', ''), t, fmt(g('scalar', 1), 2), fmt(g(simd, 1)), fmt(g(simd, 2)),
          ratio(g(simd, 1), g('scalar', 1))];
      }),
    ));
  }
}

// The relaxed-SIMD builds (run under Node 24) against the SIMD128 ones, kernel by kernel.
const relaxed = rows.filter((r) => r.platform === 'wasm-relaxed' && r.engine === 'qkv' && 'gflops' in r);
if (relaxed.length) {
  out.push('\n### Relaxed SIMD vs SIMD128 in wasm, GFLOP/s (qkv GEMM/GEMV by weight type)\n');
  out.push(table(
    ['kernel', 'M×K×N', 'threads', 'SIMD128', 'relaxed', 'relaxed/SIMD128'],
    relaxed.map((r) => {
      const base = metric('wasm', r.name, r.shape, r.threads, 'gflops');
      return [r.name, r.shape, r.threads, fmt(base), fmt(r.gflops), ratio(r.gflops, base)];
    }),
  ));
}
const relaxedAttn = rows.filter((r) => r.platform === 'wasm-relaxed' && r.name.startsWith('f32_attn') &&
  r.engine.startsWith('simd'));
if (relaxedAttn.length) {
  out.push('\n### Fused attention, relaxed SIMD vs SIMD128 in wasm, GFLOP/s\n');
  out.push(table(
    ['kernel', 'shape', 'threads', 'SIMD128', 'relaxed', 'relaxed/SIMD128'],
    relaxedAttn.map((r) => {
      const base = rows.find((b) => b.platform === 'wasm' && b.name === r.name && b.shape === r.shape &&
        b.threads === r.threads && b.engine.startsWith('simd'))?.gflops;
      return [r.name.replace('f32_attn_', ''), r.shape, r.threads, fmt(base), fmt(r.gflops), ratio(r.gflops, base)];
    }),
  ));
}

// The same kernels in Chromium (bench/chromium/kernels.mjs): SIMD128 and relaxed builds and XNNPACK.
const chromium = rows.filter((r) => r.platform === 'chromium' && r.engine === 'qkv' && 'gflops' in r);
if (chromium.length) {
  const browser = chromium[0].browser;
  const inChromium = (platform, r) => rows.find((o) => o.platform === platform && o.engine === 'qkv' &&
    o.name === r.name && o.shape === r.shape && o.threads === r.threads && 'gflops' in o)?.gflops;
  const xnnpack = (shape, threads) => ['gemm', 'gemm_wT']
    .map((name) => find({ platform: 'chromium', engine: 'tfjs-wasm-xnnpack', name, shape, threads })?.gflops)
    .filter((g) => g !== undefined).reduce((best, g) => (best === undefined || g > best ? g : best), undefined);
  out.push(`\n### Kernels in Chromium (${browser}), GFLOP/s: SIMD128 and relaxed builds, XNNPACK wasm via tfjs\n`);
  out.push(table(
    ['kernel', 'M×K×N', 'threads', 'SIMD128', 'relaxed', 'relaxed/SIMD128', 'XNNPACK f32', 'relaxed/XNNPACK'],
    chromium.map((r) => {
      const relaxedGflops = inChromium('chromium-relaxed', r);
      const x = r.name === 'gemm' ? xnnpack(r.shape, r.threads) : undefined;
      return [r.name, r.shape, r.threads, fmt(r.gflops), fmt(relaxedGflops), ratio(relaxedGflops, r.gflops), fmt(x),
        ratio(relaxedGflops, x)];
    }),
  ));
}

const native = rows.filter((r) => r.platform === 'native' && r.name === 'gemm');
if (native.length) {
  out.push('\n### GEMM / GEMV natively, GFLOP/s (qkv f32 vs XNNPACK fully-connected, Debian libxnnpack)\n');
  out.push(table(
    ['M×K×N', 'qkv 1T', 'XNNPACK 1T', 'qkv/XNNPACK', 'qkv 2T'],
    gemmShapes.map((shape) => {
      const q1 = metric('native', 'gemm', shape, 1, 'gflops');
      const x1 = native.find((r) => r.engine === 'xnnpack-native' && r.shape === shape)?.gflops;
      return [shape, fmt(q1), fmt(x1), ratio(q1, x1), fmt(metric('native', 'gemm', shape, 2, 'gflops'))];
    }),
  ));
}

const elementwise = rows.filter((r) => r.platform === 'wasm' && 'gbps' in r && ['simd', 'scalar'].includes(r.engine));
if (elementwise.length) {
  out.push('\n### Elementwise and normalization kernels in wasm, GB/s moved (SIMD vs scalar reference)\n');
  const simd = 'simd';
  out.push(table(
    ['kernel', 'n', 'scalar', 'SIMD', 'SIMD/scalar'],
    unique(elementwise.map((r) => `${r.name}|${r.shape}`)).map((key) => {
      const [name, shape] = key.split('|');
      const g = (engine) => elementwise.find((r) => r.name === name && r.shape === shape && r.engine === engine)?.gbps;
      return [name, shape.replace('n=', ''), fmt(g('scalar'), 2), fmt(g(simd), 2), ratio(g(simd), g('scalar'))];
    }),
  ));
}

console.log(out.join('\n'));
