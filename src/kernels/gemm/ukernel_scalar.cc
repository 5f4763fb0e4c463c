// Plain-loop forms of the GEMM/GEMV microkernels: the oracles for the SIMD ones.
#include <cmath>

#include "kernels/common/f16.h"
#include "kernels/common/q8.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/ukernels.h"

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

namespace {

template <class LoadWeight>
void gemv_4panel_scalar(size_t count, size_t nc, size_t k, const float* x, const float* bias, float* y,
                        LoadWeight weight) {
  const size_t nr = gemm_nr();
  for (size_t p = 0; p < count; ++p) {
    const size_t cols = p + 1 == count ? nc : nr;
    for (size_t j = 0; j < cols; ++j) {
      double acc = bias ? bias[p * nr + j] : 0.0;
      for (size_t i = 0; i < k; ++i) acc += double(x[i]) * weight((i * count + p) * nr + j);
      y[p * nr + j] = static_cast<float>(acc);
    }
  }
}

}  // namespace

void f32_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                     const float* bias, float* y) {
  gemv_4panel_scalar(count, nc, k, x, bias, y, [&](size_t i) { return double(panels[i]); });
}

void f16_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x,
                                     const uint16_t* panels, const float* bias, float* y) {
  gemv_4panel_scalar(count, nc, k, x, bias, y, [&](size_t i) { return double(f16_to_f32(panels[i])); });
}

void q8_rows_to_panel(size_t nc, size_t k, size_t k0, size_t kc, const int8_t* q, const float* scales,
                      float* panel) {
  const size_t nr = gemm_nr();
  for (size_t j = 0; j < nr; ++j) {
    if (j >= nc) {
      for (size_t i = 0; i < kc; ++i) panel[i * nr + j] = 0.0f;
      continue;
    }
    for (size_t i0 = 0; i0 < kc; i0 += kQ8BlockSize) {
      const size_t at = q8_grouped_block(j, (k0 + i0) / kQ8BlockSize, k);
      const int8_t* qb = q + at * kQ8BlockSize;
      const float scale = scales[at];
      for (size_t i = i0; i < std::min(kc, i0 + kQ8BlockSize); ++i) panel[i * nr + j] = scale * float(qb[i - i0]);
    }
  }
}

void q8_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                             const float* x_scales, const float* bias, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    double acc = bias ? bias[r] : 0.0;
    for (size_t b = 0; b < q8_blocks(k); ++b) {
      const size_t at = q8_grouped_block(r, b, k);
      int32_t dot = 0;
      for (size_t i = 0; i < kQ8BlockSize; ++i) {
        dot += int32_t(q[at * kQ8BlockSize + i]) * xq[b * kQ8BlockSize + i];
      }
      acc += double(scales[at]) * x_scales[b] * dot;
    }
    y[r] = static_cast<float>(acc);
  }
}

}  // namespace qkv
