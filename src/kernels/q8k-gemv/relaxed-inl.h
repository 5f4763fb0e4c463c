// One q8k row group against one q8 activation row on the relaxed int8 dot
// product: group-inl.h's q8k_group for relaxed-SIMD builds, shared by the
// relaxed q8k GEMV (q8k-gemv/relaxed.cc) and GEMM (q8k-gemm/relaxed.cc) so
// that prefill and decode give a token the same bits.
//
// As in the relaxed q8 kernels (q8-gemv/relaxed-inl.h), the weights, any
// int8, are the signed operand of i32x4.relaxed_dot_i8x16_i7x16_add and x
// comes split by sign (p and n in [0, 127]), so every engine computes the
// same exact int32 sums w · p - w · n: the SIMD128 kernel's. The float steps
// after them are q8k_group's, op for op and unfused (no relaxed_madd): the
// outputs are the SIMD128 flavour's bits.
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

// Bytes of one block of x split by sign: 32 p, then 32 n.
constexpr size_t kSplitBlock = 2 * kQ8KBlock;

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
inline v128_t sum_each(v128_t a, v128_t b, v128_t c, v128_t e) {
  const v128_t ab =
      wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
  const v128_t ce =
      wasm_i32x4_add(wasm_i32x4_shuffle(c, e, 0, 2, 4, 6), wasm_i32x4_shuffle(c, e, 1, 3, 5, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, ce, 0, 2, 4, 6), wasm_i32x4_shuffle(ab, ce, 1, 3, 5, 7));
}

// 16 weights · 16 x values split by sign, in 4 lanes whose sum is exact.
inline v128_t dot16(const int8_t* w, v128_t p, v128_t n) {
  const v128_t zero = wasm_i32x4_const_splat(0);
  const v128_t v = wasm_v128_load(w);
  return wasm_i32x4_sub(wasm_i32x4_relaxed_dot_i8x16_i7x16_add(v, p, zero),
                        wasm_i32x4_relaxed_dot_i8x16_i7x16_add(v, n, zero));
}

// The 4 rows' int8 bytes at p (sub-scales or mins) as int32 lanes.
inline v128_t row_bytes(const int8_t* p) {
  return wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(wasm_v128_load32_zero(p)));
}

// group-inl.h's block_add: acc + (t - u) (acc + t without mins), every
// operation separate.
inline v128_t block_add(v128_t lo, v128_t hi, const int8_t* g, size_t b, v128_t d, v128_t dmin, bool mins,
                        float x_scale, float x_sum, v128_t acc) {
  const int8_t* sc = g + kQ8KGroupScOffset + 2 * b * kQ8KRowGroup;
  const v128_t a =
      wasm_i32x4_add(wasm_i32x4_mul(lo, row_bytes(sc)), wasm_i32x4_mul(hi, row_bytes(sc + kQ8KRowGroup)));
  const v128_t t = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(a), wasm_f32x4_mul(d, wasm_f32x4_splat(x_scale)));
  if (!mins) return wasm_f32x4_add(acc, t);
  const v128_t mn = wasm_f32x4_convert_i32x4(row_bytes(g + kQ8KGroupMnOffset + b * kQ8KRowGroup));
  const v128_t u = wasm_f32x4_mul(wasm_f32x4_mul(dmin, mn), wasm_f32x4_splat(x_sum));
  return wasm_f32x4_add(acc, wasm_f32x4_sub(t, u));
}

// The 4 rows' dot products with x (split by sign, kSplitBlock bytes per block).
inline v128_t q8k_group(size_t k, const int8_t* g, const float* gs, const int8_t* x_pn, const float* x_scales,
                        const float* x_sums) {
  v128_t facc = wasm_f32x4_const_splat(0.0f);
  for (size_t s = 0; s < q8k_supers(k); ++s, g += kQ8KGroupBytes, gs += kQ8KGroupFloats) {
    const v128_t d = wasm_v128_load(gs), dmin = wasm_v128_load(gs + kQ8KRowGroup);
    const bool mins = !wasm_i32x4_all_true(wasm_f32x4_eq(dmin, wasm_f32x4_const_splat(0.0f)));
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      const size_t xb = s * (kQ8KSuperBlock / kQ8KBlock) + b;
      const int8_t* x = x_pn + xb * kSplitBlock;
      const v128_t p0 = wasm_v128_load(x), p1 = wasm_v128_load(x + 16);
      const v128_t n0 = wasm_v128_load(x + 32), n1 = wasm_v128_load(x + 48);
      const int8_t* w = g + b * kQ8KRowGroup * kQ8KBlock;
      const v128_t lo = sum_each(dot16(w, p0, n0), dot16(w + kQ8KBlock, p0, n0),
                                 dot16(w + 2 * kQ8KBlock, p0, n0), dot16(w + 3 * kQ8KBlock, p0, n0));
      const v128_t hi =
          sum_each(dot16(w + 16, p1, n1), dot16(w + kQ8KBlock + 16, p1, n1),
                   dot16(w + 2 * kQ8KBlock + 16, p1, n1), dot16(w + 3 * kQ8KBlock + 16, p1, n1));
      facc = block_add(lo, hi, g, b, d, dmin, mins, x_scales[xb], x_sums[xb], facc);
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
