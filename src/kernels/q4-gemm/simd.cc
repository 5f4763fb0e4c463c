// Highway q4 GEMM: the row group's weights (4 rows × K/2 bytes) stay in L1
// while the activation rows pass over them two at a time (q4_group_x2: each
// unpacked block serves both), each with the GEMV's own arithmetic
// (q4-gemv/group-inl.h), so a prefilled token's outputs are bit for bit those
// of the same token decoded alone.
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4-gemv/group-inl.h"

namespace qkv {

void q4_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* q,
                           const float* scales, const float* bias, float* y, size_t y_stride) {
  size_t i = 0;
  for (; i + 2 <= mr; i += 2) {
    hwy::HWY_NAMESPACE::Vec<q4_simd::D4> a, b;
    const size_t ia = i * xs_stride, ib = (i + 1) * xs_stride;
    q4_simd::q4_group_x2(k, q, scales, xq + i * xq_stride, x_scales + ia, x_sums + ia,
                         xq + (i + 1) * xq_stride, x_scales + ib, x_sums + ib, &a, &b);
    q4_simd::store_group(a, nc, bias, y + i * y_stride);
    q4_simd::store_group(b, nc, bias, y + (i + 1) * y_stride);
  }
  if (i < mr) {
    q4_simd::store_group(
        q4_simd::q4_group(k, q, scales, xq + i * xq_stride, x_scales + i * xs_stride, x_sums + i * xs_stride),
        nc, bias, y + i * y_stride);
  }
}

}  // namespace qkv
