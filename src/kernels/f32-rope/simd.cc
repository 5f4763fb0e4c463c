#include <hwy/highway.h>

#include "kernels/f32-rope/rope.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

void f32_rope_ukernel__simd(size_t n_head, size_t head_dim, size_t n_rot, const float* cos, const float* sin,
                            RopeStyle style, float* x) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t half = n_rot / 2;
  const size_t body = half - half % lanes;
  for (size_t h = 0; h < n_head; ++h) {
    float* xh = x + h * head_dim;
    if (style == RopeStyle::kHalfSplit) {
      for (size_t i = 0; i < body; i += lanes) {
        const auto c = hn::LoadU(d, cos + i), s = hn::LoadU(d, sin + i);
        const auto a = hn::LoadU(d, xh + i), b = hn::LoadU(d, xh + half + i);
        hn::StoreU(hn::MulSub(a, c, hn::Mul(b, s)), d, xh + i);
        hn::StoreU(hn::MulAdd(b, c, hn::Mul(a, s)), d, xh + half + i);
      }
    } else {
      for (size_t i = 0; i < body; i += lanes) {
        const auto c = hn::LoadU(d, cos + i), s = hn::LoadU(d, sin + i);
        hn::Vec<decltype(d)> a, b;
        hn::LoadInterleaved2(d, xh + 2 * i, a, b);
        hn::StoreInterleaved2(hn::MulSub(a, c, hn::Mul(b, s)), hn::MulAdd(b, c, hn::Mul(a, s)), d,
                              xh + 2 * i);
      }
    }
    // The pairs left over are few (n_rot/2 is usually a multiple of the
    // lanes); scalar float code is simpler than padded copies here.
    for (size_t i = body; i < half; ++i) {
      float& a = xh[style == RopeStyle::kInterleaved ? 2 * i : i];
      float& b = xh[style == RopeStyle::kInterleaved ? 2 * i + 1 : i + half];
      const float va = a, vb = b;
      a = va * cos[i] - vb * sin[i];
      b = vb * cos[i] + va * sin[i];
    }
  }
}

}  // namespace qkv
