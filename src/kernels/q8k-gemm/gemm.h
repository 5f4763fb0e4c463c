// q8k GEMM microkernel behind gemm()'s prefill path (M > 1) for q8k weights:
// each activation row gets the q8k GEMV's arithmetic (q8k-gemv/gemv.h), so
// prefill and decode give a token the same outputs, bit for bit. A row
// group's weights stay in L1 while the activation rows pass over it (two at
// a time in SIMD128, sharing each widened weight block; one at a time in
// relaxed SIMD, whose dot product reads the int8 weights as they are).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For i < mr, j < nc: y[i * y_stride + j] = the q8k GEMV's output j for
// activation row i, over one q8k row group (data, scales: its start; nc <= 4
// of its rows exist). Row i of x: its q8 values at xq + i * xq_stride, its
// block scales and sums (q8k-gemv/gemv.h) at x_scales / x_sums + i * xs_stride.
// bias may be null.
//
// Plain loops: the test oracle.
void q8k_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                              const float* x_scales, const float* x_sums, size_t xs_stride,
                              const int8_t* data, const float* scales, const float* bias, float* y,
                              size_t y_stride);
// Highway SIMD, x as int16.
void q8k_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                            const float* x_scales, const float* x_sums, size_t xs_stride, const int8_t* data,
                            const float* scales, const float* bias, float* y, size_t y_stride);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD, x split by sign (2 * k values per row): the SIMD128 kernel's bits.
void q8k_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x_pn, size_t x_stride,
                               const float* x_scales, const float* x_sums, size_t xs_stride,
                               const int8_t* data, const float* scales, const float* bias, float* y,
                               size_t y_stride);
#endif

}  // namespace qkv
