// q8: symmetric 8-bit block quantization, as in ggml's Q8_0 but with an f32
// scale. A vector of K values is cut into blocks of kQ8BlockSize along K; each
// block stores one scale and 32 int8 values, value = scale * q, q in
// [-127, 127], scale = max|x| / 127 (0 for an all-zero block).
//
// A row of K values is q8_blocks(K) blocks; its last block is zero-padded
// when K is not a multiple of 32. Quantized values and scales are kept in
// two arrays so the int8 data stays 16-byte aligned for SIMD:
//   int8_t  q[q8_padded(K)]
//   float   scales[q8_blocks(K)]
// Weight matrices interleave the blocks of groups of rows (the q8 layout of
// kernels/gemm/packed_layout.h).
//
// q8h: the same blocks and layout with each scale an IEEE binary16 (its bits
// as uint16_t): GGUF's Q8_0 blocks exactly (and Q5_0's, Q4_0's values), at
// Q8_0's own 1.0625 bytes a weight against q8's 1.125. A q8h block's value is
// ggml's dequantize_row_q8_0: float(d) * q, float(d) exact. The q8 kernels
// serve both, templated on the scale's type (float or uint16_t): every step
// after the scale's conversion is q8's, so a q8h matrix gives the outputs of
// the q8 matrix with the converted scales, bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/f16.h"

namespace qkv {

constexpr size_t kQ8BlockSize = 32;

constexpr size_t q8_blocks(size_t k) { return (k + kQ8BlockSize - 1) / kQ8BlockSize; }
constexpr size_t q8_padded(size_t k) { return q8_blocks(k) * kQ8BlockSize; }

// A block scale as f32: q8's as is, q8h's converted (exact).
inline float q8_scale(float s) { return s; }
inline float q8_scale(uint16_t s) { return f16_to_f32(s); }

}  // namespace qkv
