// f32 SiLU (swish), elementwise over n values:
//   silu(x) = x * sigmoid(x) = x / (1 + exp(-x))
// Large |x| is safe: silu(-100) = -4e-42, silu(100) = 100. As in torch,
// silu(-inf) is NaN (-inf / inf) and NaN stays NaN.
#pragma once

#include <cstddef>

namespace qkv {

// n >= 1 values; x and y may alias (in place).
using F32SiluUkernelFn = void (*)(size_t n, const float* x, float* y);

// Plain loop in double with libm: the test oracle.
void f32_silu_ukernel__scalar(size_t n, const float* x, float* y);
// Highway SIMD, within a few ulp of the exact function.
void f32_silu_ukernel__simd(size_t n, const float* x, float* y);

}  // namespace qkv
