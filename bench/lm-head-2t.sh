#!/usr/bin/env bash
# The DRAM-bound LM-head GEMV (1x768x50257, f32 weights, 2 threads), qkv and
# XNNPACK-wasm alternating for several rounds, so a noisy neighbour hits both.
# Needs bench/run.sh to have built build/bench-wasm-threads.
#   bash bench/lm-head-2t.sh [rounds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
for ((i = 1; i <= rounds; i++)); do
  node --no-experimental-fetch build/bench-wasm-threads/bench/gemm_bench.js 2 1x768x50257 | grep '"gemm".*gflops'
  node bench/js/tfjs-matmul.mjs 2 2>/dev/null | grep '"gemm".*1x768x50257'
done | sed -E 's/.*"engine":"([^"]*)".*"gflops":([0-9.]+).*/\1 \2/'
