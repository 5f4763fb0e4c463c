// f32 GeGLU, elementwise over n values: y = gelu(gate) * up.
//   tanh form (the Gemma MLP, transformers' act_fn(gate_proj(x)) * up_proj(x)
//   with hidden_activation "gelu_pytorch_tanh"):
//     gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//   erf form (ModernBERT's MLP, act(input) * gate with hidden_activation
//   "gelu"):
//     gelu_erf(x) = 0.5 x (1 + erf(x / sqrt(2)))
// with the GELUs as in f32-gelu/gelu.h: large |gate| is safe, NaN stays NaN.
#pragma once

#include <cstddef>

namespace qkv {

// n >= 1 values; y may alias gate or up.
using F32GegluUkernelFn = void (*)(size_t n, const float* gate, const float* up, float* y);

// Plain loops in double with libm: the test oracles.
void f32_geglu_ukernel__scalar(size_t n, const float* gate, const float* up, float* y);
void f32_geglu_erf_ukernel__scalar(size_t n, const float* gate, const float* up, float* y);
// Highway SIMD, within a few ulp of the exact function where the GELU is
// (f32-gelu/gelu.h: ~1.5e-6 relative for |gate| <= 3).
void f32_geglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y);
void f32_geglu_erf_ukernel__simd(size_t n, const float* gate, const float* up, float* y);

}  // namespace qkv
