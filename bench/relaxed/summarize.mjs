// Medians per configuration and flavour from bench/relaxed/run.sh's JSON
// lines, with the relaxed/SIMD128 ratios, as a markdown table.
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const groups = new Map();
for (const r of rows) {
  const key = `${r.engine.split('-')[0]}|${r.name}|${r.dtype}|${r.threads}`;
  if (!groups.has(key)) groups.set(key, { engine: r.engine, name: r.name, dtype: r.dtype, threads: r.threads, runs: {} });
  const simd = !r.flavour.startsWith('qkv-relaxed');
  (groups.get(key).runs[simd ? 'simd' : 'relaxed'] ??= []).push(r);
}
console.log('| engine | model | dtype | threads | runs | prefill 128 ms SIMD128 | relaxed | ratio | decode tok/s SIMD128 | relaxed | ratio |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const g of groups.values()) {
  const [s, r] = [g.runs.simd ?? [], g.runs.relaxed ?? []];
  if (!s.length || !r.length) continue;
  const pre = [median(s.map((x) => x.prefill_ms)), median(r.map((x) => x.prefill_ms))];
  const dec = [median(s.map((x) => x.decode_tok_s)), median(r.map((x) => x.decode_tok_s))];
  console.log(`| ${g.engine} | ${g.name} | ${g.dtype} | ${g.threads} | ${Math.min(s.length, r.length)} | ` +
    `${pre[0].toFixed(0)} | ${pre[1].toFixed(0)} | ${(pre[0] / pre[1]).toFixed(2)}× | ` +
    `${dec[0].toFixed(1)} | ${dec[1].toFixed(1)} | ${(dec[1] / dec[0]).toFixed(2)}× |`);
}
