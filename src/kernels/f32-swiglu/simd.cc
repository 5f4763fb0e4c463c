#include "kernels/common/map-inl.h"
#include "kernels/f32-silu/simd-inl.h"
#include "kernels/f32-swiglu/swiglu.h"

namespace qkv {

void f32_swiglu_ukernel__simd(size_t n, const float* gate, const float* up, float* y) {
  map_simd::map_gated(n, gate, up, y, silu_simd::silu);
}

}  // namespace qkv
