#pragma once

namespace qkv {

// Name of the SIMD instruction set the kernels were compiled for, as Highway
// calls it: "WASM" (SIMD128), "AVX2", "AVX3" (AVX-512), "EMU128", ...
const char* simd_target_name();

}  // namespace qkv
