#include <hwy/highway.h>

#include <cstring>

#include "kernels/f32-geglu/geglu.h"
#include "kernels/f32-gelu/simd-inl.h"

namespace qkv {
namespace {

using namespace gelu_simd;  // NOLINT(build/namespaces): D, V, hn, gelu_tanh, gelu_erf

// y = gelu(gate) * up with the GELU `gelu`.
template <class Gelu>
void geglu(size_t n, const float* gate, const float* up, float* y, Gelu gelu) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  for (size_t i = 0; i < body; i += lanes) {
    hn::StoreU(hn::Mul(gelu(d, hn::LoadU(d, gate + i)), hn::LoadU(d, up + i)), d, y + i);
  }
  // The tail through padded stack vectors: the body's arithmetic, nothing
  // read past gate or up.
  if (body != n) {
    HWY_ALIGN float pg[HWY_MAX_BYTES / sizeof(float)] = {};
    HWY_ALIGN float pu[HWY_MAX_BYTES / sizeof(float)] = {};
    std::memcpy(pg, gate + body, (n - body) * sizeof(float));
    std::memcpy(pu, up + body, (n - body) * sizeof(float));
    hn::Store(hn::Mul(gelu(d, hn::Load(d, pg)), hn::Load(d, pu)), d, pg);
    std::memcpy(y + body, pg, (n - body) * sizeof(float));
  }
}

}  // namespace

void f32_geglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y) {
  geglu(n, gate, up, y, [](D d, V x) { return gelu_tanh(d, x); });
}

void f32_geglu_erf_ukernel__simd(size_t n, const float* gate, const float* up, float* y) {
  geglu(n, gate, up, y, [](D d, V x) { return gelu_erf(d, x); });
}

}  // namespace qkv
