// bench/out/qwen3-gemma3.jsonl (bench/qwen3-gemma3/run.sh) as the markdown
// tables of bench/RESULTS.md: per model, threads and engine the median over the
// rounds with [min–max]; speed-ups over onnxruntime-web's f32 paired within a
// round (same model, same threads, run back to back), then summarized; the
// same by CPU time of the process (with one thread, what the wall time would
// be without the machine's other load; with two, efficiency rather than speed).
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (xs, digits = 1) => {
  if (xs.length === 0) return '–';
  const m = median(xs).toFixed(digits);
  return xs.length === 1 ? m : `${m} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
};

for (const c of rows.filter((r) => r.mode === 'check')) {
  console.log(`check ${c.name}: ${c.check}, ${c.rows} logits rows, max |diff| ${c.max_abs_diff} (logits up to ${c.max_logit})` +
    (c.window_effect !== undefined ? `, every layer global moves them by ${c.window_effect}` : ''));
}
console.log('');
console.log('| model | engine | threads | prefill 128 ms | prefill speed-up (≥2.0×) | prefill CPU ms | by CPU time | decode tok/s ' +
  '| decode speed-up (f32 ≥1.5×, q8 ≥3×) | decode tok per CPU-s | by CPU time | peak RSS MB | weights MB | RSS / weights (≤1.3×) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const runs = rows.filter((r) => r.mode === 'qkv' || r.mode === 'ort');
const keys = [...new Set(runs.map((r) => `${r.name}|${r.threads}|${r.engine}`))];
for (const key of keys) {
  const [name, threadsText, engine] = key.split('|');
  const threads = Number(threadsText);
  const mine = runs.filter((r) => r.name === name && r.threads === threads && r.engine === engine);
  const ortOf = (r) => runs.find((o) => o.mode === 'ort' && o.name === name && o.threads === threads && o.round === r.round);
  const paired = mine.filter((r) => r.mode === 'qkv' && ortOf(r));
  const prefillUp = paired.map((r) => ortOf(r).prefill_ms / r.prefill_ms);
  const decodeUp = paired.map((r) => r.decode_tok_s / ortOf(r).decode_tok_s);
  const prefillCpuUp = paired.map((r) => ortOf(r).prefill_cpu_ms / r.prefill_cpu_ms);
  const decodeCpuUp = paired.map((r) => r.decode_tok_per_cpu_s / ortOf(r).decode_tok_per_cpu_s);
  const pick = (f) => mine.map(f);
  console.log(`| ${name} | ${engine} | ${threads} | ${fmt(pick((r) => r.prefill_ms), 0)} | ${fmt(prefillUp, 2)} | ` +
    `${fmt(pick((r) => r.prefill_cpu_ms), 0)} | ${fmt(prefillCpuUp, 2)} | ` +
    `${fmt(pick((r) => r.decode_tok_s), 2)} | ${fmt(decodeUp, 2)} | ${fmt(pick((r) => r.decode_tok_per_cpu_s), 2)} | ${fmt(decodeCpuUp, 2)} | ` +
    `${fmt(pick((r) => r.peak_rss_mb), 0)} | ${mine[0].weight_mb} | ${fmt(pick((r) => r.rss_over_weights), 2)} |`);
}
const long = rows.filter((r) => r.mode === 'long');
if (long.length > 0) {
  console.log('\n| model (qkv f32, 4096 positions) | threads | prefill 4032 ms | prefill CPU ms | decode tok/s (positions 4032–4096) ' +
    '| decode tok per CPU-s | peak RSS MB | weights MB | RSS − weights MB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of long) {
    console.log(`| ${r.name} | ${r.threads} | ${r.prefill_ms.toFixed(0)} | ${r.prefill_cpu_ms} | ${r.decode_tok_s} | ${r.decode_tok_per_cpu_s} | ` +
      `${r.peak_rss_mb} | ${r.weight_mb} | ${r.peak_rss_mb - r.weight_mb} |`);
  }
}
