// q4k: GGUF's Q4_K blocks held at Q4_K's own size, 0.5625 bytes a weight
// against q4's 0.75 (docs/GGML_QUANTS.md). The values are q4's
// (common/q4.h) for the blocks ggml's Q4_K repacks into exactly: per
// 256-value super-block, f16 d and dmin and 8 sub-blocks j of 32 with 6-bit
// scale sc_j and min mn_j, block j being the q4 block
//   d_j = float(d) * sc_j,   m_j = -(float(dmin) * mn_j)
// (each product exact in f32). q4 keeps d_j and m_j as 8 bytes a block; q4k
// keeps Q4_K's 16 bytes a super-block and its kernels form d_j and m_j on the
// fly, then do q4's arithmetic in q4's order: the outputs of the q4 kernels
// on the repacked matrix, bit for bit.
//
// `data` is q4's nibble array exactly (packed_layout.h: rows in groups of
// kQ4RowGroup, block b of the group's 4 rows stored together, q4's nibble
// order): the q4 kernels' loops read it unchanged. `scales` (bytes:
// PackedWeights::scales_as<uint8_t>()) holds per super-block s of a row group
// (kQ4KGroupScaleBytes, groups one after another, supers in order):
//   [0, 8)    the 4 rows' f16 d                        (row r at 2 r)
//   [8, 16)   the 4 rows' f16 dmin
//   [16, 64)  the 4 rows' 12 packed scale bytes, ggml's (get_scale_min_k4),
//             interleaved: byte i of row r at 16 + 4 i + r
// so that bytes 4j..4j+3 of each 16-byte third hold one ggml byte of the 4
// rows: one SIMD op unpacks a sub-scale of all 4 rows for 4 sub-blocks
// (q4k-gemv/expand-inl.h). 512 + 64 bytes per 1024 weights: Q4_K's 144 per
// 256 exactly. N is padded with zero rows to whole groups; K is a multiple of
// 256 (GGUF requires it of Q4_K).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/common/f16.h"
#include "kernels/common/q4.h"
#include "kernels/gemm/packed_layout.h"

namespace qkv {

constexpr size_t kQ4KSuperBlock = 256;
constexpr size_t kQ4KBlocksPerSuper = kQ4KSuperBlock / kQ4BlockSize;  // 8
constexpr size_t kQ4KRowGroup = kQ4RowGroup;
constexpr size_t kQ4KScaleBytes = 12;  // ggml's K_SCALE_SIZE
constexpr size_t kQ4KGroupDminOffset = 2 * kQ4KRowGroup;
constexpr size_t kQ4KGroupScOffset = 4 * kQ4KRowGroup;
constexpr size_t kQ4KGroupScaleBytes = kQ4KGroupScOffset + kQ4KScaleBytes * kQ4KRowGroup;
static_assert(kQ4KGroupScaleBytes == 64, "the layout above");

constexpr size_t q4k_supers(size_t k) { return k / kQ4KSuperBlock; }
// Byte offset in `scales` of super-block s of row r's group.
constexpr size_t q4k_group_scales(size_t r, size_t s, size_t k) {
  return (r / kQ4KRowGroup * q4k_supers(k) + s) * kQ4KGroupScaleBytes;
}

// Sub-block j's 6-bit scale and min of row `row` of a group's super-block
// (gs: its kQ4KGroupScaleBytes), as ggml's get_scale_min_k4.
inline void q4k_scale_min(const uint8_t* gs, size_t row, size_t j, uint8_t* sc, uint8_t* mn) {
  const auto q = [&](size_t i) { return gs[kQ4KGroupScOffset + kQ4KRowGroup * i + row]; };
  if (j < 4) {
    *sc = q(j) & 63;
    *mn = q(j + 4) & 63;
  } else {
    *sc = static_cast<uint8_t>((q(j + 4) & 0x0F) | (q(j - 4) >> 6) << 4);
    *mn = static_cast<uint8_t>((q(j + 4) >> 4) | (q(j) >> 6) << 4);
  }
}

inline uint16_t q4k_load_f16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, sizeof h);
  return h;
}

