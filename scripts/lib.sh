# Shared by the build and test scripts (sourced, not run).
export NODE_PATH=/usr/share/nodejs   # emcc needs acorn from here at -O2+ (docs/TOOLCHAIN.md §0)
jobs=$(nproc)

# configure_wasm DIR [cmake args...]: configures an Emscripten build once.
configure_wasm() {
  local dir=$1
  shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    # Our own emulator: 3.1.6's default passes a flag Node 20 rejects, and
    # --no-experimental-fetch keeps the runtime off Node's fetch (docs/TOOLCHAIN.md §5).
    emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CROSSCOMPILING_EMULATOR=$(command -v node);--no-experimental-fetch" "$@" >/dev/null
  fi
}

# configure_native DIR [cmake args...]
configure_native() {
  local dir=$1
  shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ "$@" >/dev/null
  fi
}

section() { printf '\n=== %s ===\n' "$*"; }
