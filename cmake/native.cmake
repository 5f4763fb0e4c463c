# Native build: the test and sanitizer platform. Highway's static target
# follows -march, so the native tests exercise AVX2/AVX-512 paths of the same
# kernel sources that become SIMD128 in wasm.
find_package(Threads REQUIRED)
add_compile_options(-march=${QKV_NATIVE_ARCH})
# No fused multiply-adds the source did not ask for: g++ (in ISO C++ mode)
# does not contract a*b+c, clang does by default, and tests that compare a
# kernel with its definition bit for bit (q8k_kernels_test) need the two
# compilers to round alike. wasm has no scalar FMA to contract into.
add_compile_options(-ffp-contract=off)
if(QKV_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
  # The tests, gtest, the benchmarks (compiled here, never timed) and the
  # fuzz drivers at -O1, as the sanitizer manuals suggest: -O3 made their
  # sanitized compile ~15% slower. The core keeps its own -O3 (src/CMakeLists.txt),
  # so the kernels are checked as they ship.
  set(CMAKE_CXX_FLAGS_RELEASE "-O1 -DNDEBUG")
endif()
set(QKV_HWY_INCLUDE_DIR "")  # /usr/include already holds hwy/
set(QKV_THREAD_LIBS Threads::Threads)

# XNNPACK (Debian libxnnpack-dev + libpthreadpool-dev): the native reference
# that GEMM tests and benchmarks compare against. Optional: found or not.
find_library(QKV_XNNPACK_LIB XNNPACK)
find_library(QKV_PTHREADPOOL_LIB pthreadpool)
if(NOT EXISTS /usr/include/pthreadpool.h)
  set(QKV_XNNPACK_LIB QKV_XNNPACK_LIB-NOTFOUND)
endif()
