// One q8k row group against one activation row (x in q8k_order_x's form),
// shared by the q8k GEMV (q8k-gemv/simd.cc) and GEMM (q8k-gemm/simd.cc): both
// compute every output with this same arithmetic, so a token's outputs are
// the same bits whether it is decoded alone or prefilled with others.
#pragma once

#include <hwy/highway.h>

#include "kernels/common/q8k.h"

#if HWY_TARGET == HWY_WASM
#include <wasm_simd128.h>
#endif

namespace qkv {
namespace q8k_simd {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using D4 = hn::FixedTag<float, 4>;
using D32 = hn::FixedTag<int32_t, 4>;

static_assert(kQ8KRowGroup == 4 && kQ8KBlock == 32 && kQ8KSubBlock == 16, "written for 4 rows, blocks of 32");

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
HWY_INLINE hn::Vec<D32> sum_each(hn::Vec<D32> a, hn::Vec<D32> b, hn::Vec<D32> c, hn::Vec<D32> e) {
  const D32 d;
  const auto ab = hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b));
  const auto ce = hn::Add(hn::InterleaveLower(d, c, e), hn::InterleaveUpper(d, c, e));
  return hn::Add(hn::ConcatLowerLower(d, ce, ab), hn::ConcatUpperUpper(d, ce, ab));
}

#if HWY_TARGET == HWY_WASM
// One row's 32 bytes u · x (x16: the block's 32 ordered values, widened):
// lanes [lo, lo, hi, hi], whose first two sum to the low sub-block's u · x
// and last two to the high one's (each 8-byte half of u holds 4 low values,
// then 4 high: i32x4.dot_i16x8_s sums adjacent pairs).
HWY_INLINE v128_t row_block(const int8_t* w, const v128_t* x16) {
  const v128_t a = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(w), x16[0]),
                                  wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(w + 8), x16[1]));
  const v128_t b = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(w + 16), x16[2]),
                                  wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(w + 24), x16[3]));
  return wasm_i32x4_add(a, b);
}

// [lo, hi] sums of two rows' row_block lanes: [lo a, hi a, lo b, hi b].
HWY_INLINE v128_t pair_halves(v128_t a, v128_t b) {
  return wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
}

// The block's 32 ordered values of x, widened.
struct X16 {
  v128_t v[4];
};
HWY_INLINE X16 load_x(const int8_t* x) {
  return {{wasm_i16x8_load8x8(x), wasm_i16x8_load8x8(x + 8), wasm_i16x8_load8x8(x + 16),
           wasm_i16x8_load8x8(x + 24)}};
}

// The 4 rows' exact integer parts A of block b (gemv.h) from their
// row_block lanes r: sc the block's 8 sub-scale bytes, offsets 32 * x's two
// sub-block sums. Each row's two sub-block sums of u x, less the offsets
// (giving q x), are weighted by their sub-scales four at a time.
HWY_INLINE hn::Vec<D32> combine_rows(const v128_t* r, const int8_t* sc, const int32_t* offsets) {
  const v128_t off = wasm_v128_load64_splat(offsets);
  const v128_t sc16 = wasm_i16x8_load8x8(sc);
  const v128_t rows01 = wasm_i32x4_sub(pair_halves(r[0], r[1]), off);
  const v128_t rows23 = wasm_i32x4_sub(pair_halves(r[2], r[3]), off);
  const v128_t a = wasm_i32x4_mul(rows01, wasm_i32x4_extend_low_i16x8(sc16));
  const v128_t b = wasm_i32x4_mul(rows23, wasm_i32x4_extend_high_i16x8(sc16));
  return hn::Vec<D32>{pair_halves(a, b)};
}

// The 4 rows' integer parts of block b: w the block's 4 rows of u, x its 32
// ordered values.
HWY_INLINE hn::Vec<D32> group_block(const int8_t* w, const int8_t* x, const int8_t* sc,
                                    const int32_t* offsets) {
  const X16 x16 = load_x(x);
  const v128_t r[kQ8KRowGroup] = {row_block(w, x16.v), row_block(w + kQ8KBlock, x16.v),
                                  row_block(w + 2 * kQ8KBlock, x16.v), row_block(w + 3 * kQ8KBlock, x16.v)};
  return combine_rows(r, sc, offsets);
}

