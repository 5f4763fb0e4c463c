// One q4 row group against one q8-quantized activation row (int16-widened),
// shared by the q4 GEMV (q4-gemv/simd.cc) and GEMM (q4-gemm/simd.cc): both
// compute every output with this same arithmetic, so a token's outputs are
// the same bits whether it is decoded alone or prefilled with others.
#pragma once

#include <hwy/highway.h>

#include "kernels/gemm/packed_layout.h"

namespace qkv {
namespace q4_simd {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using D4 = hn::FixedTag<float, 4>;
using D32 = hn::FixedTag<int32_t, 4>;
using D16 = hn::FixedTag<int16_t, 8>;
using DU16 = hn::FixedTag<uint16_t, 8>;

static_assert(kQ4RowGroup == 4 && kQ4BlockSize == 32, "written for groups of 4 rows, blocks of 32");

// [sum of a, sum of b, sum of c, sum of e]: a 4×4 transpose folded into adds.
template <class D>
HWY_INLINE hn::Vec<D> sum_each(D d, hn::Vec<D> a, hn::Vec<D> b, hn::Vec<D> c, hn::Vec<D> e) {
  const auto ab = hn::Add(hn::InterleaveLower(d, a, b), hn::InterleaveUpper(d, a, b));  // a02 b02 a13 b13
  const auto ce = hn::Add(hn::InterleaveLower(d, c, e), hn::InterleaveUpper(d, c, e));  // c02 e02 c13 e13
  return hn::Add(hn::ConcatLowerLower(d, ce, ab), hn::ConcatUpperUpper(d, ce, ab));
}

// One block of one row as four int16 vectors, in the order of x's form
// (q4_simd_x_form in gemv.h): the 16 bytes read as 16-bit lanes, lane j =
// q[2j] | q[2j+16] << 4 | q[2j+1] << 8 | q[2j+17] << 12 (little-endian), give
// q[2j], 256 q[2j+1], 16 q[2j+16] and q[2j+17] with three ANDs and a shift:
// four single instructions. (Unzipping the bytes with zeros, then a mask and
// a shift per half, takes six.)
struct Unpacked {
  hn::Vec<D16> w0, w1, w2, w3;
};
HWY_INLINE Unpacked unpack(const uint8_t* block) {
  const DU16 du16;
  const D16 d16;
  const auto v = hn::LoadU(du16, reinterpret_cast<const uint16_t*>(block));
  return {hn::BitCast(d16, hn::And(v, hn::Set(du16, 0x000f))),
          hn::BitCast(d16, hn::And(v, hn::Set(du16, 0x0f00))),
          hn::BitCast(d16, hn::And(v, hn::Set(du16, 0x00f0))), hn::BitCast(d16, hn::ShiftRight<12>(v))};
}

// x's block: 32 int16 values in 4 vectors (x's form).
struct XBlock {
  hn::Vec<D16> x0, x1, x2, x3;
};
HWY_INLINE XBlock load_x(const int16_t* x) {
  const D16 d16;
  return {hn::LoadU(d16, x), hn::LoadU(d16, x + 8), hn::LoadU(d16, x + 16), hn::LoadU(d16, x + 24)};
}

// 256 times the int32 dot product of one row's block with x's, spread over 4
// lanes (each pair product 256 q x <= 487680 in magnitude: int32 throughout).
HWY_INLINE hn::Vec<D32> row_dot(const Unpacked& w, const XBlock& x) {
  const D32 d32;
  auto odd = hn::Zero(d32);
  auto acc = hn::ReorderWidenMulAccumulate(d32, w.w0, x.x0, hn::Zero(d32), odd);
  acc = hn::ReorderWidenMulAccumulate(d32, w.w1, x.x1, acc, odd);
  acc = hn::ReorderWidenMulAccumulate(d32, w.w2, x.x2, acc, odd);
  acc = hn::ReorderWidenMulAccumulate(d32, w.w3, x.x3, acc, odd);
  return hn::Add(acc, odd);
}

// acc + (dot * (d * x_scale) + m * x_sum) for the 4 rows of one block (the
// float steps of gemv.h, unfused); sums256 holds 256 times the 4 dot products
// (an exact shift: every term was a multiple of 256).
// (d, m: the 4 rows' d and m.)
HWY_INLINE hn::Vec<D4> scale_add(hn::Vec<D32> sums256, hn::Vec<D4> d, hn::Vec<D4> m, float x_scale,
                                 float x_sum, hn::Vec<D4> acc) {
  const D4 df;
  const auto sums = hn::ShiftRight<8>(sums256);
  const auto t = hn::Mul(hn::ConvertTo(df, sums), hn::Mul(d, hn::Set(df, x_scale)));
  const auto u = hn::Mul(m, hn::Set(df, x_sum));
  return hn::Add(acc, hn::Add(t, u));
}
HWY_INLINE hn::Vec<D4> scale_add(hn::Vec<D32> sums256, const float* scales, float x_scale, float x_sum,
                                 hn::Vec<D4> acc) {
  const D4 df;
  return scale_add(sums256, hn::LoadU(df, scales), hn::LoadU(df, scales + kQ4RowGroup), x_scale, x_sum, acc);
}

// A block's d and m for the 4 rows, where they come from q4's `scales`.
struct Q4Scales {
  const float* scales;
  HWY_INLINE hn::Vec<D4> d(size_t b) const { return hn::LoadU(D4(), scales + 2 * kQ4RowGroup * b); }
  HWY_INLINE hn::Vec<D4> m(size_t b) const {
    return hn::LoadU(D4(), scales + 2 * kQ4RowGroup * b + kQ4RowGroup);
  }
};

// The 4 rows' dot products with x: one q4 row group (4 rows, grouped layout
// of packed_layout.h) against q8 x in the SIMD form. Per block, each load of x
// serves the 4 rows; the rows' sums are transposed into one vector and
// scaled, accumulating in float block by block.
// (q4_group_blocks: facc plus `blocks` blocks of the group from q, xq,
// x_scales and x_sums on, block b's d and m from scales.d(b) and .m(b):
// q4_group is this over all of its blocks from facc = 0 with Q4Scales; the
// q4k GEMV runs it a super-block at a time on d and m it forms in registers.)
template <class Scales>
HWY_INLINE hn::Vec<D4> q4_group_blocks(size_t blocks, const uint8_t* q, const Scales& scales,
                                       const int16_t* xq, const float* x_scales, const float* x_sums,
                                       hn::Vec<D4> facc) {
  const D32 d32;
  for (size_t b = 0; b < blocks; ++b, q += kQ4RowGroup * kQ4BlockBytes) {
    const XBlock x = load_x(xq + b * kQ4BlockSize);
    const auto s0 = row_dot(unpack(q), x), s1 = row_dot(unpack(q + kQ4BlockBytes), x);
    const auto s2 = row_dot(unpack(q + 2 * kQ4BlockBytes), x), s3 = row_dot(unpack(q + 3 * kQ4BlockBytes), x);
    facc = scale_add(sum_each(d32, s0, s1, s2, s3), scales.d(b), scales.m(b), x_scales[b], x_sums[b], facc);
  }
  return facc;
}

HWY_INLINE hn::Vec<D4> q4_group(size_t k, const uint8_t* q, const float* scales, const int16_t* xq,
                                const float* x_scales, const float* x_sums) {
  return q4_group_blocks(q4_blocks(k), q, Q4Scales{scales}, xq, x_scales, x_sums, hn::Zero(D4()));
}

// q4_group for two activation rows at once (the GEMM's): each unpacked block
// of weights serves both; each row's arithmetic is q4_group's, op for op, so
// its result has the same bits.
HWY_INLINE void q4_group_x2(size_t k, const uint8_t* q, const float* scales, const int16_t* xa,
                            const float* xa_scales, const float* xa_sums, const int16_t* xb,
                            const float* xb_scales, const float* xb_sums, hn::Vec<D4>* out_a,
                            hn::Vec<D4>* out_b) {
  const D32 d32;
  auto facc_a = hn::Zero(D4()), facc_b = hn::Zero(D4());
  for (size_t b = 0; b < q4_blocks(k); ++b, q += kQ4RowGroup * kQ4BlockBytes, scales += 2 * kQ4RowGroup) {
    const XBlock a = load_x(xa + b * kQ4BlockSize), c = load_x(xb + b * kQ4BlockSize);
    hn::Vec<D32> sa[kQ4RowGroup], sb[kQ4RowGroup];
    for (size_t r = 0; r < kQ4RowGroup; ++r) {
      const Unpacked w = unpack(q + r * kQ4BlockBytes);
      sa[r] = row_dot(w, a);
      sb[r] = row_dot(w, c);
    }
    facc_a = scale_add(sum_each(d32, sa[0], sa[1], sa[2], sa[3]), scales, xa_scales[b], xa_sums[b], facc_a);
    facc_b = scale_add(sum_each(d32, sb[0], sb[1], sb[2], sb[3]), scales, xb_scales[b], xb_sums[b], facc_b);
  }
  *out_a = facc_a;
  *out_b = facc_b;
}

// y[j] = the group's row j · x + bias[j] for the `count` rows j < count that
// exist (the last group of a matrix may hold padding rows); bias may be null.
HWY_INLINE void store_group(hn::Vec<D4> sums, size_t count, const float* bias, float* y) {
  HWY_ALIGN float lanes[kQ4RowGroup];
  hn::Store(sums, D4(), lanes);
  for (size_t j = 0; j < count; ++j) y[j] = lanes[j] + (bias ? bias[j] : 0.0f);
}

}  // namespace
}  // namespace q4_simd
}  // namespace qkv
