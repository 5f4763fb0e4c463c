#!/usr/bin/env bash
# Runs the kernel benchmarks side by side in one go and writes their JSON
# lines to bench/out/kernels.jsonl; `node bench/summarize.mjs` turns that file
# into the tables of bench/RESULTS.md.
#   qkv in wasm (one-thread and pthreads flavours, under Node; the relaxed-SIMD
#   builds under Node 24, tagged platform "wasm-relaxed"),
#   XNNPACK in wasm (@tensorflow/tfjs-backend-wasm matMul), 1 and 2 threads,
#   both again in Chromium (bench/chromium/kernels.mjs; platforms "chromium",
#   "chromium-relaxed"),
#   qkv and XNNPACK natively.
# Usage: bash bench/run.sh [--quick]   (--quick: wasm GEMM and tfjs only)
# Timings on these shared 2-core machines are noisy: read the tables as
# ratios between lines of the same run, never as absolute speeds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

quick=0
[ "${1:-}" = "--quick" ] && quick=1
out=bench/out
mkdir -p "$out"
log=$out/kernels.jsonl
: >"$log"

configure_wasm build/bench-wasm -DQKV_BUILD_BENCH=ON -DQKV_BUILD_TESTS=OFF
configure_wasm build/bench-wasm-threads -DQKV_BUILD_BENCH=ON -DQKV_BUILD_TESTS=OFF -DQKV_WASM_THREADS=ON
configure_wasm_relaxed build/bench-wasm-relaxed -DQKV_BUILD_BENCH=ON -DQKV_BUILD_TESTS=OFF
configure_wasm_relaxed build/bench-wasm-relaxed-threads -DQKV_BUILD_BENCH=ON -DQKV_BUILD_TESTS=OFF -DQKV_WASM_THREADS=ON
configure_native build/bench-native -DQKV_BUILD_BENCH=ON -DQKV_BUILD_TESTS=OFF
for dir in build/bench-wasm build/bench-wasm-threads build/bench-wasm-relaxed build/bench-wasm-relaxed-threads \
  build/bench-native; do
  cmake --build "$dir" -j"$jobs" --target gemm_bench f32_attn_bench elementwise_bench >/dev/null
done

wasm() { node --no-experimental-fetch "$@"; }
# Node 20's relaxed SIMD is wrong (docs/TOOLCHAIN.md §7): the relaxed builds run on Node 24.
wasm_relaxed() { "$node24" --require ./scripts/no-global-fetch.cjs "$@"; }
# run PLATFORM LABEL COMMAND...: progress to stderr; the command's JSON lines,
# tagged with "platform" (wasm or native), to the log.
run() {
  local platform=$1
  echo "bench: $2" >&2
  shift 2
  "$@" | grep '^{' | sed "s/^{/{\"platform\":\"$platform\",/" >>"$log"
}

run wasm "qkv wasm gemm, 1 thread" wasm build/bench-wasm/bench/gemm_bench.js 1
run wasm "qkv wasm gemm, 2 threads" wasm build/bench-wasm-threads/bench/gemm_bench.js 2
run wasm-relaxed "qkv wasm relaxed-SIMD gemm, 1 thread" wasm_relaxed build/bench-wasm-relaxed/bench/gemm_bench.js 1
run wasm-relaxed "qkv wasm relaxed-SIMD gemm, 2 threads" wasm_relaxed build/bench-wasm-relaxed-threads/bench/gemm_bench.js 2
run wasm "tfjs-wasm (XNNPACK) matMul, 1 thread" node bench/js/tfjs-matmul.mjs 1
run wasm "tfjs-wasm (XNNPACK) matMul, 2 threads" node bench/js/tfjs-matmul.mjs 2
# Already tagged with their platform (chromium / chromium-relaxed).
echo "bench: qkv and tfjs-wasm in Chromium, 1 and 2 threads" >&2
node bench/chromium/kernels.mjs all 1 2 >>"$log"
if [ "$quick" = 0 ]; then
  run wasm "qkv wasm attention, 1 and 2 threads" wasm build/bench-wasm-threads/bench/f32_attn_bench.js
  run wasm-relaxed "qkv wasm relaxed-SIMD attention, 1 and 2 threads" \
    wasm_relaxed build/bench-wasm-relaxed-threads/bench/f32_attn_bench.js
  run wasm "qkv wasm elementwise kernels" wasm build/bench-wasm/bench/elementwise_bench.js
  run native "qkv and XNNPACK native gemm, 1 thread" build/bench-native/bench/gemm_bench 1
  run native "qkv native gemm, 2 threads" build/bench-native/bench/gemm_bench 2
  run native "qkv native attention" build/bench-native/bench/f32_attn_bench
fi
echo "bench: wrote $log ($(wc -l <"$log") lines); summarize with: node bench/summarize.mjs $log" >&2
