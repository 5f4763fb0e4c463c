#include "kernels/common/map-inl.h"
#include "kernels/f32-geglu/geglu.h"
#include "kernels/f32-gelu/simd-inl.h"

namespace qkv {

void f32_geglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y) {
  map_simd::map_gated(n, gate, up, y, gelu_simd::gelu_tanh);
}

void f32_geglu_erf_ukernel__simd(size_t n, const float* gate, const float* up, float* y) {
  map_simd::map_gated(n, gate, up, y, gelu_simd::gelu_erf);
}

}  // namespace qkv
