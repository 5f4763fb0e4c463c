// Test and benchmark binaries built with LLVM 19 (cmake/wasm-llvm19.cmake).
// clang 15+ emits `int main(int, char**)` for wasm as `__main_argc_argv`,
// while Emscripten 3.1.6's runtime only calls an export named `main`: without
// this forwarder such binaries run no code and exit 0, which would pass every
// test. The asm label names the forwarder `main` without clang renaming it.
// So every binary's main takes (int, char**) (a `main()` keeps its name and
// would collide with this one).
extern "C" int __main_argc_argv(int argc, char** argv);
extern "C" int qkv_llvm19_main(int argc, char** argv) __asm__("main");
extern "C" int qkv_llvm19_main(int argc, char** argv) { return __main_argc_argv(argc, argv); }
