// Highway forms of the GEMM/GEMV microkernels (wasm SIMD128 in the product,
// AVX2/AVX-512 natively). Each loop keeps many independent accumulators:
// wasm has no FMA, so a mul+add chain per accumulator would otherwise leave
// the FP pipes idle waiting on add latency.
#include <hwy/highway.h>

#include <algorithm>
#include <cstring>

#include "kernels/common/q8.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/ukernels.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;
namespace {

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;
constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(float);

// Writes nc (<= 2 lanes-vectors) columns: straight stores when the row is
// full, through a small buffer otherwise so nothing past nc is touched.
HWY_INLINE void store_row(D d, V lo, V hi, size_t nc, float* dst) {
  const size_t lanes = hn::Lanes(d);
  if (nc == 2 * lanes) {
    hn::StoreU(lo, d, dst);
    hn::StoreU(hi, d, dst + lanes);
    return;
  }
  HWY_ALIGN float tmp[2 * kMaxLanes];
  hn::Store(lo, d, tmp);
  hn::Store(hi, d, tmp + lanes);
  std::memcpy(dst, tmp, nc * sizeof(float));
}

// Loads nc (<= 2 vectors) values, zero-filling the rest.
HWY_INLINE void load_row(D d, const float* src, size_t nc, V& lo, V& hi) {
  const size_t lanes = hn::Lanes(d);
  if (nc == 2 * lanes) {
    lo = hn::LoadU(d, src);
    hi = hn::LoadU(d, src + lanes);
    return;
  }
  HWY_ALIGN float tmp[2 * kMaxLanes] = {};
  std::memcpy(tmp, src, nc * sizeof(float));
  lo = hn::Load(d, tmp);
  hi = hn::Load(d, tmp + lanes);
}

template <size_t MR>
HWY_INLINE void gemm_rows(size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                          size_t w_stride, const float* bias, float* c, size_t c_stride, bool accumulate) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  V acc0[MR], acc1[MR];
  for (size_t m = 0; m < MR; ++m) acc0[m] = acc1[m] = hn::Zero(d);
  for (size_t k = 0; k < kc; ++k) {
    const V b0 = hn::LoadU(d, w);
    const V b1 = hn::LoadU(d, w + lanes);
    w += w_stride;
    for (size_t m = 0; m < MR; ++m) {
      const V x = hn::Set(d, a[m * a_stride + k]);
      acc0[m] = hn::MulAdd(x, b0, acc0[m]);
      acc1[m] = hn::MulAdd(x, b1, acc1[m]);
    }
  }
  V init0 = hn::Zero(d), init1 = hn::Zero(d);
  if (!accumulate && bias != nullptr) load_row(d, bias, nc, init0, init1);
  for (size_t m = 0; m < MR; ++m) {
    if (accumulate) load_row(d, c + m * c_stride, nc, init0, init1);
    store_row(d, hn::Add(acc0[m], init0), hn::Add(acc1[m], init1), nc, c + m * c_stride);
  }
}

// Two f32 vectors holding 2^-112 times 2 * lanes binary16 values, in 3
// integer ops per vector: with each half in the top of a 32-bit lane, an
// arithmetic shift by 3 moves exponent and mantissa into float position (the
// sign is smeared over bits 31..28) and the mask keeps bit 31 and clears bits
// 30..28. The result is the f16 value scaled by 2^-112 exactly, subnormals
// included; callers fold the 2^112 into the other factor. Finite inputs only
// (pack_weights rejects the rest).
HWY_INLINE void load_f16_scaled(D d, const uint16_t* p, V& lo, V& hi) {
  const hn::RebindToSigned<D> di32;
  const auto keep = hn::Set(di32, static_cast<int32_t>(0x8fffffffu));
#if HWY_TARGET == HWY_WASM
  // One shuffle puts each half in the top 16 bits of a 32-bit lane.
  const hn::Repartition<uint16_t, D> du16;
  const hn::RebindToUnsigned<D> du32;
  const auto h = hn::LoadU(du16, p);
  const auto zero = hn::Zero(du16);
  const auto wide_lo = hn::BitCast(di32, hn::ZipLower(du32, zero, h));
  const auto wide_hi = hn::BitCast(di32, hn::ZipUpper(du32, zero, h));
#else
  const hn::Rebind<uint16_t, D> du16;
  const hn::RebindToUnsigned<D> du32;
  const auto wide_lo = hn::BitCast(di32, hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, p))));
  const auto wide_hi =
      hn::BitCast(di32, hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, p + hn::Lanes(d)))));
