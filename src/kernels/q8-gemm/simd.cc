// Highway q8 GEMM: the row group's weights (4 rows × K bytes) stay in L1
// while every activation row passes over them, each through q8_group — the
// GEMV's own arithmetic (group-inl.h), so a prefilled token's outputs are
// bit for bit those of the same token decoded alone.
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/group-inl.h"

namespace qkv {

void q8_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                           const float* bias, float* y, size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q8_simd::store_group(q8_simd::q8_group(k, q, scales, xq + i * xq_stride, x_scales + i * xs_stride), nc,
                         bias, y + i * y_stride);
  }
}

}  // namespace qkv
