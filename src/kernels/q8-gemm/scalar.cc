// Plain-loop q8 GEMM: the oracle for simd.cc. Each activation row is the
// q8 GEMV's plain loop over the row group (q8-gemv/scalar.cc), which states
// the arithmetic both kernels share.
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/gemv.h"

namespace qkv {

namespace {

template <class Scale>
void gemm(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride, const float* x_scales,
          size_t xs_stride, const int8_t* q, const Scale* scales, const float* bias, float* y,
          size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q8_gemv_ukernel__scalar(nc, k, q, scales, xq + i * xq_stride, x_scales + i * xs_stride, bias,
                            y + i * y_stride);
  }
}

}  // namespace

void q8_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                             const float* bias, float* y, size_t y_stride) {
  gemm(mr, nc, k, xq, xq_stride, x_scales, xs_stride, q, scales, bias, y, y_stride);
}

void q8_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, size_t xs_stride, const int8_t* q, const uint16_t* scales,
                             const float* bias, float* y, size_t y_stride) {
  gemm(mr, nc, k, xq, xq_stride, x_scales, xs_stride, q, scales, bias, y, y_stride);
}

void q8_gemm_pack_group__scalar(size_t k, const int8_t* q, int16_t* packed) {
  for (size_t b = 0; b < q8_blocks(k); ++b) {
    for (size_t p = 0; p < kQ8BlockSize / 2; ++p) {
      for (size_t r = 0; r < kQ8RowGroup; ++r) {
        for (size_t e = 0; e < 2; ++e) {
          packed[((b * (kQ8BlockSize / 2) + p) * kQ8RowGroup + r) * 2 + e] =
              q[q8_grouped_block(r, b, k) * kQ8BlockSize + 2 * p + e];
        }
      }
    }
  }
}

}  // namespace qkv
