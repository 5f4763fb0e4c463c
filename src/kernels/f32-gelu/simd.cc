#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include "kernels/common/map-inl.h"
#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-gelu/simd-inl.h"

namespace qkv {

void f32_gelu_tanh_ukernel__simd(size_t n, const float* x, float* y) {
  map_simd::map(n, x, y, gelu_simd::gelu_tanh);
}

void f32_gelu_erf_ukernel__simd(size_t n, const float* x, float* y) {
  map_simd::map(n, x, y, gelu_simd::gelu_erf);
}

}  // namespace qkv
