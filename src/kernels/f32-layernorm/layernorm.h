// f32 LayerNorm over one row of n values, as torch.nn.LayerNorm:
//   y = (x - mean) / sqrt(var + eps) * gamma + beta, var the biased variance.
// gamma and beta may be nullptr (meaning 1 and 0: elementwise_affine=False).
#pragma once

#include <cstddef>

#include "core/status.h"

namespace qkv {

class ThreadPool;

// One row of n >= 1 values. x and y may alias (in place).
using F32LayerNormUkernelFn = void (*)(size_t n, const float* x, const float* gamma, const float* beta,
                                       float eps, float* y);

// Plain loops in double: the test oracle.
void f32_layernorm_ukernel__scalar(size_t n, const float* x, const float* gamma, const float* beta, float eps,
                                   float* y);
// Highway SIMD.
void f32_layernorm_ukernel__simd(size_t n, const float* x, const float* gamma, const float* beta, float eps,
                                 float* y);

// LayerNorm of each of `rows` rows of n values (x, y: [rows, n]), rows split
// over the pool (pool may be null). In place when x == y.
Status f32_layernorm_rows(ThreadPool* pool, size_t rows, size_t n, const float* x, const float* gamma,
                          const float* beta, float eps, float* y);

}  // namespace qkv
