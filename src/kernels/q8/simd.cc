#include <hwy/highway.h>

#include <cstring>

#include "kernels/q8/quant.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

// At most one block per vector, so the lanes always divide the block.
using D = hn::CappedTag<float, kQ8BlockSize>;
using DI32 = hn::RebindToSigned<D>;
using DI8 = hn::Rebind<int8_t, D>;

void quantize_block(const float* x, int8_t* q, float* scale_out) {
  const D d;
  const DI32 di32;
  const DI8 di8;
  const size_t lanes = hn::Lanes(d);
  auto vmax = hn::Zero(d);
  for (size_t j = 0; j < kQ8BlockSize; j += lanes) vmax = hn::Max(vmax, hn::Abs(hn::LoadU(d, x + j)));
  const float scale = hn::GetLane(hn::MaxOfLanes(d, vmax)) / 127.0f;
  *scale_out = scale;
  if (scale == 0.0f) {
    std::memset(q, 0, kQ8BlockSize);
    return;
  }
  const auto vscale = hn::Set(d, scale);
  const auto half = hn::Set(d, 0.5f), one = hn::Set(d, 1.0f), limit = hn::Set(d, 127.0f);
  for (size_t j = 0; j < kQ8BlockSize; j += lanes) {
    // Division, not a multiply by 1/scale, so ties round as in the scalar
    // reference. Half away from zero as t + sign(v) when |v - t| >= 0.5:
    // v - t is exact, unlike Trunc(v + 0.5), which rounds 0.49999997 up.
    const auto v = hn::Div(hn::LoadU(d, x + j), vscale);
    const auto t = hn::Trunc(v);
    const auto away = hn::IfThenElseZero(hn::Ge(hn::Abs(hn::Sub(v, t)), half), hn::CopySign(one, v));
    const auto r = hn::Min(hn::Max(hn::Add(t, away), hn::Neg(limit)), limit);
    hn::StoreU(hn::DemoteTo(di8, hn::ConvertTo(di32, r)), di8, q + j);
  }
}

// y[0, count) = scale * q[0, count) for one block; q always holds a whole block.
void dequantize_block(const int8_t* q, float scale, size_t count, float* y) {
  const D d;
  const DI32 di32;
  const DI8 di8;
  const size_t lanes = hn::Lanes(d);
  const auto vscale = hn::Set(d, scale);
  size_t j = 0;
  for (; j + lanes <= count; j += lanes) {
    hn::StoreU(hn::Mul(hn::ConvertTo(d, hn::PromoteTo(di32, hn::LoadU(di8, q + j))), vscale), d, y + j);
  }
  // scale * float(q) is exact-then-rounded alike in scalar code and in a lane.
  for (; j < count; ++j) y[j] = scale * static_cast<float>(q[j]);
}

}  // namespace

void f32_to_q8_row__simd(size_t k, const float* x, int8_t* q, float* scales) {
  const size_t full = k / kQ8BlockSize;
  for (size_t b = 0; b < full; ++b) quantize_block(x + b * kQ8BlockSize, q + b * kQ8BlockSize, scales + b);
  const size_t rest = k - full * kQ8BlockSize;
  if (rest != 0) {
    // Zeros pad the last block: they change no max and quantize to 0.
    HWY_ALIGN float pad[kQ8BlockSize] = {};
    std::memcpy(pad, x + full * kQ8BlockSize, rest * sizeof(float));
    quantize_block(pad, q + full * kQ8BlockSize, scales + full);
  }
}

void q8_to_f32_row__simd(size_t k, const int8_t* q, const float* scales, float* y) {
  for (size_t b = 0; b < q8_blocks(k); ++b) {
    const size_t begin = b * kQ8BlockSize;
    const size_t count = k - begin < kQ8BlockSize ? k - begin : kQ8BlockSize;
    dequantize_block(q + begin, scales[b], count, y + begin);
  }
}

}  // namespace qkv
