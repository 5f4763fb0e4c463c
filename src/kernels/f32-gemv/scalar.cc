// Plain-loop f32 GEMVs over a panel group: the oracles for 4panel-simd.cc and
// 8x4panel-simd.cc.
#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/packed_layout.h"

namespace qkv {

void f32_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                     const float* bias, float* y) {
  const size_t nr = gemm_nr();
  for (size_t p = 0; p < count; ++p) {
    const size_t cols = p + 1 == count ? nc : nr;
    for (size_t j = 0; j < cols; ++j) {
      double acc = bias ? bias[p * nr + j] : 0.0;
      for (size_t i = 0; i < k; ++i) acc += double(x[i]) * double(panels[(i * count + p) * nr + j]);
      y[p * nr + j] = static_cast<float>(acc);
    }
  }
}

void f32_gemv_ukernel_8x4panel__scalar(size_t m, size_t count, size_t nc, size_t k, const float* x,
                                       size_t x_stride, const float* panels, const float* bias, float* y,
                                       size_t y_stride) {
  for (size_t r = 0; r < m; ++r) {
    f32_gemv_ukernel_4panel__scalar(count, nc, k, x + r * x_stride, panels, bias, y + r * y_stride);
  }
}

}  // namespace qkv
