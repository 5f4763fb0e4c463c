// f32 elementwise add (residual connections) and per-row bias add.
#pragma once

#include <cstddef>

#include "core/status.h"

namespace qkv {

class ThreadPool;

// y = a + b over n >= 1 values; y may alias a or b.
using F32AddUkernelFn = void (*)(size_t n, const float* a, const float* b, float* y);

void f32_add_ukernel__scalar(size_t n, const float* a, const float* b, float* y);
void f32_add_ukernel__simd(size_t n, const float* a, const float* b, float* y);

// y[r, :] = x[r, :] + bias[:] for x, y [rows, n] (nn.Linear's bias after a
// bias-free GEMM), rows split over the pool (pool may be null). In place when
// x == y.
Status f32_add_bias_rows(ThreadPool* pool, size_t rows, size_t n, const float* x, const float* bias,
                         float* y);

}  // namespace qkv
