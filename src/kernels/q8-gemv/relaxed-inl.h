// One q8 row group against one activation row on the relaxed int8 dot
// product: group-inl.h's q8_group for relaxed-SIMD builds, shared by the
// relaxed q8 GEMV (q8-gemv/relaxed.cc) and GEMM (q8-gemm/relaxed.cc) so that
// prefill and decode give a token the same bits.
//
// x comes split by sign (q8_split_signs_row__relaxed in q8/quant.h): p and n
// in [0, 127], never with the top bit that would make
// i32x4.relaxed_dot_i8x16_i7x16_add engine-defined; the weights, any int8,
// are its other operand. Each block's int32 sums w · p - w · n are exact, so
// they equal the SIMD128 kernel's int8 x int16 sums, and the float steps after
// them are q8_group's, op for op and unfused (no relaxed_madd): the outputs
// are the SIMD128 flavour's bits.
#pragma once

#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

#include "kernels/common/f16x4-inl.h"
#include "kernels/gemm/packed_layout.h"

namespace qkv {
namespace q8_relaxed {
// Internal linkage: each kernel file compiles its own copy.
namespace {

static_assert(kQ8RowGroup == 4 && kQ8BlockSize == 32, "written for groups of 4 rows, blocks of 32");

// Bytes of one block of x split by sign: 32 p, then 32 n.
constexpr size_t kSplitBlock = 2 * kQ8BlockSize;

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
inline v128_t sum_each(v128_t a, v128_t b, v128_t c, v128_t e) {
  const v128_t ab =
      wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
  const v128_t ce =
      wasm_i32x4_add(wasm_i32x4_shuffle(c, e, 0, 2, 4, 6), wasm_i32x4_shuffle(c, e, 1, 3, 5, 7));
  // ab = a01 a23 b01 b23, ce = c01 c23 e01 e23
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, ce, 0, 2, 4, 6), wasm_i32x4_shuffle(ab, ce, 1, 3, 5, 7));
}

// One block of x by sign: p0 p1 n0 n1 (16 values each).
struct SplitBlock {
  v128_t p0, p1, n0, n1;
};
inline SplitBlock load_block(const int8_t* x) {
  return {wasm_v128_load(x), wasm_v128_load(x + 16), wasm_v128_load(x + 32), wasm_v128_load(x + 48)};
}

// One row's 32 weights · the block, in 4 lanes whose sum is the exact dot product.
inline v128_t row_block(const int8_t* w, const SplitBlock& x) {
  const v128_t zero = wasm_i32x4_const_splat(0);
  const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 16);
  const v128_t pos = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(
      w1, x.p1, wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w0, x.p0, zero));
  const v128_t neg = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(
      w1, x.n1, wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w0, x.n0, zero));
  return wasm_i32x4_sub(pos, neg);
}

// A block's 4 row scales as f32: q8's loaded, q8h's f16 converted (exact;
// group-inl.h's load_scales).
inline v128_t load_scales(const float* s) { return wasm_v128_load(s); }
inline v128_t load_scales(const uint16_t* s) { return f16x4::to_f32(s).raw; }

// facc + block sums * (weight scales * x's scale), as q8_group: a multiply,
// then an add, never fused.
template <class Scale>
inline v128_t scale_add(v128_t sums, const Scale* scales, float x_scale, v128_t facc) {
  const v128_t s = wasm_f32x4_mul(load_scales(scales), wasm_f32x4_splat(x_scale));
  return wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), s), facc);
}

// The 4 rows' sums for block b of the group (q, x: the group's and x's starts).
inline v128_t group_block(const int8_t* q, const int8_t* x, size_t b) {
  const int8_t* w = q + b * kQ8RowGroup * kQ8BlockSize;
  const SplitBlock xb = load_block(x + b * kSplitBlock);
  return sum_each(row_block(w, xb), row_block(w + kQ8BlockSize, xb), row_block(w + 2 * kQ8BlockSize, xb),
                  row_block(w + 3 * kQ8BlockSize, xb));
}

// The 4 rows' dot products with x (split by sign, kSplitBlock bytes per block).
// Four blocks per pass, their float steps still in block order: 1.09x the
// one-block loop on a 768x3072 GEMV, 1.15x on 1024x3072 (two row groups per
// pass, sharing x, ran 0.85x: two weight streams).
template <class Scale>
inline v128_t q8_group(size_t k, const int8_t* q, const Scale* scales, const int8_t* x,
                       const float* x_scales) {
  v128_t facc = wasm_f32x4_const_splat(0.0f);
  const size_t blocks = q8_blocks(k);
  size_t b = 0;
  for (; b + 4 <= blocks; b += 4) {
    const v128_t s0 = group_block(q, x, b), s1 = group_block(q, x, b + 1);
    const v128_t s2 = group_block(q, x, b + 2), s3 = group_block(q, x, b + 3);
    facc = scale_add(s0, scales + b * kQ8RowGroup, x_scales[b], facc);
    facc = scale_add(s1, scales + (b + 1) * kQ8RowGroup, x_scales[b + 1], facc);
    facc = scale_add(s2, scales + (b + 2) * kQ8RowGroup, x_scales[b + 2], facc);
    facc = scale_add(s3, scales + (b + 3) * kQ8RowGroup, x_scales[b + 3], facc);
  }
  for (; b < blocks; ++b) facc = scale_add(group_block(q, x, b), scales + b * kQ8RowGroup, x_scales[b], facc);
  return facc;
}

// y[j] = the group's row j · x + bias[j] for the `count` rows j < count that
// exist; bias may be null (group-inl.h's store_group).
inline void store_group(v128_t sums, size_t count, const float* bias, float* y) {
  alignas(16) float lanes[kQ8RowGroup];
  wasm_v128_store(lanes, sums);
  for (size_t j = 0; j < count; ++j) y[j] = lanes[j] + (bias ? bias[j] : 0.0f);
}

}  // namespace
}  // namespace q8_relaxed
}  // namespace qkv
#endif
