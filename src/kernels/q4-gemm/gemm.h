// q4 GEMM microkernel behind gemm()'s prefill path (M > 1) for q4 weights:
// each activation row gets the q4 GEMV's arithmetic (q4-gemv/gemv.h), so
// prefill and decode give a token the same outputs, bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For i < mr, j < nc: y[i * y_stride + j] = the q4 GEMV's output j for
// activation row i, over one q4 row group (q, scales: its start; nc <= 4 of
// its rows exist). Row i of x: its q8 values at xq + i * xq_stride, its block
// scales and sums (q4-gemv/gemv.h) at x_scales / x_sums + i * xs_stride.
// bias may be null.
//
// Plain loops: the test oracle.
void q4_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* q,
                             const float* scales, const float* bias, float* y, size_t y_stride);
// Highway SIMD, x in q4_simd_x_form's form (q4-gemv/gemv.h) at xq + i * xq_stride.
void q4_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* q,
                           const float* scales, const float* bias, float* y, size_t y_stride);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD, x as int8: the same bits as the SIMD128 kernel.
void q4_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                              const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* q,
                              const float* scales, const float* bias, float* y, size_t y_stride);
#endif

}  // namespace qkv
