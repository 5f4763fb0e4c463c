// One q8k row group against one q8-quantized activation row (int16-widened),
// shared by the q8k GEMV (q8k-gemv/simd.cc) and GEMM (q8k-gemm/simd.cc): both
// compute every output with this same arithmetic, so a token's outputs are
// the same bits whether it is decoded alone or prefilled with others.
#pragma once

#include <hwy/highway.h>

#include "kernels/common/q8k.h"

namespace qkv {
namespace q8k_simd {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using D4 = hn::FixedTag<float, 4>;
using D32 = hn::FixedTag<int32_t, 4>;
using D16 = hn::FixedTag<int16_t, 8>;
using D8 = hn::FixedTag<int8_t, 8>;
using D8x4 = hn::FixedTag<int8_t, 4>;

static_assert(kQ8KRowGroup == 4 && kQ8KBlock == 32 && kQ8KSubBlock == 16, "written for 4 rows, blocks of 32");

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
HWY_INLINE hn::Vec<D32> sum_each(hn::Vec<D32> a, hn::Vec<D32> b, hn::Vec<D32> c, hn::Vec<D32> e) {
  const D32 d;
  const auto ab = hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b));
  const auto ce = hn::Add(hn::InterleaveLower(d, c, e), hn::InterleaveUpper(d, c, e));
  return hn::Add(hn::ConcatLowerLower(d, ce, ab), hn::ConcatUpperUpper(d, ce, ab));
}

// 16 int8 weights · 16 int16 x, in 4 int32 lanes whose sum is exact.
HWY_INLINE hn::Vec<D32> dot16(const int8_t* w, hn::Vec<D16> x0, hn::Vec<D16> x1) {
  const D32 d32;
  const D16 d16;
  const D8 d8;
  auto odd = hn::Zero(d32);
  auto acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w)), x0, hn::Zero(d32), odd);
  acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w + 8)), x1, acc, odd);
  return hn::Add(acc, odd);
}

// The 4 rows' int8 bytes at p (mins) as int32 lanes.
HWY_INLINE hn::Vec<D32> row_bytes(const int8_t* p) { return hn::PromoteTo(D32(), hn::LoadU(D8x4(), p)); }

// The float steps of gemv.h for one block of the 4 rows: acc + (t - u), or
// acc + t when the super-block has no mins (`mins` false: every row's dmin is 0). The
// block's 8 sub-scales (its two halves' 4 rows) come in one 8-byte load.
HWY_INLINE hn::Vec<D4> block_add(hn::Vec<D32> lo, hn::Vec<D32> hi, const int8_t* g, size_t b, hn::Vec<D4> d,
                                 hn::Vec<D4> dmin, bool mins, float x_scale, float x_sum, hn::Vec<D4> acc) {
  const D4 df;
  const D32 d32;
  const auto sc = hn::PromoteTo(D16(), hn::LoadU(D8(), g + kQ8KGroupScOffset + 2 * b * kQ8KRowGroup));
  const auto a = hn::Add(hn::Mul(lo, hn::PromoteTo(d32, hn::LowerHalf(sc))),
                         hn::Mul(hi, hn::PromoteTo(d32, hn::UpperHalf(hn::Half<D16>(), sc))));
  const auto t = hn::Mul(hn::ConvertTo(df, a), hn::Mul(d, hn::Set(df, x_scale)));
  if (!mins) return hn::Add(acc, t);
  const auto mn = hn::ConvertTo(df, row_bytes(g + kQ8KGroupMnOffset + b * kQ8KRowGroup));
  const auto u = hn::Mul(hn::Mul(dmin, mn), hn::Set(df, x_sum));
  return hn::Add(acc, hn::Sub(t, u));
}

// The 4 rows' dot products with x: one q8k row group (layout of common/q8k.h)
// against int16 q8 x. Per block, each load of x serves the 4 rows; each
// row's two sub-block sums are transposed into one vector per half, weighted
// by the sub-scales in int32 and scaled in float, block by block.
HWY_INLINE hn::Vec<D4> q8k_group(size_t k, const int8_t* g, const float* gs, const int16_t* xq,
                                 const float* x_scales, const float* x_sums) {
  const D4 df;
  const D16 d16;
  auto facc = hn::Zero(df);
  for (size_t s = 0; s < q8k_supers(k); ++s, g += kQ8KGroupBytes, gs += kQ8KGroupFloats) {
    const auto d = hn::LoadU(df, gs), dmin = hn::LoadU(df, gs + kQ8KRowGroup);
    const bool mins = !hn::AllTrue(df, hn::Eq(dmin, hn::Zero(df)));
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      const size_t xb = s * (kQ8KSuperBlock / kQ8KBlock) + b;
      const int16_t* x = xq + xb * kQ8KBlock;
      const auto x0 = hn::LoadU(d16, x), x1 = hn::LoadU(d16, x + 8);
      const auto x2 = hn::LoadU(d16, x + 16), x3 = hn::LoadU(d16, x + 24);
      const int8_t* w = g + b * kQ8KRowGroup * kQ8KBlock;
      const auto lo = sum_each(dot16(w, x0, x1), dot16(w + kQ8KBlock, x0, x1),
                               dot16(w + 2 * kQ8KBlock, x0, x1), dot16(w + 3 * kQ8KBlock, x0, x1));
      const auto hi = sum_each(dot16(w + 16, x2, x3), dot16(w + kQ8KBlock + 16, x2, x3),
                               dot16(w + 2 * kQ8KBlock + 16, x2, x3), dot16(w + 3 * kQ8KBlock + 16, x2, x3));
      facc = block_add(lo, hi, g, b, d, dmin, mins, x_scales[xb], x_sums[xb], facc);
    }
  }
  return facc;
}

