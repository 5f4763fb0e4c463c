#!/usr/bin/env bash
# The relaxed-SIMD flavours against the SIMD128 ones, end to end: each
# configuration in its own process (Node 24) or browser (Chromium), the two
# flavours back to back in alternating order, ROUNDS times; medians and the
# relaxed/SIMD128 ratios printed as a markdown table (bench/RESULTS.md).
#   /usr/bin/python3 bench/gpt2-small/make_model.py   # once: bench/out/gpt2-small
#   /usr/bin/python3 bench/llama-bert/make_models.py  # once: bench/out/llama-100m
#   [ROUNDS=2] [THREADS="1 2"] [MODELS="gpt2-small llama-100m"] [DTYPES="f32 f16 q8"] [ENGINES="node chromium"] \
#     bash bench/relaxed/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
rounds=${ROUNDS:-2}
out=bench/out/relaxed.jsonl
: >"$out"
for ((round = 1; round <= rounds; round++)); do
  order=(simd relaxed)
  ((round % 2 == 0)) && order=(relaxed simd)
  for engine in ${ENGINES:-node chromium}; do
    for threads in ${THREADS:-1 2}; do
      for name in ${MODELS:-gpt2-small llama-100m}; do
        for dtype in ${DTYPES:-f32 f16 q8}; do
          for flavour in "${order[@]}"; do
            echo "relaxed bench: round $round, $engine, $name $dtype, $threads thread(s), $flavour" >&2
            if [ "$engine" = node ]; then
              "$node24" bench/relaxed/node.mjs "$name" "$dtype" "$threads" "$flavour"
            else
              node bench/relaxed/chromium.mjs "$name" "$dtype" "$threads" "$flavour"
            fi | grep '^{' >>"$out"
          done
        done
      done
    done
  done
done
node bench/relaxed/summarize.mjs "$out"
