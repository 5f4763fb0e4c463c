// ggml's 4-bit types -> blocks of 32 in the form value = float(d * q) + m,
// q in [0, 15], with f32 d and m: the fields of qkv's q4 layout
// (kernels/common/q4.h), as a row in three arrays:
//   nibbles: k / 2 bytes, 16 per block; byte j holds value j in its low
//            nibble and value j + 16 in its high nibble (ggml's Q4_0 order)
//   d, m:    k / 32 floats each
// k: the row's values, a whole number of the type's blocks.
//
//   Q4_0: d = d, m = -8 * d             Q4_1: d = d, m = m
//   Q4_K: each sub-block j of 32 becomes a block: d = d * sc_j,
//         m = -(dmin * m_j) (get_scale_min_k4), its nibbles moved from
//         ggml's pairing (byte l of a 32-byte run: sub-block 2i low, 2i + 1
//         high) into the order above.
// All products are exact in f32 (11-bit f16 times a 6-bit integer), so
// float(d * q) + m is ggml's dequantized value bit for bit for Q4_1 and
// Q4_K (x - y and x + (-y) are the same IEEE operation); for Q4_0 it is
// ggml's value, but zeros may differ in sign (docs/GGML_QUANTS.md).
#pragma once

#include <cstdint>

namespace qkv {
namespace ggml {

void q4_0_to_q4_row(const void* blocks, int64_t k, uint8_t* nibbles, float* d, float* m);
void q4_1_to_q4_row(const void* blocks, int64_t k, uint8_t* nibbles, float* d, float* m);
void q4_K_to_q4_row(const void* blocks, int64_t k, uint8_t* nibbles, float* d, float* m);

// Q4_K -> q4k's fields (kernels/common/q4k.h): the nibbles in q4's order as
// q4_K_to_q4_row moves them, and per super-block its f16 d and dmin bits and
// its 12 packed scale bytes, as ggml stores them (k / 256 of each; scales12:
// 12 bytes per super-block).
void q4_K_to_q4k_row(const void* blocks, int64_t k, uint8_t* nibbles, uint16_t* d, uint16_t* dmin,
                     uint8_t* scales12);

}  // namespace ggml
}  // namespace qkv
