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
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

constexpr size_t kQ8BlockSize = 32;

constexpr size_t q8_blocks(size_t k) { return (k + kQ8BlockSize - 1) / kQ8BlockSize; }
constexpr size_t q8_padded(size_t k) { return q8_blocks(k) * kQ8BlockSize; }

}  // namespace qkv
