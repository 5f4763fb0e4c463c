#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/f32-softmax/softmax.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

// The row's max and sum of exp(x - max) (exps[i] = exp(x[i] - max) when
// exps is not null; it may alias x). False if the row holds a NaN. The n %
// lanes tail goes through a padded stack vector so every lane uses the same
// exp as the body and nothing reads past the row.
bool max_and_exp_sum(size_t n, const float* x, float* exps, float* max_out, double* sum_out) {
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
  // Highway's Exp maps NaN to 0, so the callers propagate NaN explicitly,
  // matching the scalar references and torch.
  if (!hn::AllFalse(d, nan_mask)) return false;
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
      if (exps != nullptr) hn::StoreU(e, d, exps + i);
      vsum = hn::Add(vsum, e);
    }
    sum += hn::GetLane(hn::SumOfLanes(d, vsum));
  }
  if (tail != 0) {
    // Padding lanes are -inf: exp(-inf - max) is 0 and adds nothing.
    const auto e = hn::Exp(d, hn::Sub(hn::Load(d, pad), vmax));
    hn::Store(e, d, pad);
    sum += hn::GetLane(hn::SumOfLanes(d, e));
    if (exps != nullptr) std::memcpy(exps + body, pad, tail * sizeof(float));
  }
  *max_out = hn::GetLane(vmax);
  *sum_out = sum;
  return true;
}

void fill_nan(size_t n, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = std::numeric_limits<float>::quiet_NaN();
}

}  // namespace

// Three passes over the row (max, exp+sum, scale); the row is short enough
// (vocab or key length) to stay in cache between passes.
void f32_softmax_ukernel__simd(size_t n, const float* x, float* y) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  float max_value;
  double sum;
  if (!max_and_exp_sum(n, x, y, &max_value, &sum)) return fill_nan(n, y);
  const auto vscale = hn::Set(d, static_cast<float>(1.0 / sum));
  for (size_t i = 0; i < body; i += lanes) {
    hn::StoreU(hn::Mul(hn::LoadU(d, y + i), vscale), d, y + i);
  }
  const float scale = hn::GetLane(vscale);
  for (size_t i = body; i < n; ++i) y[i] *= scale;
}

// Two passes over x (max, exp sum), one writing y: the exps are not kept,
// so x is intact for the last pass even in place.
void f32_log_softmax_ukernel__simd(size_t n, const float* x, float* y) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  float max_value;
  double sum;
  if (!max_and_exp_sum(n, x, nullptr, &max_value, &sum)) return fill_nan(n, y);
  // A row of only -inf: max - inf, NaN everywhere as torch gives.
  const float shift = max_value + static_cast<float>(std::log(sum));
  const auto vshift = hn::Set(d, shift);
  for (size_t i = 0; i < body; i += lanes) hn::StoreU(hn::Sub(hn::LoadU(d, x + i), vshift), d, y + i);
  for (size_t i = body; i < n; ++i) y[i] = x[i] - shift;
}

}  // namespace qkv
