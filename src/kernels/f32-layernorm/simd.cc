#include <hwy/highway.h>

#include <cmath>
#include <cstring>

#include "kernels/f32-layernorm/layernorm.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// Sums are taken in float lanes within blocks and in double across blocks,
// so a 1M-value row keeps ~1e-7 relative accuracy.
constexpr size_t kBlock = 1024;

// Sum over the vector body of f(x[i..i+lanes)); the caller adds the tail.
template <class F>
double blocked_sum(D d, size_t body, const float* x, F f) {
  const size_t lanes = hn::Lanes(d);
  double sum = 0.0;
  for (size_t start = 0; start < body; start += kBlock) {
    const size_t stop = start + kBlock < body ? start + kBlock : body;
    V acc = hn::Zero(d);
    for (size_t i = start; i < stop; i += lanes) acc = hn::Add(acc, f(hn::LoadU(d, x + i)));
    sum += hn::GetLane(hn::SumOfLanes(d, acc));
  }
  return sum;
}

// y = (x - mean) * rstd * gamma + beta for lanes starting at i; gamma/beta
// presence is a template parameter so the loop carries no branches.
template <bool kGamma, bool kBeta>
void normalize(D d, size_t n, const float* x, const float* gamma, const float* beta, V mean, V rstd,
               float* y) {
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  // g and b are read at offset i only when present: offsetting an absent
  // (null) gamma or beta would itself be undefined behaviour.
  auto apply = [&](V v, const float* g, const float* b, size_t i) {
    v = hn::Mul(hn::Sub(v, mean), rstd);
    if (kGamma) v = hn::Mul(v, hn::LoadU(d, g + i));
    if (kBeta) v = hn::Add(v, hn::LoadU(d, b + i));
    return v;
  };
  for (size_t i = 0; i < body; i += lanes) {
    hn::StoreU(apply(hn::LoadU(d, x + i), gamma, beta, i), d, y + i);
  }
  const size_t tail = n - body;
  if (tail != 0) {
    // Padded copies give the tail the same arithmetic as the body without
    // reading past any of the three arrays.
    HWY_ALIGN float px[HWY_MAX_BYTES / sizeof(float)] = {};
    HWY_ALIGN float pg[HWY_MAX_BYTES / sizeof(float)] = {};
    HWY_ALIGN float pb[HWY_MAX_BYTES / sizeof(float)] = {};
    std::memcpy(px, x + body, tail * sizeof(float));
    if (kGamma) std::memcpy(pg, gamma + body, tail * sizeof(float));
    if (kBeta) std::memcpy(pb, beta + body, tail * sizeof(float));
    hn::Store(apply(hn::Load(d, px), pg, pb, 0), d, px);
    std::memcpy(y + body, px, tail * sizeof(float));
  }
}

}  // namespace

void f32_layernorm_ukernel__simd(size_t n, const float* x, const float* gamma, const float* beta, float eps,
                                 float* y) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;

  double sum = blocked_sum(d, body, x, [](V v) { return v; });
  for (size_t i = body; i < n; ++i) sum += x[i];
  const float mean = static_cast<float>(sum / static_cast<double>(n));

  // Two-pass variance: E[x^2] - E[x]^2 loses every digit when |mean| >> std
  // (e.g. GPT-2's residual stream has channels with large offsets).
  const V vmean = hn::Set(d, mean);
  double sq = blocked_sum(d, body, x, [&](V v) {
    const V c = hn::Sub(v, vmean);
    return hn::Mul(c, c);
  });
  for (size_t i = body; i < n; ++i) sq += static_cast<double>(x[i] - mean) * (x[i] - mean);
  const V rstd = hn::Set(d, static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(n) + eps)));

  if (gamma != nullptr && beta != nullptr) {
    normalize<true, true>(d, n, x, gamma, beta, vmean, rstd, y);
  } else if (gamma != nullptr) {
    normalize<true, false>(d, n, x, gamma, beta, vmean, rstd, y);
  } else if (beta != nullptr) {
    normalize<false, true>(d, n, x, gamma, beta, vmean, rstd, y);
  } else {
    normalize<false, false>(d, n, x, gamma, beta, vmean, rstd, y);
  }
}

}  // namespace qkv
