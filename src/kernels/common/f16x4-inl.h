// Four IEEE binary16 values (bits) as f32 in one Highway vector, exactly for
// every input: what the q4k kernels do with Q4_K's d and dmin and the q8
// kernels with q8h's block scales (common/q8.h). SIMD128 has no f16
// conversion instruction, so this is ~10 integer and float ops per 4 values.
#pragma once

#include <hwy/highway.h>

#include <cstdint>

namespace qkv {
namespace f16x4 {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;

// The magnitude's bits moved up to f32's fields and multiplied by 2^112 (f16
// subnormals become f32 normals exactly), exponent 31 (inf, NaN) set to
// f32's 255 with the mantissa kept. (Highway's own promotion in wasm maps
// exponent 31 to a finite value.)
HWY_INLINE hn::Vec<hn::FixedTag<float, 4>> to_f32(const uint16_t* p) {
  const hn::FixedTag<float, 4> df;
  const hn::FixedTag<uint32_t, 4> du32;
  const hn::FixedTag<uint16_t, 4> du16;
  const auto h = hn::PromoteTo(du32, hn::LoadU(du16, p));
  const auto em = hn::And(h, hn::Set(du32, 0x7FFF));
  const auto finite =
      hn::BitCast(du32, hn::Mul(hn::BitCast(df, hn::ShiftLeft<13>(em)), hn::Set(df, 0x1p112f)));
  const auto inf_nan = hn::Or(hn::ShiftLeft<13>(em), hn::Set(du32, 0x7F800000));
  const auto mag =
      hn::IfThenElse(hn::Eq(hn::And(em, hn::Set(du32, 0x7C00)), hn::Set(du32, 0x7C00)), inf_nan, finite);
  return hn::BitCast(df, hn::Or(mag, hn::ShiftLeft<16>(hn::And(h, hn::Set(du32, 0x8000)))));
}

}  // namespace
}  // namespace f16x4
}  // namespace qkv
