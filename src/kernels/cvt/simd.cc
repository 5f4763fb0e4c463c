#include <hwy/highway.h>

#include <cstring>

#include "kernels/cvt/cvt.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

using DF = hn::ScalableTag<float>;
using DU32 = hn::RebindToUnsigned<DF>;
using DI32 = hn::RebindToSigned<DF>;
using DU16 = hn::Rebind<uint16_t, DF>;
using VF = hn::Vec<DF>;

constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(float);

// The arithmetic of f16_to_f32 in kernels/common/f16.h, one lane per value.
VF f16_to_f32(DF df, hn::Vec<DU16> h16) {
  const DU32 du32;
  const DI32 di32;
  const auto h = hn::PromoteTo(du32, h16);
  const auto rest = hn::And(h, hn::Set(du32, 0x7fffu));
  const auto sign = hn::ShiftLeft<16>(hn::And(h, hn::Set(du32, 0x8000u)));
  const auto shifted = hn::ShiftLeft<13>(rest);
  // Multiplying by 2^112 rebiases normals and renormalizes subnormals at once.
  const VF magnitude = hn::Mul(hn::BitCast(df, shifted), hn::Set(df, 0x1.0p112f));
  const VF inf_nan = hn::BitCast(df, hn::Or(shifted, hn::Set(du32, 0x7f800000u)));
  const auto special = hn::RebindMask(df, hn::Gt(hn::BitCast(di32, rest), hn::Set(di32, 0x7bff)));
  return hn::Or(hn::IfThenElse(special, inf_nan, magnitude), hn::BitCast(df, sign));
}

VF bf16_to_f32(DF df, hn::Vec<DU16> b16) {
  return hn::BitCast(df, hn::ShiftLeft<16>(hn::PromoteTo(DU32(), b16)));
}

// The arithmetic of f32_to_f16 in kernels/common/f16.h with its branches
// turned into selects. All compares are on values below 2^31, so signed
// int32 compares (available on every target) serve.
hn::Vec<DU16> f32_to_f16(DF df, VF f) {
  const DU32 du32;
  const DI32 di32;
  const auto bits = hn::BitCast(du32, f);
  const auto sign = hn::And(hn::ShiftRight<16>(bits), hn::Set(du32, 0x8000u));
  const auto abs = hn::And(bits, hn::Set(du32, 0x7fffffffu));
  const auto abs_i = hn::BitCast(di32, abs);

  // Normal results: rebias the exponent by -112 and round to nearest even in
  // one add (0xc8000fff = (-112 << 23) + 0xfff, plus the kept lsb for ties).
  const auto odd = hn::And(hn::ShiftRight<13>(abs), hn::Set(du32, 1u));
  const auto normal = hn::ShiftRight<13>(hn::Add(hn::Add(abs, hn::Set(du32, 0xc8000fffu)), odd));
  // Subnormal results: adding 0.5 lets the float adder round at 2^-24.
  const auto sub = hn::Sub(hn::BitCast(du32, hn::Add(hn::BitCast(df, abs), hn::Set(df, 0.5f))),
                           hn::Set(du32, 0x3f000000u));

  auto r = hn::IfThenElse(hn::RebindMask(du32, hn::Lt(abs_i, hn::Set(di32, 0x38800000))), sub, normal);
  r = hn::IfThenElse(hn::RebindMask(du32, hn::Gt(abs_i, hn::Set(di32, 0x477fefff))), hn::Set(du32, 0x7c00u),
                     r);
  r = hn::IfThenElse(hn::RebindMask(du32, hn::Gt(abs_i, hn::Set(di32, 0x7f800000))), hn::Set(du32, 0x7e00u),
                     r);
  // Every lane now holds at most 0xffff, so the saturating demotion is exact.
  return hn::DemoteTo(DU16(), hn::BitCast(di32, hn::Or(r, sign)));
}

// Applies f to every vector of n values, TIn -> TOut with the same lane
// count (din, dout); the tail goes through zero-padded stack vectors so it
// uses the body's arithmetic and reads and writes nothing past n.
template <class DIn, class DOut, class F>
void convert(DIn din, DOut dout, size_t n, const hn::TFromD<DIn>* x, hn::TFromD<DOut>* y, F f) {
  const size_t lanes = hn::Lanes(din);
  const size_t body = n - n % lanes;
  for (size_t i = 0; i < body; i += lanes) hn::StoreU(f(hn::LoadU(din, x + i)), dout, y + i);
  if (body != n) {
    HWY_ALIGN hn::TFromD<DIn> in[kMaxLanes] = {};
    HWY_ALIGN hn::TFromD<DOut> out[kMaxLanes];
    std::memcpy(in, x + body, (n - body) * sizeof(*x));
    hn::Store(f(hn::Load(din, in)), dout, out);
    std::memcpy(y + body, out, (n - body) * sizeof(*y));
  }
}

// u16 -> f32 with one of the decoders above.
template <class F>
void widen(size_t n, const uint16_t* x, float* y, F f) {
  const DF df;
  convert(DU16(), df, n, x, y, [&](hn::Vec<DU16> v) { return f(df, v); });
}

}  // namespace

void f16_to_f32_ukernel__simd(size_t n, const uint16_t* x, float* y) { widen(n, x, y, f16_to_f32); }

void bf16_to_f32_ukernel__simd(size_t n, const uint16_t* x, float* y) {
#if HWY_TARGET == HWY_WASM
  // A full vector of halves and two zips against zero put each bf16 in the
  // top of a 32-bit lane: 2 shuffles per 8 values, where the generic
  // half-vector load + PromoteTo + shift ran at half the speed of clang's
  // auto-vectorised scalar loop (32 vs 63 GB/s).
  const DF df;
  const hn::Repartition<uint16_t, DF> du16;
  const DU32 du32;
  const size_t lanes = hn::Lanes(df);
  const auto zero = hn::Zero(du16);
  size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto h = hn::LoadU(du16, x + i);
    hn::StoreU(hn::BitCast(df, hn::ZipLower(du32, zero, h)), df, y + i);
    hn::StoreU(hn::BitCast(df, hn::ZipUpper(du32, zero, h)), df, y + i + lanes);
  }
  widen(n - i, x + i, y + i, bf16_to_f32);
#else
  widen(n, x, y, bf16_to_f32);
#endif
}

void f32_to_f16_ukernel__simd(size_t n, const float* x, uint16_t* y) {
  const DF df;
  convert(df, DU16(), n, x, y, [&](VF v) { return f32_to_f16(df, v); });
}

}  // namespace qkv
