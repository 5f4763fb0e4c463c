// q8k GEMV microkernel behind gemm()'s decode path (M = 1) for q8k weights
// (kernels/common/q8k.h: GGUF's Q5_K and Q6_K blocks, exactly).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// For rows r in [0, rows) of q8k weights (grouped layout of common/q8k.h;
// data and scales point at the start of a row group, rows need not fill the
// last one; k a multiple of 256):
//   y[r] = bias[r] + sum_b ( x_scale[b] * d * (sc_lo * (q_lo · xq_lo) + sc_hi * (q_hi · xq_hi))
//                          - (dmin * mn_b) * x_sum[b] )
// over the blocks b of 32 values (lo, hi: their two sub-blocks of 16), where
// xq is x quantized to q8 (q8/quant.h), x_scale its block scales and x_sum[b]
// = float(sum of xq over block b) * x_scale[b] (q4_activation_sums in
// q4/quant.h), so that each block is ggml's dequantized weights times x.
// The integer part A = sc_lo * dot_lo + sc_hi * dot_hi is exact in int32
// (q in [-32, 31]: |A| <= 2 * 128 * 16 * 32 * 127 < 2^24, so float(A) is
// exact too); per block and row the SIMD kernels then compute, in float and in this order,
// t = float(A) * (d * x_scale), u = (dmin * float(mn_b)) * x_sum,
// acc = acc + (t - u), blocks in order from acc = 0, then acc + bias; in a
// super-block whose 4 rows (of the row group) all have dmin = 0 (every
// Q6_K one) u is left out: acc = acc + t, which differs from acc + (t - u),
// u being ±0 there, at most in the sign of a zero sum. bias may be null.
//
// Plain loops (double sums): the test oracle. xq is widened to int16, in
// its natural order.
void q8k_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* data, const float* scales,
                              const int16_t* xq, const float* x_scales, const float* x_sums,
                              const float* bias, float* y);

// The SIMD kernels read x as q8k_order_x writes it: the q8 values of each
// block of 32 in the weights' order (kQ8KOrder), and per block two int32,
// 32 times the sums of its low and high sub-blocks of 16, that take the
// weights' offset back out (sum u x - 32 sum x = sum q x per sub-block).
void q8k_order_x(size_t k, const int8_t* xq, int8_t* x_ordered, int32_t* x_offsets);

// Highway SIMD (in wasm: i32x4.dot_i16x8_s sums of u x, weighted by the
// sub-scales two rows at a time with i32x4.mul).
void q8k_gemv_ukernel__simd(size_t rows, size_t k, const int8_t* data, const float* scales,
                            const int8_t* x_ordered, const int32_t* x_offsets, const float* x_scales,
                            const float* x_sums, const float* bias, float* y);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD (i32x4.relaxed_dot_i8x16_i7x16_add, the weights' u = q + 32
// being its 7-bit operand): the same outputs, bit for bit, as
// q8k_gemv_ukernel__simd, from the same x.
void q8k_gemv_ukernel__relaxed(size_t rows, size_t k, const int8_t* data, const float* scales,
                               const int8_t* x_ordered, const int32_t* x_offsets, const float* x_scales,
                               const float* x_sums, const float* bias, float* y);
#endif

}  // namespace qkv