// group_block for two activation rows a and b, each widened weight load
// serving both: the same integer sums, so the same bits.
HWY_INLINE void group_block_x2(const int8_t* w, const int8_t* xa, const int8_t* xb, const int8_t* sc,
                               const int32_t* offsets_a, const int32_t* offsets_b, hn::Vec<D32>* a,
                               hn::Vec<D32>* b) {
  const X16 x16a = load_x(xa), x16b = load_x(xb);
  v128_t ra[kQ8KRowGroup], rb[kQ8KRowGroup];
  for (size_t r = 0; r < kQ8KRowGroup; ++r) {
    const int8_t* u = w + r * kQ8KBlock;
    v128_t sa = wasm_i32x4_const_splat(0), sb = wasm_i32x4_const_splat(0);
    for (size_t h = 0; h < 4; ++h) {
      const v128_t w16 = wasm_i16x8_load8x8(u + 8 * h);
      sa = wasm_i32x4_add(sa, wasm_i32x4_dot_i16x8(w16, x16a.v[h]));
      sb = wasm_i32x4_add(sb, wasm_i32x4_dot_i16x8(w16, x16b.v[h]));
    }
    ra[r] = sa;
    rb[r] = sb;
  }
  *a = combine_rows(ra, sc, offsets_a);
  *b = combine_rows(rb, sc, offsets_b);
}
#else
// Portable form of the same integer sums, lane by lane (native builds: the
// tests' check of the arithmetic, not a fast path).
HWY_INLINE hn::Vec<D32> group_block(const int8_t* w, const int8_t* x, const int8_t* sc,
                                    const int32_t* offsets) {
  const D32 d32;
  const hn::FixedTag<int16_t, 8> d16;
  const hn::FixedTag<int8_t, 8> d8;
  hn::Vec<D32> rows[kQ8KRowGroup];
  for (size_t r = 0; r < kQ8KRowGroup; ++r) {
    rows[r] = hn::Zero(d32);
    for (size_t h = 0; h < kQ8KBlock; h += 16) {
      const auto lo = hn::Mul(hn::PromoteTo(d16, hn::LoadU(d8, w + r * kQ8KBlock + h)),
                              hn::PromoteTo(d16, hn::LoadU(d8, x + h)));
      const auto hi = hn::Mul(hn::PromoteTo(d16, hn::LoadU(d8, w + r * kQ8KBlock + h + 8)),
                              hn::PromoteTo(d16, hn::LoadU(d8, x + h + 8)));
      const auto p = hn::Add(lo, hi);  // lanes 0-3: low sub-block, 4-7: high
      rows[r] = hn::Add(rows[r], hn::Mul(hn::PromoteTo(d32, hn::LowerHalf(p)), hn::Set(d32, sc[2 * r])));
      rows[r] = hn::Add(rows[r], hn::Mul(hn::PromoteTo(d32, hn::UpperHalf(hn::Half<decltype(d16)>(), p)),
                                         hn::Set(d32, sc[2 * r + 1])));
    }
  }
  HWY_ALIGN int32_t offset[kQ8KRowGroup];
  for (size_t r = 0; r < kQ8KRowGroup; ++r) offset[r] = sc[2 * r] * offsets[0] + sc[2 * r + 1] * offsets[1];
  return hn::Sub(sum_each(rows[0], rows[1], rows[2], rows[3]), hn::Load(d32, offset));
}
#endif

// The float steps of gemv.h for one block of the 4 rows: acc + (t - u), or
// acc + t when the super-block has no mins (`mins` false: every row's dmin is 0).
HWY_INLINE hn::Vec<D4> block_add(hn::Vec<D32> a, const int8_t* g, size_t b, hn::Vec<D4> d, hn::Vec<D4> dmin,
                                 bool mins, float x_scale, float x_sum, hn::Vec<D4> acc) {
  const D4 df;
  const auto t = hn::Mul(hn::ConvertTo(df, a), hn::Mul(d, hn::Set(df, x_scale)));
  if (!mins) return hn::Add(acc, t);
  const hn::FixedTag<int8_t, 4> d8x4;
  const auto mn =
      hn::ConvertTo(df, hn::PromoteTo(D32(), hn::LoadU(d8x4, g + kQ8KGroupMnOffset + b * kQ8KRowGroup)));
  const auto u = hn::Mul(hn::Mul(dmin, mn), hn::Set(df, x_sum));
  return hn::Add(acc, hn::Sub(t, u));
}

