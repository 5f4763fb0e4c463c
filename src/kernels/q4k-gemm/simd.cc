// Highway q4k GEMM: the row group's scales expanded into q4's form, then the
// q4 GEMM kernel (q4-gemm/simd.cc) over its nibbles, which are q4's.
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4k-gemm/expand_group-inl.h"
#include "kernels/q4k-gemm/gemm.h"

namespace qkv {

void q4k_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                            const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* data,
                            const uint8_t* scales, const float* bias, float* y, size_t y_stride) {
  q4_gemm_ukernel__simd(mr, nc, k, xq, xq_stride, x_scales, x_sums, xs_stride, data,
                        q4k_expand::group_as_q4(k, scales), bias, y, y_stride);
}

}  // namespace qkv
