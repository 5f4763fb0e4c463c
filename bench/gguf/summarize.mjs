// The tables of bench/RESULTS.md's "GGUF vs wllama and llama.cpp" section
// from bench/gguf/run.sh's JSON lines: medians over rounds per file and engine,
// then the issue's ratios, each the median of the per-round ratios (the two
// engines of a ratio ran back to back in the same round).
//   node bench/gguf/summarize.mjs [bench/out/gguf.jsonl] [bench/out/gguf-node-memory.jsonl]
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2] ?? 'bench/out/gguf.jsonl', 'utf8').split('\n')
  .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
// 'wllama-3.8.1' -> 'wllama'; the version goes into the table's engine column.
const kind = (r) => (r.engine.startsWith('wllama') ? 'wllama' : r.engine.startsWith('llama.cpp') ? 'native' : r.engine);
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

const files = [...new Set(rows.map((r) => `${r.model} ${r.quant}`))];
const engineOrder = ['qkv-relaxed', 'qkv-simd', 'wllama', 'native'];
const pick = (file, engine) => rows.filter((r) => `${r.model} ${r.quant}` === file && kind(r) === engine);

console.log('| model | quant | file MB | engine | held as | rounds | decode tok/s | prefill 128 (ms) | load (ms) | peak MB | peak/file |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const file of files) {
  for (const engine of engineOrder) {
    const rs = pick(file, engine);
    if (rs.length === 0) continue;
    const fileMb = rs[0].file_mb;
    const peak = median(rs.map((r) => r.peak_mb));
    console.log(`| ${rs[0].model} | ${rs[0].quant} | ${fmt(fileMb)} | ${rs[0].engine} | ${rs[0].held_as ?? '–'} | ${rs.length} | ` +
      `${fmt(median(rs.map((r) => r.decode_tok_s)), 2)} | ${fmt(median(rs.map((r) => r.prefill_ms)), 0)} | ` +
      `${fmt(median(rs.map((r) => r.load_ms)), 0)} | ${fmt(peak)} | ${times(peak / fileMb)} |`);
  }
}

// Median over rounds of a / b, pairing the runs of one round.
function pairedRatio(as, bs, key, invert = false) {
  const byRound = new Map(bs.map((r) => [r.round, r[key]]));
  return median(as.filter((r) => byRound.has(r.round)).map((r) => {
    const b = byRound.get(r.round);
    return invert ? b / r[key] : r[key] / b;
  }));
}

console.log('');
console.log('| model | quant | qkv build | decode vs wllama (≥ 4×) | decode vs native (≥ 0.8×) | prefill vs wllama (≥ 3×) | prefill vs native | peak/file (≤ 1.15×) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const file of files) {
  for (const engine of ['qkv-relaxed', 'qkv-simd']) {
    const q = pick(file, engine);
    if (q.length === 0) continue;
    const w = pick(file, 'wllama');
    const n = pick(file, 'native');
    console.log(`| ${q[0].model} | ${q[0].quant} | ${engine} | ${times(pairedRatio(q, w, 'decode_tok_s'))} | ` +
      `${times(pairedRatio(q, n, 'decode_tok_s'))} | ${times(pairedRatio(q, w, 'prefill_ms', true))} | ` +
      `${times(pairedRatio(q, n, 'prefill_ms', true))} | ${times(median(q.map((r) => r.peak_mb)) / q[0].file_mb)} |`);
  }
}

// 4-bit files against the same model's Q8_0, per engine (decode; runs of one round paired).
console.log('');
console.log('| model | engine | Q4_0 vs Q8_0 decode (qkv ≥ 1.3×) | Q4_K_M vs Q8_0 decode |');
console.log('| --- | --- | --- | --- |');
for (const model of [...new Set(rows.map((r) => r.model))]) {
  for (const engine of engineOrder) {
    const q8 = pick(`${model} Q8_0`, engine);
    if (q8.length === 0) continue;
    console.log(`| ${model} | ${q8[0].engine} | ${times(pairedRatio(pick(`${model} Q4_0`, engine), q8, 'decode_tok_s'))} | ` +
      `${times(pairedRatio(pick(`${model} Q4_K_M`, engine), q8, 'decode_tok_s'))} |`);
  }
}

// qkv's memory in Node (bench/gguf/node-memory.mjs lines), when their file is given as the second argument.
if (process.argv[3]) {
  const mem = readFileSync(process.argv[3], 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  console.log('');
  console.log('| model | quant | file MB | qkv in Node | held as | peak RSS growth MB | wasm heap growth MB | peak/file (≤ 1.15×) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of mem) {
    console.log(`| ${r.model} | ${r.quant} | ${fmt(r.file_mb)} | ${r.engine} | ${r.held_as} | ${fmt(r.peak_mb)} | ` +
      `${fmt(r.wasm_growth_mb)} | ${times(r.peak_mb / r.file_mb)} |`);
  }
}
