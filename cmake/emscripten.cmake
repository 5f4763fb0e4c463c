# Emscripten build (docs/TOOLCHAIN.md §0, §2, §4, §5). One exception mode for
# everything (wasm EH): C++ errors become JS Errors at the binding edge, and
# gtest's EXPECT_THROW works in the wasm test run.
if(NOT DEFINED ENV{NODE_PATH})
  message(WARNING "NODE_PATH is not set: emcc needs NODE_PATH=/usr/share/nodejs at -O2 and above")
endif()
add_compile_options(-msimd128 -fwasm-exceptions)
add_link_options(-fwasm-exceptions -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB)
include(${CMAKE_CURRENT_LIST_DIR}/wasm-llvm19.cmake)
if(QKV_WASM_THREADS)
  add_compile_options(-pthread)
  add_link_options(-pthread -Wno-pthreads-mem-growth)
endif()

# Highway cannot be included from /usr/include under Emscripten (it would
# shadow the wasm sysroot), so a private copy of its headers is used.
set(QKV_HWY_INCLUDE_DIR "${CMAKE_BINARY_DIR}/hwyinc")
if(NOT EXISTS "${QKV_HWY_INCLUDE_DIR}/hwy/highway.h")
  file(COPY /usr/include/hwy DESTINATION "${QKV_HWY_INCLUDE_DIR}")
endif()
set(QKV_THREAD_LIBS "")

# The test binaries are CommonJS scripts; the repository's package.json says
# "type": "module", so mark the build tree as CommonJS for Node.
file(WRITE "${CMAKE_BINARY_DIR}/package.json" "{\n  \"type\": \"commonjs\"\n}\n")
