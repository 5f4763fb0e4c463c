// q6k GEMM microkernel behind gemm()'s prefill path (M > 1) for q6k weights:
// the row group is unpacked once per call into q8k's layout (the same bytes u
// and sub-scales, no mins: q6k-gemv/unpack-inl.h) and the q8k GEMM kernel
// runs over it, its activation rows then sharing each unpacked block. The
// q6k GEMV does the q8k GEMV's arithmetic on the same bytes, so prefill and
// decode give a token the same outputs, bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For i < mr, j < nc: y[i * y_stride + j] = the q6k GEMV's output j for
// activation row i, over one q6k row group (data, scales: its start; nc <= 4
// of its rows exist). Arguments as for the q8k GEMM (q8k-gemm/gemm.h).
//
// Plain loops: the test oracle (the q6k GEMV's scalar kernel per row).
void q6k_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                              const float* x_scales, size_t xs_stride, const uint8_t* data,
                              const float* scales, const float* bias, float* y, size_t y_stride);
void q6k_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                            const int32_t* x_offsets, const float* x_scales, const float* x_sums,
                            size_t xs_stride, const uint8_t* data, const float* scales, const float* bias,
                            float* y, size_t y_stride);
#if defined(__wasm_relaxed_simd__)
void q6k_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x, size_t x_stride,
                               const int32_t* x_offsets, const float* x_scales, const float* x_sums,
                               size_t xs_stride, const uint8_t* data, const float* scales, const float* bias,
                               float* y, size_t y_stride);
#endif

}  // namespace qkv
