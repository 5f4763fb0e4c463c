// bench/encoder-tasks/run.sh's JSON lines -> three tables: sentences per second per configuration
// (medians over rounds), qkv / transformers.js ratios against the targets (each the median of
// the per-round ratios: the two engines of a ratio ran back to back), and the cross-engine check of
// the logits on bench.mjs's CHECK_TEXTS (a speed ratio between different computations means nothing).
//   node bench/encoder-tasks/summarize.mjs [bench/out/encoder-tasks.jsonl]
import { fmt, median, pairedRatio, printTable, readJsonLines, times } from '../summary.mjs';

const rows = readJsonLines(process.argv[2] ?? 'bench/out/encoder-tasks.jsonl');
// f32: the same float computation, so only rounding apart. q8: each engine quantizes its own way
// (qkv per block, onnxruntime per tensor with dynamic activations), so only reported.
const F32_TOLERANCE = 1e-3;

const configs = [...new Set(rows.map((r) => `${r.model} ${r.dtype} ${r.threads}`))];
const pick = (config, engine) => rows.filter((r) => `${r.model} ${r.dtype} ${r.threads}` === config && r.engine === engine);
const med = (rs, key) => median(rs.map((r) => r[key]));

printTable(['model', 'dtype', 'threads', 'engine', 'rounds', 'mean / max tokens', 'batched sent/s', 'one at a time sent/s',
  'batched sent/CPU-s', 'one at a time sent/CPU-s', 'load (ms)', 'peak RSS MB'],
configs.flatMap((config) => ['qkv', 'qkv-node24', 'qkv-chromium', 'tjs'].map((engine) => pick(config, engine)).filter((rs) => rs.length > 0)
  .map((rs) => {
    const r = rs[0];
    return [r.model, r.dtype, r.threads, r.runtime, rs.length, `${r.mean_tokens} / ${r.max_tokens}`,
      fmt(med(rs, 'batched_sentences_s')), fmt(med(rs, 'single_sentences_s')),
      fmt(med(rs, 'batched_cpu_sentences_s')), fmt(med(rs, 'single_cpu_sentences_s')),
      fmt(med(rs, 'load_ms'), 0), fmt(med(rs, 'peak_rss_mb'), 0)];
  })));

console.log('');
printTable(['model', 'dtype', 'threads', 'qkv in', 'batched qkv / transformers.js in Node (≥ 1.5×)', 'one at a time (≥ 2×)',
  'batched per CPU-s', 'one at a time per CPU-s'],
configs.flatMap((config) => ['qkv', 'qkv-node24', 'qkv-chromium'].flatMap((engine) => {
  const q = pick(config, engine);
  const t = pick(config, 'tjs');
  if (q.length === 0 || t.length === 0) return [];
  const ratios = ['batched_sentences_s', 'single_sentences_s', 'batched_cpu_sentences_s', 'single_cpu_sentences_s']
    .map((key) => times(pairedRatio(q, t, key)));
  return [[...config.split(' '), { qkv: 'Node 20', 'qkv-node24': 'Node 24', 'qkv-chromium': 'Chromium' }[engine], ...ratios]];
})));

// The logits of every qkv run against every transformers.js run of the same model and dtype.
console.log('');
const argmax = (xs) => xs.indexOf(Math.max(...xs));
let failed = false;
const checks = [];
for (const key of [...new Set(rows.map((r) => `${r.model} ${r.dtype}`))]) {
  const of = (engine) => rows.filter((r) => `${r.model} ${r.dtype}` === key && r.engine === engine);
  let diff = 0;
  let same = 0;
  let total = 0;
  for (const q of [...of('qkv'), ...of('qkv-node24'), ...of('qkv-chromium')]) {
    for (const t of of('tjs')) {
      q.check.forEach((logits, i) => {
        diff = Math.max(diff, ...logits.map((x, j) => Math.abs(x - t.check[i][j])));
        same += argmax(logits) === argmax(t.check[i]) ? 1 : 0;
        total++;
      });
    }
  }
  if (total === 0) continue;
  const f32 = key.endsWith(' f32');
  const ok = !f32 || (diff <= F32_TOLERANCE && same === total);
  failed ||= !ok;
  checks.push([...key.split(' '), diff.toPrecision(3), `${same}/${total}`,
    f32 ? (ok ? `ok (≤ ${F32_TOLERANCE})` : 'DIFFERENT COMPUTATIONS') : 'reported only']);
}
printTable(['model', 'dtype', 'max abs logit diff qkv vs transformers.js', 'same argmax', 'verdict'], checks);
if (failed) {
  console.error('encoder-tasks summarize: qkv and transformers.js disagree at f32; the speed ratios compare different computations');
  process.exit(1);
}
