#include <hwy/highway.h>

#include "kernels/f32-add/add.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

void f32_add_ukernel__simd(size_t n, const float* a, const float* b, float* y) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  for (size_t i = 0; i < body; i += lanes) {
    hn::StoreU(hn::Add(hn::LoadU(d, a + i), hn::LoadU(d, b + i)), d, y + i);
  }
  // One float add rounds the same in scalar code as in a lane.
  for (size_t i = body; i < n; ++i) y[i] = a[i] + b[i];
}

}  // namespace qkv
