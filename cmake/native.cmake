# Native build: the test and sanitizer platform. Highway's static target
# follows -march, so the native tests exercise AVX2/AVX-512 paths of the same
# kernel sources that become SIMD128 in wasm.
find_package(Threads REQUIRED)
add_compile_options(-march=${QKV_NATIVE_ARCH})
if(QKV_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
set(QKV_HWY_INCLUDE_DIR "")  # /usr/include already holds hwy/
set(QKV_THREAD_LIBS Threads::Threads)
