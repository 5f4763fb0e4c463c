// One q8k row group against one activation row on the relaxed int8 dot
// product: group-inl.h's q8k_group for relaxed-SIMD builds, shared by the
// relaxed q8k GEMV (q8k-gemv/relaxed.cc) and GEMM (q8k-gemm/relaxed.cc) so
// that prefill and decode give a token the same bits.
//
// The weights' bytes u = q + 32, in [0, 63], are the 7-bit operand of
// i32x4.relaxed_dot_i8x16_i7x16_add and x (q8 values, any int8 but -128) the
// signed one, so every engine computes the same exact int32 sums. In the
// weights' order (common/q8k.h) each 32-bit lane of the dot product holds 4
// values of one sub-block, [lo, hi, lo, hi]; each row's two sub-block sums
// less x's offsets are weighted by the sub-scales as in group-inl.h, so the
// integer parts are the SIMD128 kernel's, and the float steps after them
// are q8k_group's, op for op and unfused (no relaxed_madd): the outputs are
// the SIMD128 flavour's bits.
#pragma once

#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

#include "kernels/common/q8k.h"

namespace qkv {
namespace q8k_relaxed {
// Internal linkage: each kernel file compiles its own copy.
namespace {

static_assert(kQ8KRowGroup == 4 && kQ8KBlock == 32 && kQ8KSubBlock == 16, "written for 4 rows, blocks of 32");

// One row's 32 bytes u · x (x0, x1: the block's 32 ordered values): lanes
// [lo, hi, lo, hi], the low sub-block's u · x in lanes 0 and 2, the high
// one's in 1 and 3 (each 32-bit lane of the dot product sums 4 bytes, and u
// alternates 4 low values and 4 high).
inline v128_t row_block(const int8_t* w, v128_t x0, v128_t x1) {
  return wasm_i32x4_relaxed_dot_i8x16_i7x16_add(
      x1, wasm_v128_load(w + 16),
      wasm_i32x4_relaxed_dot_i8x16_i7x16_add(x0, wasm_v128_load(w), wasm_i32x4_const_splat(0)));
}

// [lo a, hi a, lo b, hi b] from two rows' row_block lanes.
inline v128_t pair_halves(v128_t a, v128_t b) {
  return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 1, 4, 5), wasm_i32x4_shuffle(a, b, 2, 3, 6, 7));
}

// [a0 + a1, a2 + a3, b0 + b1, b2 + b3].
inline v128_t add_pairs(v128_t a, v128_t b) {
  return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
}

// The 4 rows' exact integer parts of a block from their row_block lanes r
// (group-inl.h's combine_rows): sc the block's 8 sub-scale bytes, offsets
// 32 * x's two sub-block sums.
inline v128_t combine_rows(const v128_t* r, const int8_t* sc, const int32_t* offsets) {
  const v128_t off = wasm_v128_load64_splat(offsets);
  const v128_t sc16 = wasm_i16x8_load8x8(sc);
  const v128_t rows01 = wasm_i32x4_sub(pair_halves(r[0], r[1]), off);
  const v128_t rows23 = wasm_i32x4_sub(pair_halves(r[2], r[3]), off);
  return add_pairs(wasm_i32x4_mul(rows01, wasm_i32x4_extend_low_i16x8(sc16)),
                   wasm_i32x4_mul(rows23, wasm_i32x4_extend_high_i16x8(sc16)));
}

// The 4 rows' exact integer parts of block b (group-inl.h's group_block).
inline v128_t group_block(const int8_t* w, const int8_t* x, const int8_t* sc, const int32_t* offsets) {
  const v128_t x0 = wasm_v128_load(x), x1 = wasm_v128_load(x + 16);
  const v128_t r[kQ8KRowGroup] = {row_block(w, x0, x1), row_block(w + kQ8KBlock, x0, x1),
                                  row_block(w + 2 * kQ8KBlock, x0, x1), row_block(w + 3 * kQ8KBlock, x0, x1)};
  return combine_rows(r, sc, offsets);
}

// group-inl.h's block_add: acc + (t - u) (acc + t without mins), every
// operation separate.
inline v128_t block_add(v128_t a, const int8_t* g, size_t b, v128_t d, v128_t dmin, bool mins, float x_scale,
                        float x_sum, v128_t acc) {
  const v128_t t = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(a), wasm_f32x4_mul(d, wasm_f32x4_splat(x_scale)));
  if (!mins) return wasm_f32x4_add(acc, t);
  const v128_t mn = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(
      wasm_i16x8_extend_low_i8x16(wasm_v128_load32_zero(g + kQ8KGroupMnOffset + b * kQ8KRowGroup))));
  const v128_t u = wasm_f32x4_mul(wasm_f32x4_mul(dmin, mn), wasm_f32x4_splat(x_sum));
  return wasm_f32x4_add(acc, wasm_f32x4_sub(t, u));
}

// The 4 rows' dot products with x (q8k_order_x's form).
inline v128_t q8k_group(size_t k, const int8_t* g, const float* gs, const int8_t* x, const int32_t* x_offsets,
                        const float* x_scales, const float* x_sums) {
  v128_t facc = wasm_f32x4_const_splat(0.0f);
  for (size_t s = 0; s < q8k_supers(k); ++s, g += kQ8KGroupBytes, gs += kQ8KGroupFloats) {
    const v128_t d = wasm_v128_load(gs), dmin = wasm_v128_load(gs + kQ8KRowGroup);
    const bool mins = !wasm_i32x4_all_true(wasm_f32x4_eq(dmin, wasm_f32x4_const_splat(0.0f)));
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      const size_t xb = s * (kQ8KSuperBlock / kQ8KBlock) + b;
      const v128_t a = group_block(g + b * kQ8KRowGroup * kQ8KBlock, x + xb * kQ8KBlock,
                                   g + kQ8KGroupScOffset + b * kQ8KGroupScBlock, x_offsets + 2 * xb);
      facc = block_add(a, g, b, d, dmin, mins, x_scales[xb], x_sums[xb], facc);
    }
  }
  return facc;
}

// y[j] = the group's row j · x + bias[j] for the `count` rows j < count that
// exist; bias may be null (group-inl.h's store_group).
inline void store_group(v128_t sums, size_t count, const float* bias, float* y) {
  alignas(16) float lanes[kQ8KRowGroup];
  wasm_v128_store(lanes, sums);
  for (size_t j = 0; j < count; ++j) y[j] = lanes[j] + (bias ? bias[j] : 0.0f);
}

}  // namespace
}  // namespace q8k_relaxed
}  // namespace qkv
#endif
