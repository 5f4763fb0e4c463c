// q4k GEMM microkernel behind gemm()'s prefill path (M > 1) for q4k weights:
// the row group's scales are expanded once per call into q4's form
// (q4k-gemv/expand-inl.h; the nibbles are q4's already) and the q4 GEMM
// kernel runs over them, its activation rows sharing each unpacked block.
// The q4k GEMV does the q4 GEMV's arithmetic on the same values, so prefill
// and decode give a token the same outputs, bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For i < mr, j < nc: y[i * y_stride + j] = the q4k GEMV's output j for
// activation row i, over one q4k row group (data, scales: its start; nc <= 4
// of its rows exist). Arguments as for the q4 GEMM (q4-gemm/gemm.h).
//
// Plain loops: the test oracle (the q4k GEMV's scalar kernel per row).
void q4k_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                              const float* x_scales, const float* x_sums, size_t xs_stride,
                              const uint8_t* data, const uint8_t* scales, const float* bias, float* y,
                              size_t y_stride);
void q4k_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                            const float* x_scales, const float* x_sums, size_t xs_stride, const uint8_t* data,
                            const uint8_t* scales, const float* bias, float* y, size_t y_stride);
#if defined(__wasm_relaxed_simd__)
void q4k_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                               const float* x_scales, const float* x_sums, size_t xs_stride,
                               const uint8_t* data, const uint8_t* scales, const float* bias, float* y,
                               size_t y_stride);
#endif

}  // namespace qkv
