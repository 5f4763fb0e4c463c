#!/usr/bin/env bash
# Checks the C++ formatting (seconds, so it fails first), then runs every
# suite: C++ natively (under ASan+UBSan, with the fuzz targets) and as wasm
# under Node (one thread and pthreads), and the JS API in Node and in Chromium. The JS suites
# need only dist/, and mostly wait (on Chromium, servers, timers), so they
# run beside the C++ builds and tests; their log follows at the end.
# Expects scripts/build.sh to have run (npm test does both).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# run_ctest DIR [TARGET...]: builds DIR (all of it, or the targets named) and runs its tests.
run_ctest() {
  local dir=$1 target
  shift
  if [ $# -eq 0 ]; then
    cmake --build "$dir" -j"$jobs"
  else
    for target in "$@"; do cmake --build "$dir" -j"$jobs" --target "$target"; done
  fi
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

section "C++ format (clang-format --dry-run --Werror)"
bash scripts/check-format.sh

section "JS API in Node 20 (tests/js) and in Chromium (tests/browser), then Node 24: started, its log comes at the end"
mkdir -p build
js_log=build/js-tests.log
# Node 20 runs every suite on the SIMD128 builds (it has no working relaxed
# SIMD). Node 24 runs these again, on the relaxed-SIMD builds (tests/js/flavours.mjs
# says which build each Node must get): the build choice itself, the two builds
# side by side, every model family against the PyTorch fixtures in both thread
# builds, the runtime, workers, the CLI, the examples and the packed package
# (~2 min; the rest of tests/js exercises JS-only code that the build does not change).
node24_js=(
  relaxed-simd flavour-agreement runtime-single runtime-threads auto-threads capped-threads
  gpt2-single gpt2-threads llama-single llama-threads bert-single bert-threads gemma3-single gemma3-threads
  modernbert-single modernbert-threads nomic-bert
  sha256 sha256-threads worker kv-cache chat-model decoder-embeddings sentence-transformers cli examples package
)
node24_files=()
for name in "${node24_js[@]}"; do node24_files+=("tests/js/$name.test.mjs"); done
# In a process group of its own (setsid), so that the trap below also ends
# the test files' processes and their Chromiums. Both runs go on if one fails.
setsid --wait bash -c '
  status=0
  node --test --test-concurrency=1 tests/js/ tests/browser/ || status=1
  echo "# The JS suites again under Node 24 ($("$0" --version)), on the relaxed-SIMD builds"
  "$0" --test --test-concurrency=1 "$@" || status=1
  exit "$status"' "$node24" "${node24_files[@]}" >"$js_log" 2>&1 &
js_pid=$!
# A failing C++ stage ends the script: stop the JS suites with it.
trap 'kill -- -"$js_pid" 2>/dev/null || true' EXIT

section "C++ native (clang): AddressSanitizer + UndefinedBehaviorSanitizer, benchmarks built, fuzz targets 5 s each"
# One native build serves all three: the tests under the sanitizers, the
# benchmarks (compiled only: they run no checks) and the libFuzzer targets
# (which need clang). The core is compiled once, at -O3 as it ships, and the
# rest at -O1; the test files link into one binary, qkv_tests, which ctest
# runs once per file (tests/cpp/CMakeLists.txt). A plain -O3 build would run
# the same tests without the checks, so CI does not spend ten minutes on it;
# `README.md` shows how to make one. clang's UBSan also checks pointer
# arithmetic, which g++'s does not.
configure_native build/sanitize -DCMAKE_CXX_COMPILER=clang++ -DQKV_SANITIZE=ON -DQKV_BUILD_FUZZ=ON
run_ctest build/sanitize
tests/fuzz/run.sh build/sanitize 5

section "C++ wasm under Node, one thread (and the benchmarks built under Emscripten)"
configure_wasm build/wasm
run_ctest build/wasm

# The other three wasm builds link just the test binary: their benchmarks
# compile from the same sources as build/wasm's, and each wasm link costs
# seconds of emcc and binaryen.
section "C++ wasm under Node, pthreads (the tests that make a ThreadPool)"
configure_wasm build/wasm-threads -DQKV_WASM_THREADS=ON
run_ctest build/wasm-threads qkv_tests

section "C++ wasm, relaxed SIMD (LLVM 19), under Node 24, one thread"
configure_wasm_relaxed build/wasm-relaxed
run_ctest build/wasm-relaxed qkv_tests

section "C++ wasm, relaxed SIMD (LLVM 19), under Node 24, pthreads (the tests that make a ThreadPool)"
configure_wasm_relaxed build/wasm-relaxed-threads -DQKV_WASM_THREADS=ON
run_ctest build/wasm-relaxed-threads qkv_tests

section "JS API in Node (tests/js) and in Chromium (tests/browser): waiting for the run started above"
js_status=0
wait "$js_pid" || js_status=$?
trap - EXIT
cat "$js_log"
exit "$js_status"
