// Four IEEE binary16 values (bits) as f32 in one Highway vector, exactly for
// every finite input: what the q4k kernels do with Q4_K's d and dmin and the
// q8 kernels with q8h's block scales (common/q8.h). SIMD128 has no f16
// conversion instruction; this takes a widening load and three ops. Inf and
// NaN are not converted (they become finite values): the loader refuses
// ggml blocks whose scales are inf or NaN (kernels/ggml/validate.h), as
// llama.cpp's ggml_validate_row_data does, so no kernel reads one.
#pragma once

#include <hwy/highway.h>

#include <cstdint>

namespace qkv {
namespace f16x4 {
// Internal linkage: each kernel file compiles its own copy.
namespace {

namespace hn = hwy::HWY_NAMESPACE;

// Each value sign-extended to 32 bits and shifted up by 13 has its exponent
// and mantissa in f32's fields and copies of its sign in bits 31..28; the
// mask keeps bit 31's. The product by 2^112 then rebiases the exponent: exact
// for normals, and for subnormals and zeros of either sign (an f32 subnormal
// times 2^112 is the f16 subnormal's value, a normal f32).
HWY_INLINE hn::Vec<hn::FixedTag<float, 4>> to_f32(const uint16_t* p) {
  const hn::FixedTag<float, 4> df;
  const hn::FixedTag<int32_t, 4> di32;
  const hn::FixedTag<int16_t, 4> di16;
  const auto h = hn::PromoteTo(di32, hn::LoadU(di16, reinterpret_cast<const int16_t*>(p)));
  const auto bits = hn::And(hn::ShiftLeft<13>(h), hn::Set(di32, static_cast<int32_t>(0x8FFFE000u)));
  return hn::Mul(hn::BitCast(df, bits), hn::Set(df, 0x1p112f));
}

}  // namespace
}  // namespace f16x4
}  // namespace qkv
