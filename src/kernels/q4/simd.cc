// Highway f32 -> q4: the float steps of scalar.cc lane by lane, so the bits agree.
#include <hwy/highway.h>

#include <cstring>

#include "kernels/q4/quant.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

// At most one block per vector, so the lanes always divide the block.
using D = hn::CappedTag<float, kQ4BlockSize>;
using DI32 = hn::RebindToSigned<D>;

void quantize_block(const float* x, uint8_t* nibbles, float* d_out, float* m_out) {
  const D d;
  const DI32 di32;
  const size_t lanes = hn::Lanes(d);
  auto vmin = hn::LoadU(d, x), vmax = vmin;
  for (size_t j = lanes; j < kQ4BlockSize; j += lanes) {
    const auto v = hn::LoadU(d, x + j);
    vmin = hn::Min(vmin, v);
    vmax = hn::Max(vmax, v);
  }
  const float lo = hn::GetLane(hn::MinOfLanes(d, vmin)), hi = hn::GetLane(hn::MaxOfLanes(d, vmax));
  const float scale = (hi - lo) / 15.0f + 0.0f;
  *d_out = scale;
  *m_out = lo + 0.0f;
  HWY_ALIGN int32_t q[kQ4BlockSize] = {};
  if (scale != 0.0f) {
    const auto vlo = hn::Set(d, lo), vscale = hn::Set(d, scale), half = hn::Set(d, 0.5f);
    const auto one = hn::Set(di32, 1), zero = hn::Zero(di32), top = hn::Set(di32, 15);
    for (size_t j = 0; j < kQ4BlockSize; j += lanes) {
      // Division, as in the scalar reference. The quotient is >= 0, so half
      // away from zero is trunc + 1 when the fraction is >= 0.5 (exact, unlike
      // Trunc(v + 0.5), which rounds 0.49999997 up).
      const auto v = hn::Div(hn::Sub(hn::LoadU(d, x + j), vlo), vscale);
      const auto t = hn::Trunc(v);
      auto r = hn::ConvertTo(di32, t);
      r = hn::Add(r, hn::IfThenElseZero(hn::RebindMask(di32, hn::Ge(hn::Sub(v, t), half)), one));
      hn::Store(hn::Min(hn::Max(r, zero), top), di32, q + j);
    }
  }
  for (size_t j = 0; j < kQ4BlockBytes; ++j) {
    nibbles[j] = static_cast<uint8_t>(q[j] | q[j + kQ4BlockBytes] << 4);
  }
}

}  // namespace

void f32_to_q4_row__simd(size_t k, const float* x, uint8_t* nibbles, float* d, float* m) {
  const size_t full = k / kQ4BlockSize;
  for (size_t b = 0; b < full; ++b) {
    quantize_block(x + b * kQ4BlockSize, nibbles + b * kQ4BlockBytes, d + b, m + b);
  }
  const size_t rest = k - full * kQ4BlockSize;
  if (rest != 0) {
    // The last block's min and max are over its real values: pad with a copy
    // of one of them, then zero the padding's q.
    HWY_ALIGN float pad[kQ4BlockSize];
    for (size_t i = 0; i < kQ4BlockSize; ++i) pad[i] = x[full * kQ4BlockSize + (i < rest ? i : 0)];
    uint8_t* out = nibbles + full * kQ4BlockBytes;
    quantize_block(pad, out, d + full, m + full);
    for (size_t i = rest; i < kQ4BlockSize; ++i) {
      out[i % kQ4BlockBytes] &= i < kQ4BlockBytes ? 0xf0 : 0x0f;
    }
  }
}

}  // namespace qkv
