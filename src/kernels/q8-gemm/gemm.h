// q8 GEMM microkernel behind gemm()'s prefill path (M > 1) for q8 weights:
// int8 weights times int8-quantized activations, as the q8 GEMV (q8-gemv)
// computes one row, so prefill and decode give a token the same outputs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For i < mr, j < nc:
//   y[i * y_stride + j] = bias[j] + sum_b  w_scale[j,b] * x_scale[i,b] * (Wq[j, block b] · xq[i, block b])
// over one q8 row group (q, scales: its start, grouped layout of
// packed_layout.h; nc <= 4 of its rows exist). Row i of x is q8 (q8/quant.h)
// widened to int16 at xq + i * xq_stride, its block scales at
// x_scales + i * xs_stride. bias may be null.
using Q8GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                                 const float* x_scales, size_t xs_stride, const int8_t* q,
                                 const float* scales, const float* bias, float* y, size_t y_stride);

// Plain loops: the test oracle.
void q8_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                             const float* bias, float* y, size_t y_stride);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD: each row is q8_gemv_ukernel__relaxed's arithmetic (the same
// bits as the SIMD128 kernel's); row i of x split by sign
// (q8_split_signs_row__relaxed in q8/quant.h) at x_pn + i * x_stride.
void q8_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x_pn, size_t x_stride,
                              const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                              const float* bias, float* y, size_t y_stride);
#endif
// Highway SIMD: each row is the q8 GEMV's arithmetic, bit for bit.
void q8_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                           const float* bias, float* y, size_t y_stride);

}  // namespace qkv
