// bench/encoder-tasks/run.sh's JSON lines -> three tables: sentences per second per configuration
// (medians over rounds), qkv / transformers.js ratios against the issue's targets (each the median of
// the per-round ratios: the two engines of a ratio ran back to back), and the cross-engine check of
// the logits on bench.mjs's CHECK_TEXTS (a speed ratio between different computations means nothing).
//   node bench/encoder-tasks/summarize.mjs [bench/out/encoder-tasks.jsonl]
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2] ?? 'bench/out/encoder-tasks.jsonl', 'utf8').split('\n')
  .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
// f32: the same float computation, so only rounding apart. q8: each engine quantizes its own way
// (qkv per block, onnxruntime per tensor with dynamic activations), so only reported.
const F32_TOLERANCE = 1e-3;

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
const configs = [...new Set(rows.map((r) => `${r.model} ${r.dtype} ${r.threads}`))];
const pick = (config, engine) => rows.filter((r) => `${r.model} ${r.dtype} ${r.threads}` === config && r.engine === engine);
const med = (rs, key) => median(rs.map((r) => r[key]));
const pairedRatio = (as, bs, key) => {
  const other = new Map(bs.map((r) => [r.round, r[key]]));
  // null (a rate the page cannot measure) stays out of the median rather than reading as 0.
  return median(as.filter((r) => other.has(r.round) && r[key] !== null).map((r) => r[key] / other.get(r.round)));
};

console.log('| model | dtype | threads | engine | rounds | mean / max tokens | batched sent/s | one at a time sent/s | batched sent/CPU-s | one at a time sent/CPU-s | load (ms) | peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const config of configs) {
  for (const engine of ['qkv', 'qkv-node24', 'qkv-chromium', 'tjs']) {
    const rs = pick(config, engine);
    if (rs.length === 0) continue;
    const r = rs[0];
    console.log(`| ${r.model} | ${r.dtype} | ${r.threads} | ${r.runtime} | ${rs.length} | ${r.mean_tokens} / ${r.max_tokens} | ` +
      `${fmt(med(rs, 'batched_sentences_s'))} | ${fmt(med(rs, 'single_sentences_s'))} | ` +
      `${fmt(med(rs, 'batched_cpu_sentences_s'))} | ${fmt(med(rs, 'single_cpu_sentences_s'))} | ` +
      `${fmt(med(rs, 'load_ms'), 0)} | ${fmt(med(rs, 'peak_rss_mb'), 0)} |`);
  }
}

console.log('');
console.log('| model | dtype | threads | qkv in | batched qkv / transformers.js in Node (≥ 1.5×) | one at a time (≥ 2×) | batched per CPU-s | one at a time per CPU-s |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const config of configs) {
  for (const engine of ['qkv', 'qkv-node24', 'qkv-chromium']) {
    const q = pick(config, engine);
    const t = pick(config, 'tjs');
    if (q.length === 0 || t.length === 0) continue;
    const ratios = ['batched_sentences_s', 'single_sentences_s', 'batched_cpu_sentences_s', 'single_cpu_sentences_s']
      .map((key) => times(pairedRatio(q, t, key)));
    console.log(`| ${config.split(' ').join(' | ')} | ${{ qkv: 'Node 20', 'qkv-node24': 'Node 24', 'qkv-chromium': 'Chromium' }[engine]} | ${ratios.join(' | ')} |`);
  }
}

// The logits of every qkv run against every transformers.js run of the same model and dtype.
console.log('');
console.log('| model | dtype | max abs logit diff qkv vs transformers.js | same argmax | verdict |');
console.log('| --- | --- | --- | --- | --- |');
const argmax = (xs) => xs.indexOf(Math.max(...xs));
let failed = false;
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
  console.log(`| ${key.replace(' ', ' | ')} | ${diff.toPrecision(3)} | ${same}/${total} | ` +
    `${f32 ? (ok ? `ok (≤ ${F32_TOLERANCE})` : 'DIFFERENT COMPUTATIONS') : 'reported only'} |`);
}
if (failed) {
  console.error('encoder-tasks summarize: qkv and transformers.js disagree at f32; the speed ratios compare different computations');
  process.exit(1);
}
