#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <cstring>

#include "kernels/f32-silu/silu.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// x * sigmoid(x) from e = exp(-|x|), which never overflows: x / (1 + e) for
// x >= 0 and x e / (1 + e) below. exp(-x) itself would overflow for
// x < -88.7 and lose the (tiny) results down to -104 where Exp flushes to 0.
V silu(D d, V x) {
  const V e = hn::Exp(d, hn::Neg(hn::Abs(x)));
  const V q = hn::Div(x, hn::Add(hn::Set(d, 1.0f), e));
  return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Mul(q, e), q);
}

}  // namespace

void f32_silu_ukernel__simd(size_t n, const float* x, float* y) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  for (size_t i = 0; i < body; i += lanes) hn::StoreU(silu(d, hn::LoadU(d, x + i)), d, y + i);
  if (body != n) {
    // A padded vector gives the tail the body's arithmetic without reading past x.
    HWY_ALIGN float pad[HWY_MAX_BYTES / sizeof(float)] = {};
    std::memcpy(pad, x + body, (n - body) * sizeof(float));
    hn::Store(silu(d, hn::Load(d, pad)), d, pad);
    std::memcpy(y + body, pad, (n - body) * sizeof(float));
  }
}

void f32_swiglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  for (size_t i = 0; i < body; i += lanes) {
    hn::StoreU(hn::Mul(silu(d, hn::LoadU(d, gate + i)), hn::LoadU(d, up + i)), d, y + i);
  }
  if (body != n) {
    HWY_ALIGN float pg[HWY_MAX_BYTES / sizeof(float)] = {};
    HWY_ALIGN float pu[HWY_MAX_BYTES / sizeof(float)] = {};
    std::memcpy(pg, gate + body, (n - body) * sizeof(float));
    std::memcpy(pu, up + body, (n - body) * sizeof(float));
    hn::Store(hn::Mul(silu(d, hn::Load(d, pg)), hn::Load(d, pu)), d, pg);
    std::memcpy(y + body, pg, (n - body) * sizeof(float));
  }
}

}  // namespace qkv
