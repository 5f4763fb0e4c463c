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

// The 4 rows' int8 bytes at p (sub-scales or mins) as int32 lanes.
HWY_INLINE hn::Vec<D32> row_bytes(const int8_t* p) { return hn::PromoteTo(D32(), hn::LoadU(D8x4(), p)); }

// The float steps of gemv.h for one block of the 4 rows: acc + (t - u).
HWY_INLINE hn::Vec<D4> block_add(hn::Vec<D32> lo, hn::Vec<D32> hi, const int8_t* g, size_t b, hn::Vec<D4> d,
                                 hn::Vec<D4> dmin, float x_scale, float x_sum, hn::Vec<D4> acc) {
  const D4 df;
  const int8_t* sc = g + kQ8KGroupScOffset + 2 * b * kQ8KRowGroup;
  const auto a = hn::Add(hn::Mul(lo, row_bytes(sc)), hn::Mul(hi, row_bytes(sc + kQ8KRowGroup)));
  const auto mn = hn::ConvertTo(df, row_bytes(g + kQ8KGroupMnOffset + b * kQ8KRowGroup));
  const auto t = hn::Mul(hn::ConvertTo(df, a), hn::Mul(d, hn::Set(df, x_scale)));
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
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      const size_t xb = s * (kQ8KSuperBlock / kQ8KBlock) + b;
      const int16_t* x = xq + xb * kQ8KBlock;
      const auto x0 = hn::LoadU(d16, x), x1 = hn::LoadU(d16, x + 8);
      const auto x2 = hn::LoadU(d16, x + 16), x3 = hn::LoadU(d16, x + 24);
      hn::Vec<D32> lo[kQ8KRowGroup], hi[kQ8KRowGroup];
      for (size_t r = 0; r < kQ8KRowGroup; ++r) {
        const int8_t* w = g + (b * kQ8KRowGroup + r) * kQ8KBlock;
        lo[r] = dot16(w, x0, x1);
        hi[r] = dot16(w + kQ8KSubBlock, x2, x3);
      }
      facc = block_add(sum_each(lo[0], lo[1], lo[2], lo[3]), sum_each(hi[0], hi[1], hi[2], hi[3]), g, b, d,
                       dmin, x_scales[xb], x_sums[xb], facc);
    }
  }
  return facc;
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
