// f32 SiLU (swish) and SwiGLU, elementwise over n values:
//   silu(x) = x * sigmoid(x) = x / (1 + exp(-x))
//   swiglu(gate, up) = silu(gate) * up   (the LLaMA / Qwen2 MLP gate)
// Large |x| is safe: silu(-100) = -4e-42, silu(100) = 100. As in torch,
// silu(-inf) is NaN (-inf / inf) and NaN stays NaN.
#pragma once

#include <cstddef>

namespace qkv {

// n >= 1 values; x and y may alias (in place).
using F32SiluUkernelFn = void (*)(size_t n, const float* x, float* y);
// n >= 1 values; y may alias gate or up.
using F32SwigluUkernelFn = void (*)(size_t n, const float* gate, const float* up, float* y);

// Plain loops in double with libm: the test oracles.
void f32_silu_ukernel__scalar(size_t n, const float* x, float* y);
void f32_swiglu_ukernel__scalar(size_t n, const float* gate, const float* up, float* y);
// Highway SIMD, within a few ulp of the exact function.
void f32_silu_ukernel__simd(size_t n, const float* x, float* y);
void f32_swiglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y);

}  // namespace qkv
