// q8 GEMM microkernel behind gemm()'s prefill path (M > 1) for q8 and q8h
// weights: int8 weights times int8-quantized activations, as the q8 GEMV
// (q8-gemv) computes one row, so prefill and decode give a token the same
// outputs. Each kernel that reads the weights' scales has two forms, one
// body: f32 scales (q8) or f16 bits (q8h, common/q8.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/packed_layout.h"

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
void q8_gemm_ukernel__scalar(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                             const float* x_scales, size_t xs_stride, const int8_t* q, const uint16_t* scales,
                             const float* bias, float* y, size_t y_stride);

#if defined(__wasm_relaxed_simd__)
// Relaxed SIMD: each row is q8_gemv_ukernel__relaxed's arithmetic (the same
// bits as the SIMD128 kernel's); row i of x split by sign
// (q8_split_signs_row__relaxed in q8/quant.h) at x_pn + i * x_stride. gemm()
// runs it below one tile of rows, the packed kernel below from 4 rows up.
void q8_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x_pn, size_t x_stride,
                              const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                              const float* bias, float* y, size_t y_stride);
void q8_gemm_ukernel__relaxed(size_t mr, size_t nc, size_t k, const int8_t* x_pn, size_t x_stride,
                              const float* x_scales, size_t xs_stride, const int8_t* q,
                              const uint16_t* scales, const float* bias, float* y, size_t y_stride);
#endif
// Highway SIMD: each row is the q8 GEMV's arithmetic, bit for bit. gemm()
// runs the packed kernel below instead (1.3x this one in wasm); this one
// stays as the unpacked form of the same arithmetic.
void q8_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, size_t xs_stride, const int8_t* q, const float* scales,
                           const float* bias, float* y, size_t y_stride);
void q8_gemm_ukernel__simd(size_t mr, size_t nc, size_t k, const int16_t* xq, size_t xq_stride,
                           const float* x_scales, size_t xs_stride, const int8_t* q, const uint16_t* scales,
                           const float* bias, float* y, size_t y_stride);

// One q8 row group widened to int16 for the packed kernel, once per pass of
// the activation rows over it: block by block, pair p (of 16) of K holds
// row 0's two values, then rows 1, 2 and 3's: packed[((b * 16 + p) * 4 + r)
// * 2 + e] = value 2p + e of row r in block b. q: the group's start in the
// grouped layout of packed_layout.h; packed holds kQ8GemmPackedBlock *
// q8_blocks(k) values.
constexpr size_t kQ8GemmPackedBlock = kQ8RowGroup * kQ8BlockSize;
// Plain loops: the test oracle.
void q8_gemm_pack_group__scalar(size_t k, const int8_t* q, int16_t* packed);
void q8_gemm_pack_group__simd(size_t k, const int8_t* q, int16_t* packed);
// Activation rows packed for the same kernel, kQ8GemmTileRows of them per
// tile: pair p (of 16) of block b holds the pair of row 0, then rows 1, 2
// and 3's: xa[((b * 16 + p) * 4 + r) * 2 + e] = value 2p + e of row r (rows
// past `rows`, up to 4, are zeros). x8: q8 rows (q8/quant.h) x8_stride
// apart; xa holds kQ8GemmPackedBlock * q8_blocks(k) values.
constexpr size_t kQ8GemmTileRows = 4;
void q8_gemm_pack_x(size_t rows, size_t k, const int8_t* x8, size_t x8_stride, int16_t* xa);
// q8_gemm_ukernel__simd for mr <= 4 activation rows on packed operands (one
// tile xa, of which the first mr rows are read; the group packed as w, its
// scales as there): the same bits.
void q8_gemm_ukernel_4x4_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const float* scales, const float* bias, float* y, size_t y_stride);
void q8_gemm_ukernel_4x4_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const uint16_t* scales, const float* bias, float* y, size_t y_stride);
// The same for two row groups at once (5 <= nc <= 8 weight rows): w holds the
// two groups packed back to back (2 * kQ8GemmPackedBlock * q8_blocks(k)
// values), scales the two groups' scales in the grouped layout (the second's
// kQ8RowGroup * q8_blocks(k) after the first's), bias 8 or null; y's columns
// 0..nc-1. Each activation broadcast feeds 8 rows instead of 4.
void q8_gemm_ukernel_4x8_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const float* scales, const float* bias, float* y, size_t y_stride);
void q8_gemm_ukernel_4x8_packed__simd(size_t mr, size_t nc, size_t k, const int16_t* xa,
                                      const float* x_scales, size_t xs_stride, const int16_t* w,
                                      const uint16_t* scales, const float* bias, float* y, size_t y_stride);

#if defined(__wasm_relaxed_simd__)
// The relaxed-SIMD packed kernel's activation tile (packed-relaxed.cc):
// kQ8GemmTileRows rows split by sign (as q8_split_signs_row__relaxed) and
// interleaved by quads of K. Per block b and quad u (of 8): 16 bytes of p,
// row 0's quad first, then 16 bytes of n:
//   xa[b * 256 + u * 32 + s * 16 + r * 4 + e] = part s (0: p, 1: n) of value 4u + e of row r,
// and the rows' block scales xs[b * 4 + r]. Rows past `rows` (up to 4) are
// zeros with scale 0. x8: q8 rows (q8/quant.h) x8_stride apart, their scales
// x_scales + r * xs_stride; xa holds kQ8GemmRelaxedTileBlock * q8_blocks(k)
// bytes, xs kQ8GemmTileRows * q8_blocks(k) floats.
constexpr size_t kQ8GemmRelaxedTileBlock = 2 * kQ8GemmTileRows * kQ8BlockSize;
void q8_gemm_pack_x__relaxed(size_t rows, size_t k, const int8_t* x8, size_t x8_stride, const float* x_scales,
                             size_t xs_stride, int8_t* xa, float* xs);
// q8_gemm_ukernel__relaxed for mr <= 4 activation rows of one packed tile
// (xa, xs) against one row group in the grouped layout itself (q, scales as
// for Q8GemmUkernelFn): the same bits.
void q8_gemm_ukernel_4x4_packed__relaxed(size_t mr, size_t nc, size_t k, const int8_t* xa, const float* xs,
                                         const int8_t* q, const float* scales, const float* bias, float* y,
                                         size_t y_stride);
void q8_gemm_ukernel_4x4_packed__relaxed(size_t mr, size_t nc, size_t k, const int8_t* xa, const float* xs,
                                         const int8_t* q, const uint16_t* scales, const float* bias, float* y,
                                         size_t y_stride);
#endif

}  // namespace qkv