// Block j's q4 fields d_j and m_j for row `row` (the definition above).
inline void q4k_block_dm(const uint8_t* gs, size_t row, size_t j, float* d, float* m) {
  uint8_t sc, mn;
  q4k_scale_min(gs, row, j, &sc, &mn);
  *d = f16_to_f32(q4k_load_f16(gs + 2 * row)) * static_cast<float>(sc);
  *m = -(f16_to_f32(q4k_load_f16(gs + kQ4KGroupDminOffset + 2 * row)) * static_cast<float>(mn));
}

// A group's super-block scales in q4's scale form (packed_layout.h): for each
// of its 8 blocks j, the 4 rows' d_j, then their 4 m_j (out: 64 floats).
// Plain loops: what the SIMD expansion (q4k-gemv/expand-inl.h) must match.
inline void q4k_expand_scales_scalar(const uint8_t* gs, float* out) {
  for (size_t j = 0; j < kQ4KBlocksPerSuper; ++j) {
    for (size_t row = 0; row < kQ4KRowGroup; ++row)
      q4k_block_dm(gs, row, j, out + 2 * kQ4KRowGroup * j + row,
                   out + 2 * kQ4KRowGroup * j + kQ4KRowGroup + row);
  }
}

// Stores row r's super-block s: `nibbles` its 8 blocks' 16 bytes each in q4's
// nibble order (common/q4.h), d and dmin as f16 bits, `scales12` ggml's 12
// packed scale bytes.
inline void q4k_store_super(void* data, uint8_t* scales, size_t k, size_t r, size_t s, const uint8_t* nibbles,
                            uint16_t d, uint16_t dmin, const uint8_t* scales12) {
  for (size_t j = 0; j < kQ4KBlocksPerSuper; ++j) {
    const size_t b = s * kQ4KBlocksPerSuper + j;
    std::memcpy(static_cast<uint8_t*>(data) + q4_grouped_block(r, b, k) * kQ4BlockBytes,
                nibbles + j * kQ4BlockBytes, kQ4BlockBytes);
  }
  uint8_t* gs = scales + q4k_group_scales(r, s, k);
  const size_t row = r % kQ4KRowGroup;
  std::memcpy(gs + 2 * row, &d, sizeof d);
  std::memcpy(gs + kQ4KGroupDminOffset + 2 * row, &dmin, sizeof dmin);
  for (size_t i = 0; i < kQ4KScaleBytes; ++i) gs[kQ4KGroupScOffset + kQ4KRowGroup * i + row] = scales12[i];
}

// Row r's k values: value c is float(d_j * q) + m_j (q4's dequantization),
// a super-block's scales unpacked once: the row gather's (an embedding table
// tied to the LM head) and the test's definition.
inline void q4k_row_values(const void* data, const uint8_t* scales, size_t k, size_t r, float* out) {
  const uint8_t* nibbles = static_cast<const uint8_t*>(data);
  for (size_t s = 0; s < q4k_supers(k); ++s) {
    const uint8_t* gs = scales + q4k_group_scales(r, s, k);
    for (size_t j = 0; j < kQ4KBlocksPerSuper; ++j) {
      const size_t b = s * kQ4KBlocksPerSuper + j;
      float d, m;
      q4k_block_dm(gs, r % kQ4KRowGroup, j, &d, &m);
      const uint8_t* block = nibbles + q4_grouped_block(r, b, k) * kQ4BlockBytes;
      for (size_t i = 0; i < kQ4BlockSize; ++i) {
        const float dq = d * static_cast<float>(q4_nibble(block, i));
        out[b * kQ4BlockSize + i] = dq + m;
      }
    }
  }
}

}  // namespace qkv