// q8k_group for two activation rows at once (the GEMM's): each widened load
// of the weights serves both rows; each row's arithmetic is q8k_group's, op
// for op, so its result has the same bits.
HWY_INLINE void q8k_group_x2(size_t k, const int8_t* g, const float* gs, const int16_t* xa,
                             const float* xa_scales, const float* xa_sums, const int16_t* xb,
                             const float* xb_scales, const float* xb_sums, hn::Vec<D4>* out_a,
                             hn::Vec<D4>* out_b) {
  const D4 df;
  const D16 d16;
  const D32 d32;
  const D8 d8;
  auto facc_a = hn::Zero(df), facc_b = hn::Zero(df);
  for (size_t s = 0; s < q8k_supers(k); ++s, g += kQ8KGroupBytes, gs += kQ8KGroupFloats) {
    const auto d = hn::LoadU(df, gs), dmin = hn::LoadU(df, gs + kQ8KRowGroup);
    const bool mins = !hn::AllTrue(df, hn::Eq(dmin, hn::Zero(df)));
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      const size_t xi = s * (kQ8KSuperBlock / kQ8KBlock) + b, at = xi * kQ8KBlock;
      const auto a0 = hn::LoadU(d16, xa + at), a1 = hn::LoadU(d16, xa + at + 8);
      const auto a2 = hn::LoadU(d16, xa + at + 16), a3 = hn::LoadU(d16, xa + at + 24);
      const auto b0 = hn::LoadU(d16, xb + at), b1 = hn::LoadU(d16, xb + at + 8);
      const auto b2 = hn::LoadU(d16, xb + at + 16), b3 = hn::LoadU(d16, xb + at + 24);
      hn::Vec<D32> lo_a[kQ8KRowGroup], hi_a[kQ8KRowGroup], lo_b[kQ8KRowGroup], hi_b[kQ8KRowGroup];
      for (size_t r = 0; r < kQ8KRowGroup; ++r) {
        const int8_t* w = g + (b * kQ8KRowGroup + r) * kQ8KBlock;
        const auto w0 = hn::PromoteTo(d16, hn::LoadU(d8, w)), w1 = hn::PromoteTo(d16, hn::LoadU(d8, w + 8));
        const auto w2 = hn::PromoteTo(d16, hn::LoadU(d8, w + 16)),
                   w3 = hn::PromoteTo(d16, hn::LoadU(d8, w + 24));
        auto o0 = hn::Zero(d32), o1 = hn::Zero(d32), o2 = hn::Zero(d32), o3 = hn::Zero(d32);
        auto la = hn::ReorderWidenMulAccumulate(d32, w0, a0, hn::Zero(d32), o0);
        auto ha = hn::ReorderWidenMulAccumulate(d32, w2, a2, hn::Zero(d32), o1);
        auto lb = hn::ReorderWidenMulAccumulate(d32, w0, b0, hn::Zero(d32), o2);
        auto hb = hn::ReorderWidenMulAccumulate(d32, w2, b2, hn::Zero(d32), o3);
        la = hn::ReorderWidenMulAccumulate(d32, w1, a1, la, o0);
        ha = hn::ReorderWidenMulAccumulate(d32, w3, a3, ha, o1);
        lb = hn::ReorderWidenMulAccumulate(d32, w1, b1, lb, o2);
        hb = hn::ReorderWidenMulAccumulate(d32, w3, b3, hb, o3);
        lo_a[r] = hn::Add(la, o0);
        hi_a[r] = hn::Add(ha, o1);
        lo_b[r] = hn::Add(lb, o2);
        hi_b[r] = hn::Add(hb, o3);
      }
      facc_a = block_add(sum_each(lo_a[0], lo_a[1], lo_a[2], lo_a[3]),
                         sum_each(hi_a[0], hi_a[1], hi_a[2], hi_a[3]), g, b, d, dmin, mins, xa_scales[xi],
                         xa_sums[xi], facc_a);
      facc_b = block_add(sum_each(lo_b[0], lo_b[1], lo_b[2], lo_b[3]),
                         sum_each(hi_b[0], hi_b[1], hi_b[2], hi_b[3]), g, b, d, dmin, mins, xb_scales[xi],
                         xb_sums[xi], facc_b);
    }
  }
  *out_a = facc_a;
  *out_b = facc_b;
}

// y[j] = the group's row j · x + bias[j] for the `count` rows j < count that
// exist (the last group of a matrix may hold padding rows); bias may be null.
HWY_INLINE void store_group(hn::Vec<D4> sums, size_t count, const float* bias, float* y) {
  HWY_ALIGN float lanes[kQ8KRowGroup];
  hn::Store(sums, D4(), lanes);
  for (size_t j = 0; j < count; ++j) y[j] = lanes[j] + (bias ? bias[j] : 0.0f);
}

}  // namespace
}  // namespace q8k_simd
}  // namespace qkv
