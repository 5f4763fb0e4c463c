// Highway f32 GEMV over 1..4 interleaved panels (the template is shared with
// the f16 GEMV in kernels/gemm/simd-inl.h).
#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/simd-inl.h"

namespace qkv {

void f32_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                   const float* bias, float* y) {
  gemm_simd::gemv_dispatch(count, nc, k, x, panels, bias, y);
}

}  // namespace qkv
