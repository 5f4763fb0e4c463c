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
  const size_t row_q = q8_padded(k), row_s = q8_blocks(k);
  for (size_t j = 0; j < nr; ++j) {
    if (j >= nc) {
      for (size_t i = 0; i < kc; ++i) panel[i * nr + j] = 0.0f;
      continue;
    }
    const int8_t* qr = q + j * row_q + k0;
    const float* sr = scales + j * row_s + k0 / kQ8BlockSize;
    for (size_t i = 0; i < kc; ++i) panel[i * nr + j] = sr[i / kQ8BlockSize] * float(qr[i]);
  }
}

void f32_to_q8x16_row(size_t k, const float* x, int16_t* xq, float* x_scales) {
  for (size_t b = 0; b < q8_blocks(k); ++b) {
    const size_t begin = b * kQ8BlockSize;
    float amax = 0.0f;
    for (size_t i = begin; i < begin + kQ8BlockSize && i < k; ++i) amax = std::fmax(amax, std::fabs(x[i]));
    const float scale = amax / 127.0f;
    const float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
    x_scales[b] = scale;
    for (size_t i = begin; i < begin + kQ8BlockSize; ++i) {
      xq[i] = i < k ? static_cast<int16_t>(std::fmax(-127.0f, std::fmin(127.0f, std::round(x[i] * inv)))) : 0;
    }
  }
}

void q8_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                             const float* x_scales, const float* bias, float* y) {
  const size_t row_q = q8_padded(k), row_s = q8_blocks(k);
  for (size_t r = 0; r < rows; ++r) {
    double acc = bias ? bias[r] : 0.0;
    for (size_t b = 0; b < row_s; ++b) {
      int32_t dot = 0;
      for (size_t i = 0; i < kQ8BlockSize; ++i) {
        dot += int32_t(q[r * row_q + b * kQ8BlockSize + i]) * xq[b * kQ8BlockSize + i];
      }
      acc += double(scales[r * row_s + b]) * x_scales[b] * dot;
    }
    y[r] = static_cast<float>(acc);
  }
}

}  // namespace qkv
