// q6k GEMV microkernel behind gemm()'s decode path (M = 1) for q6k weights
// (kernels/common/q6k.h: GGUF's Q6_K blocks, exactly, at Q6_K's size).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For rows r in [0, rows) of q6k weights (grouped layout of common/q6k.h;
// data and scales point at the start of a row group, rows need not fill the
// last one; k a multiple of 256):
//   y[r] = bias[r] + sum_b x_scale[b] * d * (sc_lo * (q_lo · xq_lo) + sc_hi * (q_hi · xq_hi))
// over the blocks b of 32 values, xq being x quantized to q8 (q8/quant.h)
// and x_scale its block scales: the q8k GEMV (q8k-gemv/gemv.h) for a matrix
// without mins. The SIMD kernels unpack each block's 6-bit values into the
// bytes the q8k kernels read and then do the q8k kernels' arithmetic, op for
// op: the same exact integer part A per block and row, then t = float(A) *
// (d * x_scale), acc = acc + t, blocks in order from acc = 0, then acc +
// bias. So a q6k matrix gives the bits of the same Q6_K blocks held as q8k.
// bias may be null.
//
// Plain loops (double sums): the test oracle. xq is widened to int16, in
// its natural order.
void q6k_gemv_ukernel__scalar(size_t rows, size_t k, const uint8_t* data, const float* scales,
                              const int16_t* xq, const float* x_scales, const float* bias, float* y);

// x as q8k_order_x writes it (q8k-gemv/gemv.h).
void q6k_gemv_ukernel__simd(size_t rows, size_t k, const uint8_t* data, const float* scales,
                            const int8_t* x_ordered, const int32_t* x_offsets, const float* x_scales,
                            const float* bias, float* y);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD: the q8k relaxed kernel's arithmetic on the unpacked bytes,
// so the SIMD128 kernel's bits.
void q6k_gemv_ukernel__relaxed(size_t rows, size_t k, const uint8_t* data, const float* scales,
                               const int8_t* x_ordered, const int32_t* x_offsets, const float* x_scales,
                               const float* bias, float* y);
#endif

}  // namespace qkv
