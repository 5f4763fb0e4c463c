// Medians per configuration and side of bench/ab/run.sh's JSON lines, and B/A.
//   node bench/ab/summarize.mjs bench/out/ab.jsonl
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const metrics = ['load_ms', 'prefill_ms', 'decode_tok_s', 'batched_sentences_s', 'single_sentences_s', 'peak_rss_mb'];
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log('| configuration | metric | A median | B median | B / A | A runs | B runs |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const config of [...new Set(rows.map((r) => r.config))]) {
  for (const m of metrics) {
    const a = rows.filter((r) => r.config === config && r.side === 'A' && m in r).map((r) => r[m]);
    const b = rows.filter((r) => r.config === config && r.side === 'B' && m in r).map((r) => r[m]);
    if (a.length === 0 || b.length === 0) continue;
    const ma = median(a), mb = median(b);
    console.log(`| ${config} | ${m} | ${ma} | ${mb} | ${(mb / ma).toFixed(3)} | ${a.join(', ')} | ${b.join(', ')} |`);
  }
}
