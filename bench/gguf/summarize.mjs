// The tables of bench/RESULTS.md's "GGUF vs wllama and llama.cpp" section
// from bench/gguf/run.sh's JSON lines: medians over rounds per file and engine,
// then the ratios, each the median of the per-round ratios (the two
// engines of a ratio ran back to back in the same round).
//   node bench/gguf/summarize.mjs [bench/out/gguf.jsonl] [bench/out/gguf-node-memory.jsonl]
import { fmt, median, pairedRatio, printTable, readJsonLines, times } from '../summary.mjs';

const rows = readJsonLines(process.argv[2] ?? 'bench/out/gguf.jsonl');
// 'wllama-3.8.1' -> 'wllama'; the version goes into the table's engine column.
// qkv's threaded builds (two threads) count as their flavour: one table per thread count.
const kind = (r) => (r.engine.startsWith('wllama') ? 'wllama' : r.engine.startsWith('llama.cpp') ? 'native' : r.engine.replace(/-threads$/, ''));
const files = [...new Set(rows.map((r) => `${r.model} ${r.quant}`))];
const engineOrder = ['qkv-relaxed', 'qkv-simd', 'wllama', 'native'];
const pick = (file, engine) => rows.filter((r) => `${r.model} ${r.quant}` === file && kind(r) === engine);

printTable(['model', 'quant', 'file MB', 'engine', 'held as', 'rounds', 'decode tok/s', 'prefill 128 (ms)', 'load (ms)',
  'peak MB', 'peak/file'],
files.flatMap((file) => engineOrder.map((engine) => pick(file, engine)).filter((rs) => rs.length > 0).map((rs) => {
  const fileMb = rs[0].file_mb;
  const peak = median(rs.map((r) => r.peak_mb));
  return [rs[0].model, rs[0].quant, fmt(fileMb), rs[0].engine, rs[0].held_as ?? '–', rs.length,
    fmt(median(rs.map((r) => r.decode_tok_s)), 2), fmt(median(rs.map((r) => r.prefill_ms)), 0),
    fmt(median(rs.map((r) => r.load_ms)), 0), fmt(peak), times(peak / fileMb)];
})));

// Ratios are medians over rounds of a / b, pairing the runs of one round (prefill: time, so inverted).
console.log('');
printTable(['model', 'quant', 'qkv build', 'decode vs wllama (≥ 4×)', 'decode vs native (≥ 0.8×)', 'prefill vs wllama (≥ 3×)',
  'prefill vs native', 'peak/file (≤ 1.15×)'],
files.flatMap((file) => ['qkv-relaxed', 'qkv-simd'].map((engine) => [engine, pick(file, engine)]).filter(([, q]) => q.length > 0)
  .map(([engine, q]) => {
    const w = pick(file, 'wllama');
    const n = pick(file, 'native');
    return [q[0].model, q[0].quant, engine, times(pairedRatio(q, w, 'decode_tok_s')), times(pairedRatio(q, n, 'decode_tok_s')),
      times(pairedRatio(q, w, 'prefill_ms', true)), times(pairedRatio(q, n, 'prefill_ms', true)),
      times(median(q.map((r) => r.peak_mb)) / q[0].file_mb)];
  })));

// 4-bit files against the same model's Q8_0, per engine (decode; runs of one round paired).
console.log('');
printTable(['model', 'engine', 'Q4_0 vs Q8_0 decode (qkv ≥ 1.3×)', 'Q4_K_M vs Q8_0 decode'],
[...new Set(rows.map((r) => r.model))].flatMap((model) => engineOrder.map((engine) => [engine, pick(`${model} Q8_0`, engine)])
  .filter(([, q8]) => q8.length > 0)
  .map(([engine, q8]) => [model, q8[0].engine, times(pairedRatio(pick(`${model} Q4_0`, engine), q8, 'decode_tok_s')),
    times(pairedRatio(pick(`${model} Q4_K_M`, engine), q8, 'decode_tok_s'))])));

// qkv's memory in Node (bench/gguf/node-memory.mjs lines), when their file is given as the second argument.
if (process.argv[3]) {
  console.log('');
  printTable(['model', 'quant', 'file MB', 'qkv in Node', 'held as', 'peak RSS growth MB', 'wasm heap growth MB', 'peak/file (≤ 1.15×)'],
    readJsonLines(process.argv[3]).map((r) => [r.model, r.quant, fmt(r.file_mb), r.engine, r.held_as, fmt(r.peak_mb),
      fmt(r.wasm_growth_mb), times(r.peak_mb / r.file_mb)]));
}
