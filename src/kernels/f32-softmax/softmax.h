// f32 softmax: y[i] = exp(x[i] - max(x)) / sum_j exp(x[j] - max(x)).
// Like torch.softmax, a row whose entries are all -inf yields NaN.
#pragma once

#include <cstddef>

#include "core/status.h"

namespace qkv {

class ThreadPool;

// Signature shared by every f32 softmax microkernel: one row of n >= 1 values.
// x and y may alias (in place).
using F32SoftmaxUkernelFn = void (*)(size_t n, const float* x, float* y);

// Plain loops with libm's expf: the test oracle.
void f32_softmax_ukernel__scalar(size_t n, const float* x, float* y);
// Highway SIMD (wasm SIMD128 in the product, AVX2/AVX-512 natively).
void f32_softmax_ukernel__simd(size_t n, const float* x, float* y);

// log_softmax: y[i] = x[i] - max(x) - log(sum_j exp(x[j] - max(x))), as
// torch.log_softmax: -inf entries stay -inf; NaN anywhere, or a row of only
// -inf, gives NaN everywhere. x and y may alias. (Beam search normalizes a
// vocabulary row of logits per beam and step with it.)
void f32_log_softmax_ukernel__scalar(size_t n, const float* x, float* y);
void f32_log_softmax_ukernel__simd(size_t n, const float* x, float* y);

// Softmax over each of `rows` rows of `cols` values, rows split over the pool
// (pool may be null for one thread). In place when x == y.
Status f32_softmax_rows(ThreadPool* pool, size_t rows, size_t cols, const float* x, float* y);

}  // namespace qkv
