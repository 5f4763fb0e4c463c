#!/usr/bin/env bash
# LLaMA (~125M) decode/prefill and BERT (6 x 384) embedding throughput, every
# configuration in its own process, written to bench/out/llama-bert.jsonl and
# printed as the markdown tables of bench/RESULTS.md.
#   /usr/bin/python3 bench/llama-bert/make_models.py   # once: bench/out/llama-100m, bench/out/bert-6x384
#   bash bench/llama-bert/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/llama-bert.jsonl
: >"$out"
for kind in llama bert; do
  for threads in 1 2; do
    for dtype in f32 f16 q8; do
      echo "bench: $kind $dtype, $threads thread(s)" >&2
      node bench/llama-bert/bench.mjs "$kind" "$threads" "$dtype" | grep '^{' >>"$out"
    done
  done
done
node - "$out" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
console.log('| model | dtype | threads | load ms | prefill 128 tok/s | decode tok/s | peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows.filter((r) => r.name === 'llama-100m')) {
  console.log(`| ${r.name} | ${r.dtype} | ${r.threads} | ${r.load_ms} | ${r.prefill_tok_s} | ${r.decode_tok_s} | ${r.peak_rss_mb} |`);
}
console.log('\n| model | dtype | threads | load ms | tokens/sentence | sentences/s, batches of 32 | sentences/s, one at a time | peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows.filter((r) => r.name === 'bert-6x384')) {
  console.log(`| ${r.name} | ${r.dtype} | ${r.threads} | ${r.load_ms} | ${r.mean_tokens} | ${r.batched_sentences_s} | ` +
    `${r.single_sentences_s} | ${r.peak_rss_mb} |`);
}
JS
