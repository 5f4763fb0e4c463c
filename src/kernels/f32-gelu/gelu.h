// f32 GELU, elementwise over n values.
//   tanh form (GPT-2's gelu_new, torch gelu(approximate="tanh")):
//     y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//   erf form (BERT, torch gelu()):  y = 0.5 x (1 + erf(x / sqrt(2)))
// As in torch, +inf maps to +inf, -inf to NaN (-inf * 0) and NaN to NaN.
#pragma once

#include <cstddef>

namespace qkv {

// n >= 1 values; x and y may alias (in place).
using F32GeluUkernelFn = void (*)(size_t n, const float* x, float* y);

// Plain loops in double with libm: the test oracles.
void f32_gelu_tanh_ukernel__scalar(size_t n, const float* x, float* y);
void f32_gelu_erf_ukernel__scalar(size_t n, const float* x, float* y);
// Highway SIMD. Relative error below ~1.5e-6 for |x| <= 3, growing in the
// negative tail to ~2e-5 at x = -13 (as the conditioning of exp(-2u) and
// exp(-x^2/2) dictates; 1 + tanh or 1 + erf in float would lose it all);
// absolute error below 1e-6 for |x| <= 8.
void f32_gelu_tanh_ukernel__simd(size_t n, const float* x, float* y);
void f32_gelu_erf_ukernel__simd(size_t n, const float* x, float* y);

}  // namespace qkv
