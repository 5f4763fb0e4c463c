#!/usr/bin/env bash
# Builds the npm package's contents into dist/: both wasm flavours
# (dist/wasm/qkv-simd*.mjs + .wasm) and the TypeScript API (dist/*.js + .d.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

configure_wasm build/wasm
configure_wasm build/wasm-threads -DQKV_WASM_THREADS=ON
cmake --build build/wasm -j"$jobs" --target qkv-simd
cmake --build build/wasm-threads -j"$jobs" --target qkv-simd-threads
npx --no-install tsc -p .
