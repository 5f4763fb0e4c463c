// A q4k row group's super-block scales (common/q4k.h) expanded into q4's
// scale form: for each of the 8 blocks j, the 4 rows' d_j = d * sc_j, then
// their m_j = -(dmin * mn_j), as floats (q4k_expand_scales_scalar's bits:
// every step is exact). The GEMV expands a super-block into a stack buffer
// and runs q4's block loop over it; the GEMM expands a whole row group per
// pass and runs q4's GEMM kernel.
#pragma once

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>

#include "kernels/common/f16x4-inl.h"
#include "kernels/common/q4k.h"

namespace qkv {
namespace q4k_expand {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;

static_assert(kQ4KRowGroup == 4 && kQ4KBlocksPerSuper == 8, "written for groups of 4 rows, 8 sub-blocks");

// 4 f16 values (bits at p) as f32, exactly for every f16 (common/f16x4-inl.h).
HWY_INLINE hn::Vec<hn::FixedTag<float, 4>> f16x4_to_f32(const uint8_t* p) {
  return f16x4::to_f32(reinterpret_cast<const uint16_t*>(p));
}

// The 4 bytes 4i..4i+3 of v (sub-block i's 6-bit values of the 4 rows) as
// floats, for i = 0..3: bytes widened by interleaving with zeros, twice (one
// instruction each), then converted.
HWY_INLINE void quarters(hn::Vec<hn::FixedTag<uint8_t, 16>> v, hn::Vec<hn::FixedTag<float, 4>>* out) {
  const hn::FixedTag<uint8_t, 16> du8;
  const hn::FixedTag<uint16_t, 8> du16;
  const hn::FixedTag<int32_t, 4> di32;
  const hn::FixedTag<float, 4> df;
  const auto lo = hn::BitCast(du16, hn::InterleaveLower(du8, v, hn::Zero(du8)));
  const auto hi = hn::BitCast(du16, hn::InterleaveUpper(du8, v, hn::Zero(du8)));
  out[0] = hn::ConvertTo(df, hn::BitCast(di32, hn::InterleaveLower(du16, lo, hn::Zero(du16))));
  out[1] = hn::ConvertTo(df, hn::BitCast(di32, hn::InterleaveUpper(du16, lo, hn::Zero(du16))));
  out[2] = hn::ConvertTo(df, hn::BitCast(di32, hn::InterleaveLower(du16, hi, hn::Zero(du16))));
  out[3] = hn::ConvertTo(df, hn::BitCast(di32, hn::InterleaveUpper(du16, hi, hn::Zero(du16))));
}

// Half a super-block's d_j and m_j (sub-blocks 4h..4h+3) for the 4 rows of a
// group, formed once per super-block: d(i) and m(i) are sub-block 4h + i's.
struct Half {
  hn::Vec<hn::FixedTag<float, 4>> dv[4], mv[4];
  HWY_INLINE hn::Vec<hn::FixedTag<float, 4>> d(size_t i) const { return dv[i]; }
  HWY_INLINE hn::Vec<hn::FixedTag<float, 4>> m(size_t i) const { return mv[i]; }
  // sc, mn: the half's 6-bit values, bytes 4i..4i+3 the 4 rows' for sub-block
  // 4h + i; -(dmin * mn) is (-dmin) * mn exactly.
  HWY_INLINE void set(hn::Vec<hn::FixedTag<uint8_t, 16>> sc, hn::Vec<hn::FixedTag<uint8_t, 16>> mn,
                      hn::Vec<hn::FixedTag<float, 4>> d_all, hn::Vec<hn::FixedTag<float, 4>> neg_dmin) {
    quarters(sc, dv);
    quarters(mn, mv);
    for (size_t i = 0; i < 4; ++i) {
      dv[i] = hn::Mul(d_all, dv[i]);
      mv[i] = hn::Mul(neg_dmin, mv[i]);
    }
  }
};

// Both halves of a group's super-block (gs: its kQ4KGroupScaleBytes).
struct Super {
  Half lo, hi;
};
HWY_INLINE Super load(const uint8_t* gs) {
  const hn::FixedTag<uint8_t, 16> du8;
  // Thirds of the interleaved scale bytes: bytes 0-3, 4-7 and 8-11 of ggml's
  // 12, each [byte][row] (common/q4k.h), so lanes 4j..4j+3 are the 4 rows.
  const auto v0 = hn::LoadU(du8, gs + kQ4KGroupScOffset);
  const auto v1 = hn::LoadU(du8, gs + kQ4KGroupScOffset + 16);
  const auto v2 = hn::LoadU(du8, gs + kQ4KGroupScOffset + 32);
  const auto low6 = hn::Set(du8, 63), low4 = hn::Set(du8, 15), bits45 = hn::Set(du8, 0x30);
  const auto d = f16x4_to_f32(gs), neg_dmin = hn::Neg(f16x4_to_f32(gs + kQ4KGroupDminOffset));
  // get_scale_min_k4: sub-blocks 0-3 from the low 6 bits of bytes 0-7;
  // 4-7 from the nibbles of bytes 8-11 and the top 2 bits of bytes 0-7.
  Super s;
  s.lo.set(hn::And(v0, low6), hn::And(v1, low6), d, neg_dmin);
  s.hi.set(hn::Or(hn::And(v2, low4), hn::And(hn::ShiftRight<2>(v0), bits45)),
           hn::Or(hn::And(hn::ShiftRight<4>(v2), low4), hn::And(hn::ShiftRight<2>(v1), bits45)), d, neg_dmin);
  return s;
}

// gs: the group's kQ4KGroupScaleBytes for one super-block; out: 64 floats.
HWY_INLINE void expand(const uint8_t* gs, float* out) {
  const hn::FixedTag<float, 4> df;
  const Super s = load(gs);
  for (size_t i = 0; i < 4; ++i) {
    hn::StoreU(s.lo.d(i), df, out + 8 * i);
    hn::StoreU(s.lo.m(i), df, out + 8 * i + 4);
    hn::StoreU(s.hi.d(i), df, out + 32 + 8 * i);
    hn::StoreU(s.hi.m(i), df, out + 32 + 8 * i + 4);
  }
}

}  // namespace
}  // namespace q4k_expand
}  // namespace qkv
