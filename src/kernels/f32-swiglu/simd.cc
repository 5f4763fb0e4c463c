#include <hwy/highway.h>

#include <cstring>

#include "kernels/f32-silu/simd-inl.h"
#include "kernels/f32-swiglu/swiglu.h"

namespace qkv {

void f32_swiglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y) {
  using namespace silu_simd;  // NOLINT(build/namespaces): D, hn, silu
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
