// f32 RMSNorm over one row of n values, as HF LlamaRMSNorm in float32:
//   y = x / sqrt(mean(x^2) + eps) * weight
// weight may be nullptr (meaning 1).
#pragma once

#include <cstddef>

#include "core/status.h"

namespace qkv {

class ThreadPool;

// One row of n >= 1 values. x and y may alias (in place).
using F32RmsNormUkernelFn = void (*)(size_t n, const float* x, const float* weight, float eps, float* y);

// Plain loops in double: the test oracle.
void f32_rmsnorm_ukernel__scalar(size_t n, const float* x, const float* weight, float eps, float* y);
// Highway SIMD.
void f32_rmsnorm_ukernel__simd(size_t n, const float* x, const float* weight, float eps, float* y);

// RMSNorm of each of `rows` rows of n values (x, y: [rows, n]), rows split
// over the pool (pool may be null). In place when x == y.
Status f32_rmsnorm_rows(ThreadPool* pool, size_t rows, size_t n, const float* x, const float* weight,
                        float eps, float* y);

}  // namespace qkv
