// Highway f16 GEMV over 1..4 interleaved panels: the f32 GEMV's loop with
// each f16 weight widened in 3 integer ops (kernels/gemm/simd-inl.h).
#include "kernels/f16-gemv/gemv.h"
#include "kernels/gemm/simd-inl.h"

namespace qkv {

void f16_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const uint16_t* panels,
                                   const float* bias, float* y) {
  gemm_simd::gemv_dispatch(count, nc, k, x, panels, bias, y);
}

}  // namespace qkv
