// Greedy and top-k selection over a row of logits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// Index of the first maximum of x[0, n). NaN entries are ignored; if every
// entry is NaN (or n == 0) the result is 0.
using F32ArgmaxUkernelFn = size_t (*)(size_t n, const float* x);

size_t f32_argmax_ukernel__scalar(size_t n, const float* x);
size_t f32_argmax_ukernel__simd(size_t n, const float* x);

// The min(k, n) best entries of x[0, n), best first: larger value first,
// equal values by lower index, NaN ranked below every number (NaNs among
// themselves by index). Writes their indices to idx and values to val (each
// holding min(k, n) entries; these buffers double as the heap, so there is
// no limit on k and nothing is allocated) and returns min(k, n).
// O(n log k); n must be <= INT32_MAX.
size_t f32_topk(size_t n, const float* x, size_t k, int32_t* idx, float* val);

}  // namespace qkv
