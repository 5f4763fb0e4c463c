// q6k: GGUF's Q6_K blocks held at (nearly) Q6_K's own size, 0.828 bytes a
// weight against q8k's 1.125 (docs/GGML_QUANTS.md). The values and scales
// are q8k's (common/q8k.h) for a super-block without mins: per 256 values,
// 256 6-bit u = q + 32 (ggml's own 6-bit values), 16 int8 sub-scales sc_j
// and an f32 d, value i (sub-block j = i / 16) being
//   float(d * sc_j) * float(q)
// which is ggml's dequantize_row_q6_K, product for product (exact in f32).
//
// Rows are grouped by kQ6KRowGroup = 4 as in q8k, and each super-block of a
// group's 4 rows is stored together (kQ6KGroupBytes of `data`):
//   8 blocks of 32 values, each 96 bytes:
//     4 × 16 bytes A_r, one per row r:  A_r[i] = u_r[i] | (u_r[16 + i] >> 4) << 6
//     2 × 16 bytes N, for rows (0, 1) and (2, 3):
//                                       N[i] = (u_a[16 + i] & 15) | (u_b[16 + i] & 15) << 4
//   where u_r is row r's block of 32 in q8k's order (kQ8KOrder), so the first
//   16 bytes u[0..15] come out of A with one mask and the last 16 with one
//   shift and one bit select (kernels/q6k-gemv/unpack-inl.h), as the q8k
//   kernels would have read them from memory            (768 bytes)
//   8 blocks, each the 4 rows' pair of int8 sub-scales, as q8k   (64 bytes)
// and, in `scales`, the 4 rows' d per super-block of a group. N is padded
// with zero rows (u = 32, i.e. q = 0, sub-scales and d 0) to whole groups.
// 832 + 16 bytes per 1024 weights: 0.828 bytes a weight (Q6_K: 0.820).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/q8k.h"

namespace qkv {

constexpr size_t kQ6KRowGroup = kQ8KRowGroup;
constexpr size_t kQ6KHalf = kQ8KBlock / 2;                        // bytes of one A_r or N
constexpr size_t kQ6KBlockBytes = (kQ6KRowGroup + 2) * kQ6KHalf;  // a block of the group's 4 rows
constexpr size_t kQ6KGroupScOffset = kQ8KSuperBlock / kQ8KBlock * kQ6KBlockBytes;
constexpr size_t kQ6KGroupBytes = kQ6KGroupScOffset + kQ6KRowGroup * (kQ8KSuperBlock / kQ8KSubBlock);
constexpr size_t kQ6KGroupFloats = kQ6KRowGroup;

static_assert(kQ6KGroupScOffset == 768 && kQ6KGroupBytes == 832, "the layout above");

// Row `row`'s 32 bytes u (q8k's order) of one block: `block` points at the
// block's 96 bytes.
inline void q6k_unpack_row(const uint8_t* block, size_t row, uint8_t* u) {
  const uint8_t* a = block + row * kQ6KHalf;
  const uint8_t* n = block + (kQ6KRowGroup + row / 2) * kQ6KHalf;
  const int shift = row % 2 ? 4 : 0;
  for (size_t i = 0; i < kQ6KHalf; ++i) {
    u[i] = a[i] & 63;
    u[kQ6KHalf + i] = static_cast<uint8_t>((a[i] >> 6) << 4 | ((n[i] >> shift) & 15));
  }
}

// Stores row r's super-block s (its q, sc and d; a Q6_K super-block has no
// mins: the caller checks mn and dmin are 0 and q is within [-32, 31]).
inline void q6k_store_super(void* data, float* scales, size_t k, size_t r, size_t s, const Q8KSuper& v) {
  const size_t at = q8k_group_super(r, s, k), row = r % kQ6KRowGroup;
  uint8_t* g = static_cast<uint8_t*>(data) + at * kQ6KGroupBytes;
  for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
    uint8_t u[kQ8KBlock];
    for (size_t p = 0; p < kQ8KBlock; ++p)
      u[p] = static_cast<uint8_t>(v.q[b * kQ8KBlock + kQ8KOrder(p)] + kQ8KOffset);
    uint8_t* block = g + b * kQ6KBlockBytes;
    uint8_t* a = block + row * kQ6KHalf;
    uint8_t* n = block + (kQ6KRowGroup + row / 2) * kQ6KHalf;
    const int shift = row % 2 ? 4 : 0;
    for (size_t i = 0; i < kQ6KHalf; ++i) {
      a[i] = static_cast<uint8_t>(u[i] | (u[kQ6KHalf + i] >> 4) << 6);
      n[i] = static_cast<uint8_t>((n[i] & (0xF0 >> shift)) | (u[kQ6KHalf + i] & 15) << shift);
    }
    for (size_t half = 0; half < 2; ++half)
      g[kQ6KGroupScOffset + b * kQ8KGroupScBlock + 2 * row + half] = static_cast<uint8_t>(v.sc[2 * b + half]);
  }
  scales[at * kQ6KGroupFloats + row] = v.d;
}

// Value c of row r of a packed matrix, as defined above.
inline float q6k_value(const void* data, const float* scales, size_t k, size_t r, size_t c) {
  const size_t at = q8k_group_super(r, c / kQ8KSuperBlock, k), row = r % kQ6KRowGroup;
  const size_t i = c % kQ8KSuperBlock, b = i / kQ8KBlock;
  const uint8_t* g = static_cast<const uint8_t*>(data) + at * kQ6KGroupBytes;
  uint8_t u[kQ8KBlock];
  q6k_unpack_row(g + b * kQ6KBlockBytes, row, u);
  const int8_t sc = static_cast<int8_t>(
      g[kQ6KGroupScOffset + b * kQ8KGroupScBlock + 2 * row + i % kQ8KBlock / kQ8KSubBlock]);
  const float dq = scales[at * kQ6KGroupFloats + row] * static_cast<float>(sc);
  size_t p = 0;
  while (kQ8KOrder(p) != i % kQ8KBlock) ++p;
  return dq * static_cast<float>(u[p] - kQ8KOffset);
}

// Row r's k values (q6k_value's, a block unpacked once): the row gather's
// (an embedding table tied to the LM head).
inline void q6k_row_values(const void* data, const float* scales, size_t k, size_t r, float* out) {
  const size_t row = r % kQ6KRowGroup;
  for (size_t s = 0; s < q8k_supers(k); ++s) {
    const size_t at = q8k_group_super(r, s, k);
    const uint8_t* g = static_cast<const uint8_t*>(data) + at * kQ6KGroupBytes;
    const float d = scales[at * kQ6KGroupFloats + row];
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      uint8_t u[kQ8KBlock];
      q6k_unpack_row(g + b * kQ6KBlockBytes, row, u);
      const int8_t* sc =
          reinterpret_cast<const int8_t*>(g + kQ6KGroupScOffset + b * kQ8KGroupScBlock) + 2 * row;
      float* o = out + s * kQ8KSuperBlock + b * kQ8KBlock;
      for (size_t p = 0; p < kQ8KBlock; ++p) {
        const size_t i = kQ8KOrder(p);
        o[i] = d * static_cast<float>(sc[i / kQ8KSubBlock]) * static_cast<float>(u[p] - kQ8KOffset);
      }
    }
  }
}

}  // namespace qkv
