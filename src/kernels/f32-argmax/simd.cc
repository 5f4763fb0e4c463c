#include <hwy/highway.h>

#include <limits>

#include "kernels/f32-argmax/argmax.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

// Two passes, the maximum and then its first occurrence, keep the loops free
// of index bookkeeping; a vocabulary row (200 KB) stays in cache between them.
size_t f32_argmax_ukernel__simd(size_t n, const float* x) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  const float kNegInf = -std::numeric_limits<float>::infinity();

  const auto ninf = hn::Set(d, kNegInf);
  auto vmax = ninf;
  for (size_t i = 0; i < body; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    // Max's NaN behaviour differs by target; NaN lanes become -inf instead.
    vmax = hn::Max(vmax, hn::IfThenElse(hn::IsNaN(v), ninf, v));
  }
  float max_value = hn::GetLane(hn::MaxOfLanes(d, vmax));
  for (size_t i = body; i < n; ++i) {
    if (x[i] > max_value) max_value = x[i];  // false for NaN
  }

  // Eq is false for NaN, so an all-NaN row finds nothing and returns 0.
  const auto vm = hn::Set(d, max_value);
  for (size_t i = 0; i < body; i += lanes) {
    const auto hit = hn::Eq(hn::LoadU(d, x + i), vm);
    if (!hn::AllFalse(d, hit)) return i + static_cast<size_t>(hn::FindFirstTrue(d, hit));
  }
  for (size_t i = body; i < n; ++i) {
    if (x[i] == max_value) return i;
  }
  return 0;
}

}  // namespace qkv
