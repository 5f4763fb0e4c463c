#!/usr/bin/env bash
# Installs everything qkv needs to build and test, and nothing that is already
# there: the Debian packages (when run as root; otherwise it prints the exact
# command) and the npm dev dependencies pinned by package-lock.json.
# Used by `npm start`, `npm test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  emscripten binaryen         # C++ -> wasm (Emscripten 3.1.6, see docs/TOOLCHAIN.md)
  clang-19 lld-19 llvm-19     # the relaxed-SIMD flavours (cmake/wasm-llvm19.cmake)
  libhwy-dev                  # Highway: portable SIMD kernels
  libxnnpack-dev libpthreadpool-dev  # native reference for GEMM tests and benchmarks
  googletest                  # C++ tests (sources in /usr/src/googletest)
  cmake make g++              # native build
  clang libclang-rt-14-dev    # libFuzzer targets (tests/fuzz): the fuzzer runtime is in libclang-rt
  clang-format                # scripts/check-format.sh (the repository's .clang-format)
  chromium                    # browser tests, driven by playwright-core
)
# Node.js may come from elsewhere (e.g. a nodesource build that bundles npm):
# ask Debian for it only when the commands are missing.
command -v node >/dev/null || apt_packages+=(nodejs)
command -v npm >/dev/null || apt_packages+=(npm)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "qkv setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "qkv setup: missing Debian packages; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci only when node_modules was not installed from this exact lock file.
stamp=node_modules/.qkv-lock-stamp
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
# Node 24 for the relaxed-SIMD flavours' tests, pinned by its own lock file
# (in the main devDependencies its bin/node would shadow the system node).
stamp=tools/node24/node_modules/.qkv-lock-stamp
if ! cmp -s tools/node24/package-lock.json "$stamp" 2>/dev/null; then
  (cd tools/node24 && npm ci --no-audit --no-fund --loglevel=error)
  cp tools/node24/package-lock.json "$stamp"
fi
