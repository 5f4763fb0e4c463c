// Pieces shared by the SIMD attention kernels (internal to f32-attn).
//
// Everything works on 4-float vectors, also where the native target has 16
// lanes: head_dim is only guaranteed to be a multiple of 4, and four lanes
// match the four rows of the 4x64 kernel. The product target (wasm SIMD128)
// has exactly four lanes, so nothing is lost there.
#pragma once

#include <hwy/highway.h>

#include <cstddef>
#include <limits>

#include "kernels/common/madd.h"
#include "kernels/f32-attn/attn.h"

namespace qkv {
namespace attn_simd {

namespace hn = hwy::HWY_NAMESPACE;
using D4 = hn::FixedTag<float, 4>;
using V4 = hn::Vec<D4>;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
// Keys per online-softmax step: large enough to amortise rescaling the output
// accumulator, small enough that the block's K and V rows (32 KB at
// head_dim 64) stay in L1 between the score pass and the P·V pass.
constexpr size_t kKeyBlock = 64;

// Q is pre-scaled by scale * log2(e), so scores come out in base 2 and the
// softmax needs 2^x instead of e^x.
constexpr float kLog2e = 1.44269504088896341f;

// One K or V vector of 4 values as f32, from the cache's element type: the
// f16 cache converts in the load, so the rest of each kernel is the same
// code for both (one template instance per type, no per-key branch). Each
// kernel picks its instance through a table of function pointers, not a
// direct call: binaryen would otherwise inline both instances into one
// function, and V8 ran such merged kernels at half speed.
HWY_INLINE V4 load_kv(const float* p) { return hn::LoadU(D4(), p); }
#if HWY_ARCH_WASM
// SIMD128 has no f16 conversion; Highway's emulation takes ~16 ops, this 7:
// the exponent and mantissa shifted into float position and rebiased by one
// multiply by 2^112 (exact for normals and subnormals, as f16_to_f32), then
// the sign. Like Highway's, it maps inf and NaN to large finite values (the
// kernels leave NaN/inf inputs unspecified anyway).
HWY_INLINE V4 load_kv(const hwy::float16_t* p) {
  const D4 d;
  const hn::Rebind<uint32_t, D4> du;
  const auto bits =
      hn::PromoteTo(du, hn::LoadU(hn::Rebind<uint16_t, D4>(), reinterpret_cast<const uint16_t*>(p)));
  const V4 magnitude =
      hn::Mul(hn::BitCast(d, hn::ShiftLeft<13>(hn::And(bits, hn::Set(du, 0x7fffu)))), hn::Set(d, 0x1.0p112f));
  return hn::Or(magnitude, hn::BitCast(d, hn::ShiftLeft<16>(hn::And(bits, hn::Set(du, 0x8000u)))));
}
#else
HWY_INLINE V4 load_kv(const hwy::float16_t* p) {
  return hn::PromoteTo(D4(), hn::LoadU(hn::Rebind<hwy::float16_t, D4>(), p));
}
#endif

// 2^x for the x <= 0 that the online softmax produces (a score minus a max
// at least as large), and exactly 0 for x < -125, -inf and NaN (the NaN of
// (-inf) - (-inf) in a row masked so far). Relative error <= 3e-7 on wasm.
// Written out rather than hn::Exp because that one handles both signs and
// rounds through an int32 conversion, which V8 lowers to a long sequence:
// it took a quarter of the prefill time; this is 17 plain vector ops.
HWY_INLINE V4 exp2_nonpositive(V4 x) {
  const D4 d;
  const hn::RebindToSigned<D4> di;
  // x + 1.5 * 2^23 rounds x to an integer n held in the low mantissa bits.
  const V4 magic = hn::Set(d, 12582912.0f);
  const V4 shifted = hn::Add(x, magic);
  const V4 f = hn::Sub(x, hn::Sub(shifted, magic));  // x - n, in [-0.5, 0.5]
  // 2^f: Chebyshev fit of degree 5, max relative error 8e-8 before rounding.
  V4 p = hn::Set(d, 0.00133908633f);
  p = madd(p, f, hn::Set(d, 0.00967603177f));
  p = madd(p, f, hn::Set(d, 0.0555035695f));
  p = madd(p, f, hn::Set(d, 0.240221068f));
  p = madd(p, f, hn::Set(d, 0.693147182f));
  p = madd(p, f, hn::Set(d, 1.00000012f));
  // 2^n · 2^f: n << 23 added to the exponent field (n >= -125 keeps it normal).
  const auto bits = hn::Add(hn::BitCast(di, p), hn::ShiftLeft<23>(hn::BitCast(di, shifted)));
  return hn::IfThenElseZero(hn::Ge(x, hn::Set(d, -125.0f)), hn::BitCast(d, bits));
}

// Vectors of 4 floats in one head; a compile-time constant when specialised.
template <size_t kNV>
HWY_INLINE size_t num_vectors(size_t nv) {
  return kNV != 0 ? kNV : nv;
}

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
HWY_INLINE V4 sum_each(V4 a, V4 b, V4 c, V4 e) {
  const D4 d;
  const V4 ab = hn::Add(hn::InterleaveLower(a, b), hn::InterleaveUpper(d, a, b));  // a02 b02 a13 b13
  const V4 ce = hn::Add(hn::InterleaveLower(c, e), hn::InterleaveUpper(d, c, e));  // c02 e02 c13 e13
  return hn::Add(hn::ConcatLowerLower(d, ce, ab), hn::ConcatUpperUpper(d, ce, ab));
}

// Q pre-scaled by scale * log2(e): both factors of the scores for free.
HWY_INLINE void scaled_copy(size_t n, const float* src, float scale, float* dst) {
  const D4 d;
  const V4 vscale = hn::Set(d, scale * kLog2e);
  for (size_t i = 0; i < n; i += 4) hn::Store(hn::Mul(hn::LoadU(d, src + i), vscale), d, dst + i);
}

// scores[0..kKeys) = q · key t for keys k, k + stride, ...; kKeys is 4 or 8.
// Each key has its own accumulator, so the chains are independent.
template <size_t kNV, size_t kKeys, typename T>
HWY_INLINE void dot_1xn(size_t nv, const float* HWY_RESTRICT q, const T* k, size_t stride,
                        float* HWY_RESTRICT scores) {
  const D4 d;
  V4 acc[kKeys];
  for (size_t t = 0; t < kKeys; ++t) acc[t] = hn::Zero(d);
  for (size_t c = 0; c < num_vectors<kNV>(nv); ++c) {
    const V4 qc = hn::Load(d, q + 4 * c);
    for (size_t t = 0; t < kKeys; ++t) acc[t] = madd(qc, load_kv(k + t * stride + 4 * c), acc[t]);
  }
  for (size_t t = 0; t < kKeys; t += 4) {
    hn::Store(sum_each(acc[t], acc[t + 1], acc[t + 2], acc[t + 3]), d, scores + t);
  }
}

// Scores of keys [0, n) for one row into scores[], padded with -inf up to a
// multiple of 4 (scores needs n rounded up to 4 floats).
template <size_t kNV, typename T>
HWY_INLINE void row_scores(size_t nv, const float* HWY_RESTRICT q, const T* k, size_t stride, size_t n,
                           float* HWY_RESTRICT scores) {
  const D4 d;
  size_t t = 0;
  for (; t + 8 <= n; t += 8) dot_1xn<kNV, 8>(nv, q, k + t * stride, stride, scores + t);
  if (t + 4 <= n) {
    dot_1xn<kNV, 4>(nv, q, k + t * stride, stride, scores + t);
    t += 4;
  }
  if (t == n) return;
  // The last 1-3 keys, once per row: a horizontal sum each.
  for (size_t u = t; u < n; ++u) {
    V4 acc = hn::Zero(d);
    for (size_t c = 0; c < nv; ++c) acc = madd(hn::Load(d, q + 4 * c), load_kv(k + u * stride + 4 * c), acc);
    scores[u] = hn::GetLane(hn::SumOfLanes(d, acc));
  }
  for (size_t u = n; u < t + 4; ++u) scores[u] = kNegInf;
}

// Adds key_mask[0..n), converted to base 2, to scores.
HWY_INLINE void add_key_mask(const float* key_mask, size_t n, float* scores) {
  const D4 d;
  const V4 log2e = hn::Set(d, kLog2e);
  size_t t = 0;
  for (; t + 4 <= n; t += 4) {
    hn::Store(madd(hn::LoadU(d, key_mask + t), log2e, hn::Load(d, scores + t)), d, scores + t);
  }
  for (; t < n; ++t) scores[t] += key_mask[t] * kLog2e;
}

// acc[0..4*kC) = acc * alpha + sum over keys t < n of p[t] * v[t][0..4*kC).
// kC accumulators stay in registers across the whole key loop.
template <size_t kC, typename T>
HWY_INLINE void pv_1xc(const float* HWY_RESTRICT p, size_t n, const T* v, size_t stride, V4 alpha,
                       float* HWY_RESTRICT acc) {
  const D4 d;
  V4 o[kC];
  for (size_t c = 0; c < kC; ++c) o[c] = hn::Mul(hn::Load(d, acc + 4 * c), alpha);
  for (size_t t = 0; t < n; ++t, v += stride) {
    const V4 pt = hn::Set(d, p[t]);
    for (size_t c = 0; c < kC; ++c) o[c] = madd(pt, load_kv(v + 4 * c), o[c]);
  }
  for (size_t c = 0; c < kC; ++c) hn::Store(o[c], d, acc + 4 * c);
}

// pv_1xc over a whole head, 8 vectors (8 independent chains) at a time.
template <size_t kNV, typename T>
HWY_INLINE void row_pv(size_t nv, const float* HWY_RESTRICT p, size_t n, const T* v, size_t stride, V4 alpha,
                       float* HWY_RESTRICT acc) {
  nv = num_vectors<kNV>(nv);
  size_t c = 0;
  for (; c + 8 <= nv; c += 8) pv_1xc<8>(p, n, v + 4 * c, stride, alpha, acc + 4 * c);
  if (c + 4 <= nv) {
    pv_1xc<4>(p, n, v + 4 * c, stride, alpha, acc + 4 * c);
    c += 4;
  }
  for (; c < nv; ++c) pv_1xc<1>(p, n, v + 4 * c, stride, alpha, acc + 4 * c);
}

// 1 / sum, or 0 where sum is 0, so a fully masked row comes out as zeros.
HWY_INLINE V4 safe_reciprocal(V4 sum) {
  const D4 d;
  return hn::IfThenElseZero(hn::Gt(sum, hn::Zero(d)), hn::Div(hn::Set(d, 1.0f), sum));
}

}  // namespace attn_simd
}  // namespace qkv
