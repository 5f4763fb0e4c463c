// Plain-loop f32 GEMM microkernel: the oracle for 4xnr-simd.cc.
#include "kernels/f32-gemm/gemm.h"

namespace qkv {

void f32_gemm_ukernel_4xnr__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                   const float* panel, size_t panel_stride, const float* bias, float* c,
                                   size_t c_stride, bool accumulate) {
  for (size_t m = 0; m < mr; ++m) {
    for (size_t j = 0; j < nc; ++j) {
      float acc = accumulate ? c[m * c_stride + j] : (bias ? bias[j] : 0.0f);
      for (size_t k = 0; k < kc; ++k) acc += a[m * a_stride + k] * panel[k * panel_stride + j];
      c[m * c_stride + j] = acc;
    }
  }
}

}  // namespace qkv
