#include "kernels/common/map-inl.h"
#include "kernels/f32-silu/silu.h"
#include "kernels/f32-silu/simd-inl.h"

namespace qkv {

void f32_silu_ukernel__simd(size_t n, const float* x, float* y) { map_simd::map(n, x, y, silu_simd::silu); }

}  // namespace qkv
