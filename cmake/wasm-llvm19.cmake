# The relaxed-SIMD flavours (QKV_WASM_RELAXED), and optionally the SIMD128 ones
# (QKV_WASM_LLVM19), are compiled and linked by Debian's LLVM 19 through
# Emscripten 3.1.6's driver (docs/TOOLCHAIN.md, "Relaxed SIMD"):
# - Emscripten's own clang 14 emits the pre-standard relaxed opcodes, which
#   engines reject; LLVM 19 emits the standard ones.
# - emcc runs `clang++-14`, `wasm-ld-14`, ... from EM_LLVM_ROOT, so that
#   variable points at a folder of symlinks to LLVM 19's tools, under both
#   names; every compile and link command runs with it set.
# - binaryen 108 rewrites standard relaxed opcodes with the old numbering, so
#   no binaryen tool may touch the linked wasm: links run at -O1 (-O2+ always
#   runs wasm-opt) with WASM_BIGINT (no i64 legalization pass), and
#   ERROR_ON_WASM_CHANGES_AFTER_LINK makes any future need for one a build
#   error instead of a corrupt binary. The code itself is still compiled at -O3.
option(QKV_WASM_RELAXED "Emscripten: relaxed SIMD (the qkv-relaxed flavours; implies QKV_WASM_LLVM19)" OFF)
option(QKV_WASM_LLVM19 "Emscripten: compile and link with Debian's LLVM 19 instead of Emscripten's clang 14" OFF)
set(QKV_LLVM19_BIN "/usr/lib/llvm-19/bin" CACHE PATH "Where LLVM 19's clang, wasm-ld and llvm-ar are (apt: clang-19 lld-19 llvm-19)")

# Link optimization level: binaryen's -O3 pass where it may run.
set(QKV_WASM_LINK_OPT -O3)
if(QKV_WASM_RELAXED)
  set(QKV_WASM_LLVM19 ON)
endif()
if(NOT QKV_WASM_LLVM19)
  return()
endif()

foreach(tool clang clang++ wasm-ld llvm-ar)
  if(NOT EXISTS "${QKV_LLVM19_BIN}/${tool}")
    message(FATAL_ERROR "${QKV_LLVM19_BIN}/${tool} is missing: QKV_WASM_RELAXED and QKV_WASM_LLVM19 need LLVM 19 "
                        "(apt-get install clang-19 lld-19 llvm-19; scripts/setup.sh does)")
  endif()
endforeach()
set(QKV_LLVM19_ROOT "${CMAKE_BINARY_DIR}/llvm19-root")
file(MAKE_DIRECTORY "${QKV_LLVM19_ROOT}")
foreach(tool clang clang++ wasm-ld llvm-ar llvm-ranlib llvm-nm llvm-objcopy llvm-dwarfdump llvm-strip)
  if(EXISTS "${QKV_LLVM19_BIN}/${tool}")
    file(CREATE_LINK "${QKV_LLVM19_BIN}/${tool}" "${QKV_LLVM19_ROOT}/${tool}" SYMBOLIC)
    file(CREATE_LINK "${QKV_LLVM19_BIN}/${tool}" "${QKV_LLVM19_ROOT}/${tool}-14" SYMBOLIC)
  endif()
endforeach()
set(QKV_LLVM19_ENV "${CMAKE_COMMAND}" -E env "EM_LLVM_ROOT=${QKV_LLVM19_ROOT}")
set(CMAKE_CXX_COMPILER_LAUNCHER ${QKV_LLVM19_ENV})
set(CMAKE_C_COMPILER_LAUNCHER ${QKV_LLVM19_ENV})
list(JOIN QKV_LLVM19_ENV " " QKV_LLVM19_ENV_STRING)
# Executables and static libraries (emar runs llvm-ar) alike.
set_property(GLOBAL PROPERTY RULE_LAUNCH_LINK "${QKV_LLVM19_ENV_STRING}")
# emcc warns that clang 19 is not the version it was released with: known.
add_compile_options(-Wno-version-check)
add_link_options(-Wno-version-check)

set(QKV_WASM_LINK_OPT -O1)
add_link_options(-sWASM_BIGINT -sERROR_ON_WASM_CHANGES_AFTER_LINK)
# After CMAKE_CXX_FLAGS_RELEASE's -O3 on the link line, so it wins there.
add_link_options(${QKV_WASM_LINK_OPT})
if(QKV_WASM_RELAXED)
  add_compile_options(-mrelaxed-simd)
endif()

# Linked into every binary with a main (tests, benchmarks): see the file.
add_library(qkv_llvm19_main OBJECT ${PROJECT_SOURCE_DIR}/wasm-build/llvm19_main.cc)
