// One q8 row group against one q8-quantized activation row, shared by the
// q8 GEMV (q8-gemv/simd.cc) and the q8 GEMM (q8-gemm/simd.cc): both compute
// every output with this same arithmetic, so a token's logits are the same
// bits whether it is decoded alone or prefilled with others.
#pragma once

#include <hwy/highway.h>

#include "kernels/common/f16x4-inl.h"
#include "kernels/gemm/packed_layout.h"

namespace qkv {
namespace q8_simd {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using D4 = hn::FixedTag<float, 4>;

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
template <class D>
HWY_INLINE hn::Vec<D> sum_each(D d, hn::Vec<D> a, hn::Vec<D> b, hn::Vec<D> c, hn::Vec<D> e) {
  const auto ab = hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b));  // a02 b02 a13 b13
  const auto ce = hn::Add(hn::InterleaveLower(d, c, e), hn::InterleaveUpper(d, c, e));  // c02 e02 c13 e13
  return hn::Add(hn::ConcatLowerLower(d, ce, ab), hn::ConcatUpperUpper(d, ce, ab));
}

// A block's 4 row scales as f32: q8's loaded, q8h's f16 converted (exact;
// common/q8.h). The only step where the two scale types differ.
HWY_INLINE hn::Vec<D4> load_scales(const float* s) { return hn::LoadU(D4(), s); }
HWY_INLINE hn::Vec<D4> load_scales(const uint16_t* s) { return f16x4::to_f32(s); }

// The 4 rows' dot products with x: one q8 row group (kQ8RowGroup = 4 rows,
// grouped layout of packed_layout.h) against int16-widened q8 x. Per block,
// each load of x serves the 4 rows; int8·int16 pair dot products accumulate
// in int32 (exact), the 4 rows' sums are transposed into one vector and
// scaled by their block scales times x's, accumulating in float block by
// block. The group's blocks are one sequential stream: four row-major rows
// per pass, sharing x the same way, ran 2.6x slower on the DRAM-bound
// 768x50257 GEMV (four streams), and one row per pass 1.3x slower than this.
template <class Scale>
HWY_INLINE hn::Vec<D4> q8_group(size_t k, const int8_t* q, const Scale* scales, const int16_t* xq,
                                const float* x_scales) {
  static_assert(kQ8RowGroup == 4 && kQ8BlockSize == 32, "written for groups of 4 rows, blocks of 32");
  const D4 df;
  const hn::FixedTag<int32_t, 4> d32;
  const hn::FixedTag<int16_t, 8> d16;
  const hn::FixedTag<int8_t, 8> d8;
  auto facc = hn::Zero(df);
  for (size_t b = 0; b < q8_blocks(k); ++b, q += kQ8RowGroup * kQ8BlockSize, scales += kQ8RowGroup) {
    const int16_t* xb = xq + b * kQ8BlockSize;
    const auto x0 = hn::LoadU(d16, xb), x1 = hn::LoadU(d16, xb + 8);
    const auto x2 = hn::LoadU(d16, xb + 16), x3 = hn::LoadU(d16, xb + 24);
    hn::Vec<decltype(d32)> row_sums[kQ8RowGroup];
    for (size_t r = 0; r < kQ8RowGroup; ++r) {
      const int8_t* w = q + r * kQ8BlockSize;
      auto odd = hn::Zero(d32);
      auto acc =
          hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w)), x0, hn::Zero(d32), odd);
      acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w + 8)), x1, acc, odd);
      acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w + 16)), x2, acc, odd);
      acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w + 24)), x3, acc, odd);
      row_sums[r] = hn::Add(acc, odd);
    }
    const auto block = hn::ConvertTo(df, sum_each(d32, row_sums[0], row_sums[1], row_sums[2], row_sums[3]));
    facc = hn::MulAdd(block, hn::Mul(load_scales(scales), hn::Set(df, x_scales[b])), facc);
  }
  return facc;
}