#endif
  lo = hn::BitCast(d, hn::And(hn::ShiftRight<3>(wide_lo), keep));
  hi = hn::BitCast(d, hn::And(hn::ShiftRight<3>(wide_hi), keep));
}

// GEMV over COUNT panels at once: 2 * COUNT accumulators, one broadcast of
// x[k] shared by all of them.
template <size_t COUNT, class Weights>
HWY_INLINE void gemv_panels(size_t nc, size_t k, const float* x, const Weights* panels, const float* bias,
                            float* y) {
  const D d;
  const size_t lanes = hn::Lanes(d), nr = 2 * lanes;
  // f16 weights arrive scaled by 2^-112 (load_f16_scaled); x is scaled by
  // 2^56 and the sums by 2^56, keeping every product in the normal range.
  constexpr bool kF16 = sizeof(Weights) == 2;
  const float x_scale = kF16 ? 0x1.0p56f : 1.0f;
  V acc0[COUNT], acc1[COUNT];
  for (size_t p = 0; p < COUNT; ++p) acc0[p] = acc1[p] = hn::Zero(d);
  for (size_t i = 0; i < k; ++i) {
    const V xv = hn::Set(d, x[i] * x_scale);
    for (size_t p = 0; p < COUNT; ++p) {
      const Weights* w = panels + (i * COUNT + p) * nr;
      V b0, b1;
      if constexpr (kF16) {
        load_f16_scaled(d, w, b0, b1);
      } else {
        b0 = hn::LoadU(d, w);
        b1 = hn::LoadU(d, w + lanes);
      }
      acc0[p] = hn::MulAdd(xv, b0, acc0[p]);
      acc1[p] = hn::MulAdd(xv, b1, acc1[p]);
    }
  }
  if constexpr (kF16) {
    const V sum_scale = hn::Set(d, 0x1.0p56f);
    for (size_t p = 0; p < COUNT; ++p) {
      acc0[p] = hn::Mul(acc0[p], sum_scale);
      acc1[p] = hn::Mul(acc1[p], sum_scale);
    }
  }
  for (size_t p = 0; p < COUNT; ++p) {
    const size_t cols = p + 1 == COUNT ? nc : nr;
    V b0 = hn::Zero(d), b1 = hn::Zero(d);
    if (bias != nullptr) load_row(d, bias + p * nr, cols, b0, b1);
    store_row(d, hn::Add(acc0[p], b0), hn::Add(acc1[p], b1), cols, y + p * nr);
  }
}

template <class Weights>
void gemv_dispatch(size_t count, size_t nc, size_t k, const float* x, const Weights* panels,
                   const float* bias, float* y) {
  switch (count) {
    case 1:
      return gemv_panels<1>(nc, k, x, panels, bias, y);
    case 2:
      return gemv_panels<2>(nc, k, x, panels, bias, y);
    case 3:
      return gemv_panels<3>(nc, k, x, panels, bias, y);
    default:
      return gemv_panels<4>(nc, k, x, panels, bias, y);
  }
}

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
template <class D4>
HWY_INLINE hn::Vec<D4> sum_each(D4 d, hn::Vec<D4> a, hn::Vec<D4> b, hn::Vec<D4> c, hn::Vec<D4> e) {
  const auto ab = hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b));  // a02 b02 a13 b13
  const auto ce = hn::Add(hn::InterleaveLower(d, c, e), hn::InterleaveUpper(d, c, e));  // c02 e02 c13 e13
  return hn::Add(hn::ConcatLowerLower(d, ce, ab), hn::ConcatUpperUpper(d, ce, ab));
}

