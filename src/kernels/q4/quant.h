// f32 <-> q4 (kernels/common/q4.h, which specifies the arithmetic) for one row
// of k values.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/q4.h"

namespace qkv {

// nibbles holds q4_blocks(k) * kQ4BlockBytes bytes, d and m q4_blocks(k)
// floats each; k >= 1. The last block's padding values get q = 0.
using F32ToQ4RowFn = void (*)(size_t k, const float* x, uint8_t* nibbles, float* d, float* m);

// Plain loops: the test oracle. The SIMD form gives identical bits.
void f32_to_q4_row__scalar(size_t k, const float* x, uint8_t* nibbles, float* d, float* m);
// Highway SIMD.
void f32_to_q4_row__simd(size_t k, const float* x, uint8_t* nibbles, float* d, float* m);
// The per-block term the q4 kernels add for the offsets m (q4-gemv/gemv.h):
// x_sums[b] = float(sum of xq over block b) * x_scales[b], for an activation
// row quantized to q8 (xq: q8_padded(k) values, zero-padded; x_scales: its
// q8_blocks(k) scales). The integer sum is exact; one rounding.
void q4_activation_sums(size_t k, const int8_t* xq, const float* x_scales, float* x_sums);
// y[i] = d * q + m for i < k (two roundings, never fused).
void q4_to_f32_row__scalar(size_t k, const uint8_t* nibbles, const float* d, const float* m, float* y);

}  // namespace qkv
