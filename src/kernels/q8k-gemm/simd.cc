// Highway q8k GEMM: the activation rows pass over one row group two at a
// time (q8k_group_x2: each widened block of weights serves both), each with
// the GEMV's own arithmetic (q8k-gemv/group-inl.h), so a prefilled token's
// outputs are bit for bit those of the same token decoded alone.
#include "kernels/q8k-gemm/gemm.h"
#include "kernels/q8k-gemv/group-inl.h"

namespace qkv {

void q8k_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                            const int32_t* x_offsets, const float* x_scales, const float* x_sums,
                            size_t xs_stride, const int8_t* data, const float* scales, const float* bias,
                            float* y, size_t y_stride) {
  size_t i = 0;
  for (; i + 2 <= mr; i += 2) {
    hwy::HWY_NAMESPACE::Vec<q8k_simd::D4> a, b;
    const size_t ia = i * xs_stride, ib = (i + 1) * xs_stride;
    q8k_simd::q8k_group_x2(k, data, scales, x + i * x_stride, x_offsets + 2 * ia, x_scales + ia, x_sums + ia,
                           x + (i + 1) * x_stride, x_offsets + 2 * ib, x_scales + ib, x_sums + ib, &a, &b);
    q8k_simd::store_group(a, nc, bias, y + i * y_stride);
    q8k_simd::store_group(b, nc, bias, y + (i + 1) * y_stride);
  }
  if (i < mr) {
    const size_t at = i * xs_stride;
    q8k_simd::store_group(q8k_simd::q8k_group(k, data, scales, x + i * x_stride, x_offsets + 2 * at,
                                              x_scales + at, x_sums + at),
                          nc, bias, y + i * y_stride);
  }
}

}  // namespace qkv