// One q8 row group (kQ8RowGroup = 4 rows, grouped layout of gemm.h) against
// int16-quantized x: per block, each load of x serves the 4 rows; int8·int16
// pair dot products accumulate in int32 (exact), the 4 rows' sums are
// transposed into one vector and scaled by their block scales times x's.
// The group's blocks are one sequential stream: four row-major rows per
// pass, sharing x the same way, ran 2.6x slower on the DRAM-bound
// 768x50257 GEMV (four streams), and one row per pass 1.3x slower than this.
HWY_INLINE hn::Vec<hn::FixedTag<float, 4>> q8_group(size_t k, const int8_t* q, const float* scales,
                                                    const int16_t* xq, const float* x_scales) {
  static_assert(kQ8RowGroup == 4 && kQ8BlockSize == 32, "written for groups of 4 rows, blocks of 32");
  const hn::FixedTag<float, 4> df;
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
      auto acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w)), x0, hn::Zero(d32), odd);
      acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w + 8)), x1, acc, odd);
      acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w + 16)), x2, acc, odd);
      acc = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, w + 24)), x3, acc, odd);
      row_sums[r] = hn::Add(acc, odd);
    }
    const auto block = hn::ConvertTo(df, sum_each(d32, row_sums[0], row_sums[1], row_sums[2], row_sums[3]));
    facc = hn::MulAdd(block, hn::Mul(hn::LoadU(df, scales), hn::Set(df, x_scales[b])), facc);
  }
  return facc;
}

}  // namespace

size_t gemm_nr() { return 2 * hn::Lanes(D()); }

void f32_gemm_ukernel_4xnr__simd(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                 const float* panel, size_t panel_stride, const float* bias, float* c,
                                 size_t c_stride, bool accumulate) {
  switch (mr) {
    case 1:
      return gemm_rows<1>(nc, kc, a, a_stride, panel, panel_stride, bias, c, c_stride, accumulate);
    case 2:
      return gemm_rows<2>(nc, kc, a, a_stride, panel, panel_stride, bias, c, c_stride, accumulate);
    case 3:
      return gemm_rows<3>(nc, kc, a, a_stride, panel, panel_stride, bias, c, c_stride, accumulate);
    default:
      return gemm_rows<4>(nc, kc, a, a_stride, panel, panel_stride, bias, c, c_stride, accumulate);
  }
}

void f32_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                   const float* bias, float* y) {
  gemv_dispatch(count, nc, k, x, panels, bias, y);
}

void f16_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const uint16_t* panels,
                                   const float* bias, float* y) {
  gemv_dispatch(count, nc, k, x, panels, bias, y);
}

void f16_panel_to_f32__simd(size_t rows, const uint16_t* src, size_t src_stride, float* dst) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const V scale = hn::Set(d, 0x1.0p112f);
  for (size_t i = 0; i < rows; ++i, src += src_stride, dst += 2 * lanes) {
    V lo, hi;
    load_f16_scaled(d, src, lo, hi);
    hn::StoreU(hn::Mul(lo, scale), d, dst);
    hn::StoreU(hn::Mul(hi, scale), d, dst + lanes);
  }
}

void q8_gemv_ukernel__simd(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                           const float* x_scales, const float* bias, float* y) {
  const size_t group_q = kQ8RowGroup * q8_padded(k), group_s = kQ8RowGroup * q8_blocks(k);
  for (size_t r0 = 0; r0 < rows; r0 += kQ8RowGroup, q += group_q, scales += group_s) {
    HWY_ALIGN float sums[kQ8RowGroup];
    hn::Store(q8_group(k, q, scales, xq, x_scales), hn::FixedTag<float, 4>(), sums);
    for (size_t j = 0; j < std::min(kQ8RowGroup, rows - r0); ++j) y[r0 + j] = sums[j] + (bias ? bias[r0 + j] : 0.0f);
  }
}

}  // namespace qkv
