#include <hwy/highway.h>

#include <cmath>

#include "kernels/f32-rmsnorm/rmsnorm.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

void f32_rmsnorm_ukernel__simd(size_t n, const float* x, const float* weight, float eps, float* y) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;

  // Float lanes within blocks, double across blocks: ~1e-7 relative for any n.
  constexpr size_t kBlock = 1024;
  double sq = 0.0;
  for (size_t start = 0; start < body; start += kBlock) {
    const size_t stop = start + kBlock < body ? start + kBlock : body;
    auto acc = hn::Zero(d);
    for (size_t i = start; i < stop; i += lanes) {
      const auto v = hn::LoadU(d, x + i);
      acc = hn::MulAdd(v, v, acc);
    }
    sq += hn::GetLane(hn::SumOfLanes(d, acc));
  }
  for (size_t i = body; i < n; ++i) sq += static_cast<double>(x[i]) * x[i];
  const auto rstd = hn::Set(d, static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(n) + eps)));

  // x * rstd first, then * weight: the order of HF's float32 computation.
  if (weight != nullptr) {
    for (size_t i = 0; i < body; i += lanes) {
      hn::StoreU(hn::Mul(hn::Mul(hn::LoadU(d, x + i), rstd), hn::LoadU(d, weight + i)), d, y + i);
    }
  } else {
    for (size_t i = 0; i < body; i += lanes) hn::StoreU(hn::Mul(hn::LoadU(d, x + i), rstd), d, y + i);
  }
  // Two float multiplies round the same in a lane as in scalar code, so the
  // tail needs no padded vector to match the body bit for bit.
  const float s = hn::GetLane(rstd);
  for (size_t i = body; i < n; ++i) y[i] = weight != nullptr ? x[i] * s * weight[i] : x[i] * s;
}

}  // namespace qkv
