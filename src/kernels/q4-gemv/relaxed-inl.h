// One q4 row group against one q8 activation row on the relaxed int8 dot
// product: group-inl.h's q4_group for relaxed-SIMD builds, shared by the
// relaxed q4 GEMV (q4-gemv/relaxed.cc) and GEMM (q4-gemm/relaxed.cc) so that
// prefill and decode give a token the same bits.
//
// i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, c) adds to each lane of c the sum
// of 4 products a[i] * b[i]. Its first operand a may be any int8; the second,
// b, gives engine-independent results only while every byte of it is in
// [0, 127] (top bit clear): x86 engines lower it to pmaddubsw / vpdpbusd,
// which read b as unsigned and a as signed, ARM ones to sdot, which reads both
// as signed, and the two readings of b agree only below 128. (pmaddubsw's
// int16 saturation needs |a·b + a'·b'| > 32767, impossible with b <= 127.)
// So the q4 values, 0..15, go second and x, the q8 values in [-127, 127],
// first: x is used as the quantizer wrote it, with no split by sign (the q8
// kernels' weights can be any int8 and must go first, so their x is split).
// Each block's int32 sums are exact, so they equal the SIMD128 kernel's, and
// the float steps after them are q4_group's, op for op and unfused (no
// relaxed_madd): the outputs are the SIMD128 flavour's bits.
#pragma once

#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/packed_layout.h"

namespace qkv {
namespace q4_relaxed {
// Internal linkage: each kernel file compiles its own copy.
namespace {

static_assert(kQ4RowGroup == 4 && kQ4BlockSize == 32, "written for groups of 4 rows, blocks of 32");

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
inline v128_t sum_each(v128_t a, v128_t b, v128_t c, v128_t e) {
  const v128_t ab =
      wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
  const v128_t ce =
      wasm_i32x4_add(wasm_i32x4_shuffle(c, e, 0, 2, 4, 6), wasm_i32x4_shuffle(c, e, 1, 3, 5, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, ce, 0, 2, 4, 6), wasm_i32x4_shuffle(ab, ce, 1, 3, 5, 7));
}

// One row's block · x's block (x0: values 0..15, x1: 16..31), in 4 lanes whose
// sum is the exact dot product: low nibbles are values 0..15, high ones 16..31.
inline v128_t row_block(const uint8_t* w, v128_t x0, v128_t x1) {
  const v128_t v = wasm_v128_load(w);
  const v128_t mask = wasm_i8x16_const_splat(0x0f);
  const v128_t lo = wasm_v128_and(v, mask);
  // A 16-bit shift and a mask: x86 has no 8-bit shift.
  const v128_t hi = wasm_v128_and(wasm_u16x8_shr(v, 4), mask);
  return wasm_i32x4_relaxed_dot_i8x16_i7x16_add(
      x1, hi, wasm_i32x4_relaxed_dot_i8x16_i7x16_add(x0, lo, wasm_i32x4_const_splat(0)));
}

// acc + (dot * (d * x_scale) + m * x_sum), as group-inl.h's scale_add: every
// multiply and add separate, never fused (d, m: the 4 rows' d and m).
inline v128_t scale_add(v128_t sums, v128_t d, v128_t m, float x_scale, float x_sum, v128_t acc) {
  const v128_t t =
      wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), wasm_f32x4_mul(d, wasm_f32x4_splat(x_scale)));
  const v128_t u = wasm_f32x4_mul(m, wasm_f32x4_splat(x_sum));
  return wasm_f32x4_add(acc, wasm_f32x4_add(t, u));
}

// A block's d and m for the 4 rows, where they come from q4's `scales`.
struct Q4Scales {
  const float* scales;
  v128_t d(size_t b) const { return wasm_v128_load(scales + 2 * kQ4RowGroup * b); }
  v128_t m(size_t b) const { return wasm_v128_load(scales + 2 * kQ4RowGroup * b + kQ4RowGroup); }
};

// The 4 rows' sums for block b of the group (q, x: the group's and x's starts).
inline v128_t group_block(const uint8_t* q, const int8_t* x, size_t b) {
  const uint8_t* w = q + b * kQ4RowGroup * kQ4BlockBytes;
  const v128_t x0 = wasm_v128_load(x + b * kQ4BlockSize), x1 = wasm_v128_load(x + b * kQ4BlockSize + 16);
  return sum_each(row_block(w, x0, x1), row_block(w + kQ4BlockBytes, x0, x1),
                  row_block(w + 2 * kQ4BlockBytes, x0, x1), row_block(w + 3 * kQ4BlockBytes, x0, x1));
}

// The 4 rows' dot products with x (int8 q8 values). Four blocks per pass,
// their float steps still in block order (as the relaxed q8 kernel does).
// (q4_group_blocks: `blocks` blocks from q, x, x_scales and x_sums on, from
// facc, block b's d and m from scales.d(b) and .m(b): the q4k GEMV runs it a
// super-block at a time on d and m it forms in registers.)
template <class Scales>
inline v128_t q4_group_blocks(size_t blocks, const uint8_t* q, const Scales& scales, const int8_t* x,
                              const float* x_scales, const float* x_sums, v128_t facc) {
  size_t b = 0;
  for (; b + 4 <= blocks; b += 4) {
    const v128_t s0 = group_block(q, x, b), s1 = group_block(q, x, b + 1);
    const v128_t s2 = group_block(q, x, b + 2), s3 = group_block(q, x, b + 3);
    facc = scale_add(s0, scales.d(b), scales.m(b), x_scales[b], x_sums[b], facc);
    facc = scale_add(s1, scales.d(b + 1), scales.m(b + 1), x_scales[b + 1], x_sums[b + 1], facc);
    facc = scale_add(s2, scales.d(b + 2), scales.m(b + 2), x_scales[b + 2], x_sums[b + 2], facc);
    facc = scale_add(s3, scales.d(b + 3), scales.m(b + 3), x_scales[b + 3], x_sums[b + 3], facc);
  }
  for (; b < blocks; ++b) {
    facc = scale_add(group_block(q, x, b), scales.d(b), scales.m(b), x_scales[b], x_sums[b], facc);
  }
  return facc;
}
inline v128_t q4_group(size_t k, const uint8_t* q, const float* scales, const int8_t* x,
                       const float* x_scales, const float* x_sums) {
  return q4_group_blocks(q4_blocks(k), q, Q4Scales{scales}, x, x_scales, x_sums,
                         wasm_f32x4_const_splat(0.0f));
}

// y[j] = the group's row j · x + bias[j] for the `count` rows j < count that
// exist; bias may be null (group-inl.h's store_group).
inline void store_group(v128_t sums, size_t count, const float* bias, float* y) {
  alignas(16) float lanes[kQ4RowGroup];
  wasm_v128_store(lanes, sums);
  for (size_t j = 0; j < count; ++j) y[j] = lanes[j] + (bias ? bias[j] : 0.0f);
}

}  // namespace
}  // namespace q4_relaxed
}  // namespace qkv
#endif
