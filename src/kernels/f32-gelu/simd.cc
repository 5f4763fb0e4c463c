#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <cstring>

#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-gelu/simd-inl.h"

namespace qkv {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

using gelu_simd::gelu_erf;
using gelu_simd::gelu_tanh;

// Applies f to every value; the n % lanes tail goes through a padded stack
// vector so it uses the same arithmetic as the body and reads nothing past x.
template <class F>
void map(size_t n, const float* x, float* y, F f) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  for (size_t i = 0; i < body; i += lanes) hn::StoreU(f(d, hn::LoadU(d, x + i)), d, y + i);
  if (body != n) {
    HWY_ALIGN float pad[HWY_MAX_BYTES / sizeof(float)] = {};
    std::memcpy(pad, x + body, (n - body) * sizeof(float));
    hn::Store(f(d, hn::Load(d, pad)), d, pad);
    std::memcpy(y + body, pad, (n - body) * sizeof(float));
  }
}

}  // namespace

void f32_gelu_tanh_ukernel__simd(size_t n, const float* x, float* y) { map(n, x, y, gelu_tanh); }

void f32_gelu_erf_ukernel__simd(size_t n, const float* x, float* y) { map(n, x, y, gelu_erf); }

}  // namespace qkv