// q8_group for two activation rows at once (the GEMM's): each widened load of
// the weights serves both rows; each row's arithmetic is q8_group's, op for op,
// so its result has the same bits.
template <class Scale>
HWY_INLINE void q8_group_x2(size_t k, const int8_t* q, const Scale* scales, const int16_t* xa,
                            const float* xa_scales, const int16_t* xb, const float* xb_scales,
                            hn::Vec<D4>* out_a, hn::Vec<D4>* out_b) {
  const D4 df;
  const hn::FixedTag<int32_t, 4> d32;
  const hn::FixedTag<int16_t, 8> d16;
  const hn::FixedTag<int8_t, 8> d8;
  auto facc_a = hn::Zero(df), facc_b = hn::Zero(df);
  for (size_t b = 0; b < q8_blocks(k); ++b, q += kQ8RowGroup * kQ8BlockSize, scales += kQ8RowGroup) {
    const size_t at = b * kQ8BlockSize;
    const auto a0 = hn::LoadU(d16, xa + at), a1 = hn::LoadU(d16, xa + at + 8);
    const auto a2 = hn::LoadU(d16, xa + at + 16), a3 = hn::LoadU(d16, xa + at + 24);
    const auto b0 = hn::LoadU(d16, xb + at), b1 = hn::LoadU(d16, xb + at + 8);
    const auto b2 = hn::LoadU(d16, xb + at + 16), b3 = hn::LoadU(d16, xb + at + 24);
    hn::Vec<decltype(d32)> sums_a[kQ8RowGroup], sums_b[kQ8RowGroup];
    for (size_t r = 0; r < kQ8RowGroup; ++r) {
      const int8_t* w = q + r * kQ8BlockSize;
      const auto w0 = hn::PromoteTo(d16, hn::LoadU(d8, w)), w1 = hn::PromoteTo(d16, hn::LoadU(d8, w + 8));
      const auto w2 = hn::PromoteTo(d16, hn::LoadU(d8, w + 16)),
                 w3 = hn::PromoteTo(d16, hn::LoadU(d8, w + 24));
      auto odd_a = hn::Zero(d32), odd_b = hn::Zero(d32);
      auto acc_a = hn::ReorderWidenMulAccumulate(d32, w0, a0, hn::Zero(d32), odd_a);
      auto acc_b = hn::ReorderWidenMulAccumulate(d32, w0, b0, hn::Zero(d32), odd_b);
      acc_a = hn::ReorderWidenMulAccumulate(d32, w1, a1, acc_a, odd_a);
      acc_b = hn::ReorderWidenMulAccumulate(d32, w1, b1, acc_b, odd_b);
      acc_a = hn::ReorderWidenMulAccumulate(d32, w2, a2, acc_a, odd_a);
      acc_b = hn::ReorderWidenMulAccumulate(d32, w2, b2, acc_b, odd_b);
      acc_a = hn::ReorderWidenMulAccumulate(d32, w3, a3, acc_a, odd_a);
      acc_b = hn::ReorderWidenMulAccumulate(d32, w3, b3, acc_b, odd_b);
      sums_a[r] = hn::Add(acc_a, odd_a);
      sums_b[r] = hn::Add(acc_b, odd_b);
    }
    const auto w_scales = load_scales(scales);
    const auto block_a = hn::ConvertTo(df, sum_each(d32, sums_a[0], sums_a[1], sums_a[2], sums_a[3]));
    const auto block_b = hn::ConvertTo(df, sum_each(d32, sums_b[0], sums_b[1], sums_b[2], sums_b[3]));
    facc_a = hn::MulAdd(block_a, hn::Mul(w_scales, hn::Set(df, xa_scales[b])), facc_a);
    facc_b = hn::MulAdd(block_b, hn::Mul(w_scales, hn::Set(df, xb_scales[b])), facc_b);
  }
  *out_a = facc_a;
  *out_b = facc_b;
}

// y[j] = the group's row j · x + bias[j] for the `count` rows j < count that
// exist (the last group of a matrix may hold padding rows); bias may be null.
HWY_INLINE void store_group(hn::Vec<D4> sums, size_t count, const float* bias, float* y) {
  HWY_ALIGN float lanes[kQ8RowGroup];
  hn::Store(sums, D4(), lanes);
  for (size_t j = 0; j < count; ++j) y[j] = lanes[j] + (bias ? bias[j] : 0.0f);
}

}  // namespace
}  // namespace q8_simd
}  // namespace qkv
