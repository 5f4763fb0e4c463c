// q8k GEMM microkernel behind gemm()'s prefill path (M > 1) for q8k weights:
// each activation row gets the q8k GEMV's arithmetic (q8k-gemv/gemv.h), so
// prefill and decode give a token the same outputs, bit for bit. A row
// group's weights stay in L1 while the activation rows pass over it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For i < mr, j < nc: y[i * y_stride + j] = the q8k GEMV's output j for
// activation row i, over one q8k row group (data, scales: its start; nc <= 4
// of its rows exist). Row i of x: its block scales and sums
// (q8k-gemv/gemv.h) at x_scales / x_sums + i * xs_stride. bias may be null.
//
// Plain loops: the test oracle, x as int16 in its natural order (row i at
// xq + i * xq_stride).
void q8k_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                              const float* x_scales, const float* x_sums, size_t xs_stride,
                              const int8_t* data, const float* scales, const float* bias, float* y,
                              size_t y_stride);
// Highway SIMD. x in q8k_order_x's form (q8k-gemv/gemv.h): row i's ordered
// values at x + i * x_stride, its offsets at x_offsets + 2 * i * xs_stride.
void q8k_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                            const int32_t* x_offsets, const float* x_scales, const float* x_sums,
                            size_t xs_stride, const int8_t* data, const float* scales, const float* bias,
                            float* y, size_t y_stride);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD, x as for the SIMD128 kernel: its bits.
void q8k_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                               const int32_t* x_offsets, const float* x_scales, const float* x_sums,
                               size_t xs_stride, const int8_t* data, const float* scales, const float* bias,
                               float* y, size_t y_stride);
#endif

}  // namespace qkv
