#!/usr/bin/env bash
# Builds the npm package's contents into dist/: the four wasm flavours
# (dist/wasm/qkv-{simd,relaxed}[-threads].mjs + .wasm), the standalone SHA-256 wasm of the hashing
# worker (embedded in dist/wasm/qkv-sha256.mjs) and the TypeScript API
# (dist/*.js + .d.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

configure_wasm build/wasm
configure_wasm build/wasm-threads -DQKV_WASM_THREADS=ON
configure_wasm_relaxed build/wasm-relaxed
configure_wasm_relaxed build/wasm-relaxed-threads -DQKV_WASM_THREADS=ON
cmake --build build/wasm -j"$jobs" --target qkv-simd
# Its own command: in a build tree configured before the target existed, the
# first build re-runs CMake, and only then does make know the target.
cmake --build build/wasm -j"$jobs" --target qkv-sha256-module
cmake --build build/wasm-threads -j"$jobs" --target qkv-simd-threads
cmake --build build/wasm-relaxed -j"$jobs" --target qkv-relaxed
cmake --build build/wasm-relaxed-threads -j"$jobs" --target qkv-relaxed-threads
npx --no-install tsc -p .
# The chat-template engine ships inside dist/ (see web/src/vendor/jinja.d.ts).
jinja=node_modules/@huggingface/jinja
mkdir -p dist/vendor
{ echo "// @huggingface/jinja $(node -p "require('./$jinja/package.json').version"), MIT License (dist/vendor/jinja.LICENSE)"
  cat "$jinja/dist/index.js"; } > dist/vendor/jinja.js
cp "$jinja/LICENSE" dist/vendor/jinja.LICENSE
