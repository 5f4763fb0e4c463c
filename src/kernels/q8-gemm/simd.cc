// Highway q8 GEMM: the row group's weights (4 rows × K bytes) stay in L1
// while the activation rows pass over them two at a time (q8_group_x2: one
// widened weight load serves both), each with the GEMV's own arithmetic
// (group-inl.h), so a prefilled token's outputs are bit for bit those of the
// same token decoded alone.
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/group-inl.h"

namespace qkv {

namespace {

template <class Scale>
void gemm(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride, const float* x_scales,
          size_t xs_stride, const int8_t* q, const Scale* scales, const float* bias, float* y,
          size_t y_stride) {
  size_t i = 0;
  for (; i + 2 <= mr; i += 2) {
    hwy::HWY_NAMESPACE::Vec<q8_simd::D4> a, b;
    q8_simd::q8_group_x2(k, q, scales, xq + i * xq_stride, x_scales + i * xs_stride, xq + (i + 1) * xq_stride,
                         x_scales + (i + 1) * xs_stride, &a, &b);
    q8_simd::store_group(a, nc, bias, y + i * y_stride);
    q8_simd::store_group(b, nc, bias, y + (i + 1) * y_stride);
  }
  if (i < mr) {
    q8_simd::store_group(q8_simd::q8_group(k, q, scales, xq + i * xq_stride, x_scales + i * xs_stride), nc,
                         bias, y + i * y_stride);
  }
}

}  // namespace

void q8_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                           const float* bias, float* y, size_t y_stride) {
  gemm(mr, nc, k, xq, xq_stride, x_scales, xs_stride, q, scales, bias, y, y_stride);
}

void q8_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, size_t xs_stride, const int8_t* q, const uint16_t* scales,
                           const float* bias, float* y, size_t y_stride) {
  gemm(mr, nc, k, xq, xq_stride, x_scales, xs_stride, q, scales, bias, y, y_stride);
}

}  // namespace qkv
