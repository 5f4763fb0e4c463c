// ggml blocks -> f32, as ggml's reference dequantizers (dequantize_row_q4_0,
// ..., dequantize_row_q6_K, and its f16/bf16 -> f32 conversions) define the
// values: the test oracles for every kernel that reads GGUF blocks, and the
// loader's path for tensors it keeps in f32.
//
// Each function reads k / block_values blocks (blocks.h) from `blocks`, at any
// alignment, and writes k floats to y. k must be a multiple of the type's
// values per block (row_bytes in blocks.h refuses other sizes first).
//
// Bit for bit: ggml computes every value of these types with at most one
// inexact operation. d, dmin and m are f16 (11 significant bits) and the
// sub-block scales at most 8 bits, so products like d * sc (Q4_K's d1) and
// d1 * q or d * sc * q (Q6_K) need at most 24 bits and are exact in float;
// only the final "- m1" (K-quants) or "+ m" (Q4_1, Q5_1) rounds. So any
// evaluation that keeps ggml's operations gives the same bits, fused
// multiply-add or not.
#pragma once

#include <cstdint>

#include "kernels/ggml/blocks.h"

namespace qkv {
namespace ggml {

using DequantizeRowFn = void (*)(const void* blocks, float* y, int64_t k);

void dequantize_row_f32(const void* blocks, float* y, int64_t k);
void dequantize_row_f16(const void* blocks, float* y, int64_t k);
void dequantize_row_bf16(const void* blocks, float* y, int64_t k);
void dequantize_row_q4_0(const void* blocks, float* y, int64_t k);
void dequantize_row_q4_1(const void* blocks, float* y, int64_t k);
void dequantize_row_q5_0(const void* blocks, float* y, int64_t k);
void dequantize_row_q5_1(const void* blocks, float* y, int64_t k);
void dequantize_row_q8_0(const void* blocks, float* y, int64_t k);
void dequantize_row_q4_K(const void* blocks, float* y, int64_t k);
void dequantize_row_q5_K(const void* blocks, float* y, int64_t k);
void dequantize_row_q6_K(const void* blocks, float* y, int64_t k);

// The dequantizer of a type (never null for the types of blocks.h).
DequantizeRowFn dequantize_row_fn(Type type);

// Sub-block j (0..7) of a Q4_K / Q5_K super-block: its 6-bit scale and min
// from the 12 packed bytes, as ggml's get_scale_min_k4. Bytes 0-3 hold scales
// 0-3 in their low 6 bits, bytes 4-7 mins 0-3; scales and mins 4-7 keep their
// low 4 bits in bytes 8-11 (scale low nibble, min high nibble) and their top
// 2 bits in the top bits of bytes 0-3 (scales) and 4-7 (mins).
inline void get_scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

}  // namespace ggml
}  // namespace qkv
