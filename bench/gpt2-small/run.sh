#!/usr/bin/env bash
# qkv vs onnxruntime-web on a GPT-2-small-shaped model, every configuration
# in its own process, alternating engines, written to bench/out/gpt2-small.jsonl
# and printed as the markdown tables of bench/RESULTS.md: every engine against
# ORT f32, then qkv q8 against ORT's int8 model (transformers.js's default).
#   /usr/bin/python3 bench/gpt2-small/make_model.py   # once: bench/out/gpt2-small/ (~1 GB)
#   /usr/bin/python3 bench/gpt2-small/make_int8.py    # once: model_int8.onnx beside it (~160 MB)
#   bash bench/gpt2-small/run.sh
# ENGINES (comma-separated, default all) runs a subset, e.g. ENGINES="ort f32,ort int8,qkv q8".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/gpt2-small.jsonl
IFS=, read -ra engines <<<"${ENGINES:-ort f32,ort int8,qkv f32,qkv f16,qkv q8}"
: >"$out"
for threads in 1 2; do
  for engine in "${engines[@]}"; do
    set -- $engine
    echo "bench: $1 $2, $threads thread(s)" >&2
    node bench/gpt2-small/bench.mjs "$1" "$threads" "$2" | grep '^{' >>"$out"
  done
done
node - "$out" <<'JS'
const rows = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const find = (engine, t) => rows.find((r) => r.engine === engine && r.threads === t);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const ORT = 'onnxruntime-web-1.30';
console.log('| engine | threads | load ms | prefill 128 ms | prefill speed-up | decode tok/s | decode speed-up | ' +
  'peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const o = find(ORT, r.threads);
  const up = (f) => (o ? f(o) : '–');
  console.log(`| ${r.engine} | ${r.threads} | ${r.load_ms} | ${r.prefill_ms} | ` +
    `${up((x) => ratio(x.prefill_ms, r.prefill_ms))} | ${r.decode_tok_s} | ` +
    `${up((x) => ratio(r.decode_tok_s, x.decode_tok_s))} | ${r.peak_rss_mb} |`);
}
// qkv q8 against the int8 peer (issue 16's targets: prefill >= 1.3x, decode >= 3x, one thread).
const pairs = [1, 2].map((t) => [t, find(`${ORT}-int8`, t), find('qkv-q8', t)]).filter(([, o, q]) => o && q);
if (pairs.length) {
  console.log('\n| threads | ORT int8 prefill ms | qkv q8 prefill ms | q8 prefill speed-up | ORT int8 decode tok/s | ' +
    'qkv q8 decode tok/s | q8 decode speed-up |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [t, o, q] of pairs) {
    console.log(`| ${t} | ${o.prefill_ms} | ${q.prefill_ms} | ${ratio(o.prefill_ms, q.prefill_ms)} | ` +
      `${o.decode_tok_s} | ${q.decode_tok_s} | ${ratio(q.decode_tok_s, o.decode_tok_s)} |`);
  }
}
JS
