// q4 GEMV microkernel behind gemm()'s decode path (M = 1) for q4 weights.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For rows r in [0, rows) of q4 weights (grouped layout of packed_layout.h;
// q and scales point at the start of a row group, rows need not fill the
// last one):
//   y[r] = bias[r] + sum_b ( (q[r, block b] · xq[block b]) * (d[r,b] * x_scale[b])
//                          + m[r,b] * x_sum[b] )
// where xq is x quantized to q8 (q8/quant.h), x_scale its block scales and
// x_sum[b] = float(sum of xq over block b) * x_scale[b] (q4_activation_sums in
// q4/quant.h), so that each block is x_scale * (d * q·xq + m * sum xq). The
// integer dot products are exact (int32); per block and row the SIMD kernels
// compute, in float and in this order, t = dot * (d * x_scale), u = m * x_sum,
// acc = acc + (t + u), blocks in order from acc = 0, then acc + bias. bias
// may be null.
//
// Plain loops (double sums): the test oracle. xq is widened to int16.
void q4_gemv_ukernel__scalar(size_t rows, size_t k, const uint8_t* q, const float* scales, const int16_t* xq,
                             const float* x_scales, const float* x_sums, const float* bias, float* y);
// Highway SIMD, i16 pair dot products. x comes in the form
// q4_simd_x_form writes (below), q8_padded(k) int16 values.
void q4_gemv_ukernel__simd(size_t rows, size_t k, const uint8_t* q, const float* scales,
                           const int16_t* x_form, const float* x_scales, const float* x_sums,
                           const float* bias, float* y);

// x for the SIMD kernels, per block of 32 q8 values x[0..32): 8 lanes of
// 256 * x[2j], then x[2j + 1], 16 * x[2j + 16], 256 * x[2j + 17] (j < 8),
// all within int16 for any int8 x. Read as 16-bit lanes, a block's 16 nibble
// bytes give lane j = q[2j] | q[2j+16] << 4 | q[2j+1] << 8 | q[2j+17] << 12,
// so q[2j], 256 q[2j+1], 16 q[2j+16] and q[2j+17] come out of one load with
// three ANDs and one shift (no byte unzipping), and every product is 256 q x:
// the block's int32 sum is 256 times the dot product, exactly (below 2^24).
void q4_simd_x_form(size_t k, const int8_t* xq, int16_t* x_form);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD: the same outputs, bit for bit, as q4_gemv_ukernel__simd; x is
// the q8 values themselves (int8, q8_padded(k) of them).
void q4_gemv_ukernel__relaxed(size_t rows, size_t k, const uint8_t* q, const float* scales, const int8_t* x,
                              const float* x_scales, const float* x_sums, const float* bias, float* y);
#endif

}  // namespace qkv
