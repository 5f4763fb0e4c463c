// ggml blocks of 32 whose values are d * (small integer) -> qkv q8 rows
// (kernels/common/q8.h), exactly: block b of the row gets scale = d as f32
// (f16 -> f32 is exact) and q = the block's integers, so q8_to_f32 of the
// result gives ggml's dequantize_row_* bits (both compute float(q) * d, one
// exact product), and the q8 kernels see ggml's weights, not a re-quantization.
//   Q8_0: q = qs (int8)        Q5_0: q = q5 - 16 in [-16, 15]        Q4_0: q = q4 - 8 in [-8, 7]
// Q8_0 may hold -128, which qkv's own quantizer never writes (q8.h keeps
// [-127, 127]). It is copied as is: the q8 kernels accept any int8 weight
// (int8 x int16 products in SIMD128; in relaxed SIMD the weight is the
// signed operand of the int8 dot product, whose 7-bit operand is always the
// activation), so the values stay exact; the count is returned so a loader
// can report or refuse such tensors. Q4_0 in q8 costs 1.125 bytes per weight
// against Q4_0's 0.5625: a stopgap until qkv's q4 layout reads Q4_0 directly.
//
// k: the row's values, a multiple of 32 (whole blocks). q receives k int8
// values (q8_padded(k) == k), scales k / 32 floats.
//
// The *_to_q8h_row forms give the same values with each block's d kept as
// the f16 it is (its bits), for q8h (common/q8.h): Q8_0 at its own size.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {
namespace ggml {

// Returns how many of the k values are -128.
size_t q8_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales);
void q5_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales);
void q4_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales);
size_t q8_0_to_q8h_row(const void* blocks, int64_t k, int8_t* q, uint16_t* scales);
void q5_0_to_q8h_row(const void* blocks, int64_t k, int8_t* q, uint16_t* scales);
void q4_0_to_q8h_row(const void* blocks, int64_t k, int8_t* q, uint16_t* scales);

// The types q8 cannot hold exactly, in the int8 forms docs/GGML_QUANTS.md
// proposes for them, as rows of fields (no kernel reads these yet):
//
// q8 with an offset, blocks of 32: value = float(d * q) + m, q in [0, 31]
// (k values of q, k / 32 of d and of m). Q5_1: d, m as stored. Q5_K: each
// sub-block of 32 with d = d * sc_j, m = -(dmin * m_j). ggml's bits.
void q5_1_to_q8_offset_row(const void* blocks, int64_t k, int8_t* q, float* d, float* m);
void q5_K_to_q8_offset_row(const void* blocks, int64_t k, int8_t* q, float* d, float* m);
// q8 in blocks of 16: value = scales[i / 16] * q[i], q = q6 - 32 in
// [-32, 31], scale = d * sc_j (exact in f32); k values, k / 16 scales.
// ggml's bits.
void q6_K_to_q8_16_row(const void* blocks, int64_t k, int8_t* q, float* scales);

}  // namespace ggml
}  // namespace qkv
