// Highway pieces shared by the panel microkernels (f32-gemm, f32-gemv,
// f16-gemv, f16-f32-panel): partial-row loads and stores, the f16 panel load
// and the GEMV over a group of interleaved panels (packed_layout.h), which the
// f32 and f16 GEMVs instantiate. Native targets get AVX2/AVX-512, the product
// wasm SIMD128 (or relaxed SIMD, whose madd may fuse: common/madd.h). Each
// loop keeps many independent accumulators: SIMD128 has no FMA, so a mul+add
// chain per accumulator would otherwise leave the FP pipes idle waiting on add
// latency (and a fused one on FMA latency).
#pragma once

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/common/madd.h"

namespace qkv {
namespace gemm_simd {
// Internal linkage, as when these lived in one .cc file: each kernel file
// compiles its own copy, and the compiler inlines (or not) as it did then.
namespace {

namespace hn = hwy::HWY_NAMESPACE;
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
      acc0[p] = madd(xv, b0, acc0[p]);
      acc1[p] = madd(xv, b1, acc1[p]);
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

}  // namespace
}  // namespace gemm_simd
}  // namespace qkv
