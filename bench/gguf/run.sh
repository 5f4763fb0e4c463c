#!/usr/bin/env bash
# GGUF files three ways, one thread: qkv (dist/, relaxed-SIMD and SIMD128 builds) and wllama
# (npm @wllama/wllama, llama.cpp in wasm) in the same headless Chromium, and native llama.cpp
# (node-llama-cpp's prebuilt CPU binaries). Each configuration in its own browser or process,
# the engines of one file back to back in an order that rotates every round, ROUNDS times;
# bench/gguf/summarize.mjs prints the medians and ratios (bench/RESULTS.md).
#   PYTHONPATH=<llama.cpp>/gguf-py GGML_BASE_LIB=<libggml-base.so> \
#     /usr/bin/python3 bench/gguf/make_models.py         # once: bench/out/gguf/*.gguf
#   [ROUNDS=3] [MODELS="llama-125m qwen3-0.6b"] [QUANTS="q8_0 q4_0 q4_k_m"] \
#     [ENGINES="qkv-relaxed qkv-simd wllama native"] [NLC=/tmp/nlc] bash bench/gguf/run.sh
# Needs dist/ (scripts/build.sh) and, for native, node-llama-cpp@3.21.1 installed under $NLC.
# Not part of CI: it takes ~1 min per configuration on the project's 2-core VMs.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}
out=${OUT:-bench/out/gguf.jsonl}
read -r -a engines <<<"${ENGINES:-qkv-relaxed qkv-simd wllama native}"
: >"$out"
for name in ${MODELS:-llama-125m qwen3-0.6b}; do
  for ((round = 1; round <= rounds; round++)); do
    for quant in ${QUANTS:-q8_0 q4_0 q4_k_m}; do
      file=bench/out/gguf/$name-$quant.gguf
      [ -f "$file" ] || { echo "gguf bench: $file missing (bench/gguf/make_models.py)" >&2; exit 1; }
      n=${#engines[@]}
      for ((i = 0; i < n; i++)); do
        engine=${engines[$(((i + round - 1) % n))]}
        echo "gguf bench: round $round, $name $quant, $engine" >&2
        if [ "$engine" = native ]; then
          node bench/gguf/native.mjs "$file" 1
        else
          node bench/gguf/chromium.mjs "$file" "$engine" 1
        fi | grep '^{' | sed "s/^{/{\"round\":$round,/" >>"$out" ||
          echo "gguf bench: $name $quant $engine failed" >&2
      done
    done
  done
done
node bench/gguf/summarize.mjs "$out"
