#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/f32-softmax/softmax.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

// Three passes over the row (max, exp+sum, scale); the row is short enough
// (vocab or key length) to stay in cache between passes. The n % lanes tail
// goes through a padded stack vector so every lane uses the same exp as the
// body and nothing reads past the row.
void f32_softmax_ukernel__simd(size_t n, const float* x, float* y) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  const size_t tail = n - body;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  HWY_ALIGN float pad[HWY_MAX_BYTES / sizeof(float)];

  auto vmax = hn::Set(d, kNegInf);
  // IsNaN, not Ne(v, v): Highway 1.0.3 compares ordered on AVX-512, so NaN != NaN is false there.
  auto nan_mask = hn::IsNaN(vmax);  // all false
  for (size_t i = 0; i < body; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    vmax = hn::Max(vmax, v);
    nan_mask = hn::Or(nan_mask, hn::IsNaN(v));
  }
  if (tail != 0) {
    for (size_t i = 0; i < lanes; ++i) pad[i] = i < tail ? x[body + i] : kNegInf;
    const auto v = hn::Load(d, pad);
    vmax = hn::Max(vmax, v);
    nan_mask = hn::Or(nan_mask, hn::IsNaN(v));
  }
  // Highway's Exp maps NaN to 0, so NaN is propagated explicitly, matching
  // the scalar reference and torch.softmax.
  if (!hn::AllFalse(d, nan_mask)) {
    for (size_t i = 0; i < n; ++i) y[i] = std::numeric_limits<float>::quiet_NaN();
    return;
  }
  vmax = hn::MaxOfLanes(d, vmax);

  // The sum is taken in blocks: float lanes within a block, double across
  // blocks, so a 1M-entry row keeps ~1e-6 relative accuracy.
  constexpr size_t kBlock = 1024;
  double sum = 0.0;
  for (size_t start = 0; start < body; start += kBlock) {
    const size_t stop = start + kBlock < body ? start + kBlock : body;
    auto vsum = hn::Zero(d);
    for (size_t i = start; i < stop; i += lanes) {
      const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vmax));
      hn::StoreU(e, d, y + i);
      vsum = hn::Add(vsum, e);
    }
    sum += hn::GetLane(hn::SumOfLanes(d, vsum));
  }
  if (tail != 0) {
    // Padding lanes are -inf: exp(-inf - max) is 0 and adds nothing.
    const auto e = hn::Exp(d, hn::Sub(hn::Load(d, pad), vmax));
    hn::Store(e, d, pad);
    sum += hn::GetLane(hn::SumOfLanes(d, e));
    std::memcpy(y + body, pad, tail * sizeof(float));
  }

  const auto vscale = hn::Set(d, static_cast<float>(1.0 / sum));
  for (size_t i = 0; i < body; i += lanes) {
    hn::StoreU(hn::Mul(hn::LoadU(d, y + i), vscale), d, y + i);
  }
  const float scale = hn::GetLane(vscale);
  for (size_t i = body; i < n; ++i) y[i] *= scale;
}

}  // namespace qkv
