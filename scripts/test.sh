#!/usr/bin/env bash
# Checks the C++ formatting (seconds, so it fails first), then runs every
# suite: C++ natively (plain and ASan+UBSan) and as wasm under Node (one
# thread and pthreads), then the JS API in Node and in Chromium.
# Expects scripts/build.sh to have run (npm test does both).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

run_ctest() {
  local dir=$1
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

section "C++ format (clang-format --dry-run --Werror)"
bash scripts/check-format.sh

section "C++ native"
configure_native build/native
run_ctest build/native

section "C++ native, AddressSanitizer + UndefinedBehaviorSanitizer"
configure_native build/native-asan -DQKV_SANITIZE=ON
run_ctest build/native-asan

section "C++ fuzz targets (libFuzzer + ASan + UBSan, clang), 5 s each on the seed corpus"
if [ ! -f build/fuzz/CMakeCache.txt ]; then
  cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
    -DQKV_BUILD_FUZZ=ON -DQKV_BUILD_TESTS=OFF -DQKV_BUILD_BENCH=OFF >/dev/null
fi
cmake --build build/fuzz -j"$jobs"
tests/fuzz/run.sh build/fuzz 5

section "C++ wasm under Node, one thread"
configure_wasm build/wasm
run_ctest build/wasm

section "C++ wasm under Node, pthreads"
configure_wasm build/wasm-threads -DQKV_WASM_THREADS=ON
run_ctest build/wasm-threads

section "JS API in Node (tests/js) and in Chromium (tests/browser)"
node --test --test-concurrency=1 tests/js/ tests/browser/
