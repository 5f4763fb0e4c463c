// Types of dist/wasm/qkv-sha256.mjs, which the wasm build generates
// (wasm-build/CMakeLists.txt, target qkv-sha256-module): io/Sha256 as a
// standalone wasm (wasm-build/sha256_standalone.cc), embedded as base64.
/** The wasm module's bytes, base64. */
export declare const wasmBase64: string;
