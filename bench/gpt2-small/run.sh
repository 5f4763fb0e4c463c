#!/usr/bin/env bash
# qkv vs onnxruntime-web on a GPT-2-small-shaped model, every configuration
# in its own process, alternating engines, written to bench/out/gpt2-small.jsonl
# and printed as the markdown table of bench/RESULTS.md.
#   /usr/bin/python3 bench/gpt2-small/make_model.py   # once: bench/out/gpt2-small/ (~1 GB)
#   bash bench/gpt2-small/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/gpt2-small.jsonl
: >"$out"
for threads in 1 2; do
  for engine in "ort f32" "qkv f32" "qkv f16" "qkv q8"; do
    set -- $engine
    echo "bench: $1 $2, $threads thread(s)" >&2
    node bench/gpt2-small/bench.mjs "$1" "$threads" "$2" | grep '^{' >>"$out"
  done
done
node - "$out" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const ort = (t) => rows.find((r) => r.engine.startsWith('onnxruntime') && r.threads === t);
console.log('| engine | threads | load ms | prefill 128 ms | prefill speed-up | decode tok/s | decode speed-up | peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const o = ort(r.threads);
  console.log(`| ${r.engine} | ${r.threads} | ${r.load_ms} | ${r.prefill_ms} | ${(o.prefill_ms / r.prefill_ms).toFixed(2)}× | ` +
    `${r.decode_tok_s} | ${(r.decode_tok_s / o.decode_tok_s).toFixed(2)}× | ${r.peak_rss_mb} |`);
}
JS
