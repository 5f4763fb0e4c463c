// f32 SwiGLU, elementwise over n values (the LLaMA / Qwen2 MLP gate):
//   swiglu(gate, up) = silu(gate) * up,  silu(x) = x / (1 + exp(-x))
// with silu as in f32-silu/silu.h: large |gate| is safe, silu(-inf) is NaN
// (as in torch) and NaN stays NaN.
#pragma once

#include <cstddef>

namespace qkv {

// n >= 1 values; y may alias gate or up.
using F32SwigluUkernelFn = void (*)(size_t n, const float* gate, const float* up, float* y);

// Plain loop in double with libm: the test oracle.
void f32_swiglu_ukernel__scalar(size_t n, const float* gate, const float* up, float* y);
// Highway SIMD, within a few ulp of the exact function.
void f32_swiglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y);

}  // namespace qkv
