#include <hwy/highway.h>

#include <cstring>

#include "kernels/f32-silu/silu.h"
#include "kernels/f32-silu/simd-inl.h"

namespace qkv {

void f32_silu_ukernel__simd(size_t n, const float* x, float* y) {
  using namespace silu_simd;  // NOLINT(build/namespaces): D, hn, silu
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

}  // namespace qkv
