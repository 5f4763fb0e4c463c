// Elementwise Highway loops shared by the activation kernels (f32-gelu,
// f32-silu, f32-geglu, f32-swiglu): full vectors for the body, and the
// n % lanes tail through padded stack vectors, so the tail gets the body's
// arithmetic and nothing is read past the inputs.
#pragma once

#include <hwy/highway.h>

#include <cstddef>
#include <cstring>

namespace qkv {
namespace map_simd {
// Internal linkage: each kernel file compiles its own copy.
namespace {

// y = f(x) for n values; f(d, v) is a vector function.
template <class F>
void map(size_t n, const float* x, float* y, F f) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<float> d;
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

// y = act(gate) * up for n values (a gated linear unit); y may alias gate or up.
template <class F>
void map_gated(size_t n, const float* gate, const float* up, float* y, F act) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const size_t body = n - n % lanes;
  for (size_t i = 0; i < body; i += lanes) {
    hn::StoreU(hn::Mul(act(d, hn::LoadU(d, gate + i)), hn::LoadU(d, up + i)), d, y + i);
  }
  if (body != n) {
    HWY_ALIGN float pg[HWY_MAX_BYTES / sizeof(float)] = {};
    HWY_ALIGN float pu[HWY_MAX_BYTES / sizeof(float)] = {};
    std::memcpy(pg, gate + body, (n - body) * sizeof(float));
    std::memcpy(pu, up + body, (n - body) * sizeof(float));
    hn::Store(hn::Mul(act(d, hn::Load(d, pg)), hn::Load(d, pu)), d, pg);
    std::memcpy(y + body, pg, (n - body) * sizeof(float));
  }
}

}  // namespace
}  // namespace map_simd
}  // namespace qkv
