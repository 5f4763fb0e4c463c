// Relaxed-SIMD q8 GEMM: the row group's weights (4 rows × K bytes) stay in L1
// while the activation rows pass over them, each with the relaxed GEMV's own
// arithmetic (relaxed-inl.h), so a prefilled token's outputs are bit for bit
// those of the same token decoded alone. One activation row per pass: sharing
// each weight load between two rows (as the SIMD128 kernel shares its
// widening) ran 1.00x, and weights transposed into 4-byte columns against x
// broadcast 4 bytes at a time (no sum_each) 0.9x in V8 (its broadcast loads
// cost an extra lea each).
#if defined(__wasm_relaxed_simd__)
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/relaxed-inl.h"

namespace qkv {

namespace {

template <class Scale>
void gemm(size_t mr, size_t nc, size_t k, const int8_t* x_pn, size_t x_stride, const float* x_scales,
          size_t xs_stride, const int8_t* q, const Scale* scales, const float* bias, float* y,
          size_t y_stride) {
  for (size_t i = 0; i < mr; ++i) {
    q8_relaxed::store_group(q8_relaxed::q8_group(k, q, scales, x_pn + i * x_stride, x_scales + i * xs_stride),
                            nc, bias, y + i * y_stride);
  }
}

}  // namespace

void q8_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x_pn, size_t x_stride,
                              const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                              const float* bias, float* y, size_t y_stride) {
  gemm(mr, nc, k, x_pn, x_stride, x_scales, xs_stride, q, scales, bias, y, y_stride);
}

void q8_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x_pn, size_t x_stride,
                              const float* x_scales, size_t xs_stride, const int8_t* q,
                              const uint16_t* scales, const float* bias, float* y, size_t y_stride) {
  gemm(mr, nc, k, x_pn, x_stride, x_scales, xs_stride, q, scales, bias, y, y_stride);
}

}  // namespace qkv
#endif