// The 4 rows' dot products with x: one q8k row group (layout of common/q8k.h)
// against x in q8k_order_x's form. Per block, each load of x serves the 4
// rows; their integer parts are transposed into one vector and scaled in
// float, block by block, as the q8 GEMV does.
HWY_INLINE hn::Vec<D4> q8k_group(size_t k, const int8_t* g, const float* gs, const int8_t* x,
                                 const int32_t* x_offsets, const float* x_scales, const float* x_sums) {
  const D4 df;
  auto facc = hn::Zero(df);
  for (size_t s = 0; s < q8k_supers(k); ++s, g += kQ8KGroupBytes, gs += kQ8KGroupFloats) {
    const auto d = hn::LoadU(df, gs), dmin = hn::LoadU(df, gs + kQ8KRowGroup);
    const bool mins = !hn::AllTrue(df, hn::Eq(dmin, hn::Zero(df)));
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      const size_t xb = s * (kQ8KSuperBlock / kQ8KBlock) + b;
      const auto a = group_block(g + b * kQ8KRowGroup * kQ8KBlock, x + xb * kQ8KBlock,
                                 g + kQ8KGroupScOffset + b * kQ8KGroupScBlock, x_offsets + 2 * xb);
      facc = block_add(a, g, b, d, dmin, mins, x_scales[xb], x_sums[xb], facc);
    }
  }
  return facc;
}

// q8k_group for two activation rows at once (the GEMM's): each widened load
// of the weights serves both rows; each row's arithmetic is q8k_group's, op
// for op, so its result has the same bits. Natively it is q8k_group twice:
// there GCC may contract a multiply and an add into an FMA differently in
// two differently shaped loops, and the native build only checks the
// arithmetic.
HWY_INLINE void q8k_group_x2(size_t k, const int8_t* g, const float* gs, const int8_t* xa,
                             const int32_t* xa_offsets, const float* xa_scales, const float* xa_sums,
                             const int8_t* xb, const int32_t* xb_offsets, const float* xb_scales,
                             const float* xb_sums, hn::Vec<D4>* out_a, hn::Vec<D4>* out_b) {
#if HWY_TARGET != HWY_WASM
  *out_a = q8k_group(k, g, gs, xa, xa_offsets, xa_scales, xa_sums);
  *out_b = q8k_group(k, g, gs, xb, xb_offsets, xb_scales, xb_sums);
#else
  const D4 df;
  auto facc_a = hn::Zero(df), facc_b = hn::Zero(df);
  for (size_t s = 0; s < q8k_supers(k); ++s, g += kQ8KGroupBytes, gs += kQ8KGroupFloats) {
    const auto d = hn::LoadU(df, gs), dmin = hn::LoadU(df, gs + kQ8KRowGroup);
    const bool mins = !hn::AllTrue(df, hn::Eq(dmin, hn::Zero(df)));
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
      const size_t xi = s * (kQ8KSuperBlock / kQ8KBlock) + b;
      hn::Vec<D32> a, c;
      group_block_x2(g + b * kQ8KRowGroup * kQ8KBlock, xa + xi * kQ8KBlock, xb + xi * kQ8KBlock,
                     g + kQ8KGroupScOffset + b * kQ8KGroupScBlock, xa_offsets + 2 * xi, xb_offsets + 2 * xi,
                     &a, &c);
      facc_a = block_add(a, g, b, d, dmin, mins, xa_scales[xi], xa_sums[xi], facc_a);
      facc_b = block_add(c, g, b, d, dmin, mins, xb_scales[xi], xb_sums[xi], facc_b);
    }
  }
  *out_a = facc_a;
  *out_b = facc_b;
#endif
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
