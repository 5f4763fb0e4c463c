// Microkernels behind gemm() (src/kernels/gemm/gemm.cc). Each has a plain
// __scalar form with the same signature, used as the test oracle.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

// Rows of X one f32 GEMM microkernel call handles. 4 rows x 2 vectors = 8
// accumulators: in wasm, 6 rows (12 accumulators + 2 weights + 1 broadcast)
// ran at 30 GFLOP/s against 56 for 4 rows, as V8's 16 xmm registers spill.
constexpr size_t kGemmMr = 4;
// Upper bound of gemm_nr() on every target (two AVX-512 vectors).
constexpr size_t kGemmMaxNr = 32;

// C[mr, nc] = (accumulate ? C : bias) + A[mr, kc] · P[kc, NR]
// A rows are a_stride floats apart; P is kc rows of NR = gemm_nr() floats,
// panel_stride floats apart (a packed panel in its group, or a dequantized
// slice with panel_stride = NR); C rows are c_stride apart;
// only the first nc (<= NR) columns are written; bias (nc values) may be
// null. mr <= kGemmMr.
using F32GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                  const float* panel, size_t panel_stride, const float* bias, float* c,
                                  size_t c_stride, bool accumulate);
void f32_gemm_ukernel_4xnr__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                   const float* panel, size_t panel_stride, const float* bias, float* c,
                                   size_t c_stride, bool accumulate);
void f32_gemm_ukernel_4xnr__simd(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                 const float* panel, size_t panel_stride, const float* bias, float* c,
                                 size_t c_stride, bool accumulate);

// y[n] = bias + x[k] · P for one group of `count` panels (count <= 4) of an
// f32 (or f16) packed matrix, interleaved row by row: row i of panel j is at
// panels + (i * count + j) * NR. nc is the number of valid columns in the
// last panel; y receives (count-1)*NR + nc values.
using F32GemvUkernelFn = void (*)(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                  const float* bias, float* y);
void f32_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                     const float* bias, float* y);
void f32_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                   const float* bias, float* y);
using F16GemvUkernelFn = void (*)(size_t count, size_t nc, size_t k, const float* x, const uint16_t* panels,
                                  const float* bias, float* y);
void f16_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x,
                                     const uint16_t* panels, const float* bias, float* y);
void f16_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const uint16_t* panels,
                                   const float* bias, float* y);

// Converts `rows` rows of NR f16 values, src_stride apart, to a contiguous
// rows × NR f32 slice.
void f16_panel_to_f32__simd(size_t rows, const uint16_t* src, size_t src_stride, float* dst);

// Dequantizes columns [k0, k0 + kc) of the nc q8 rows starting at q / scales
// (the start of a row group, grouped layout of gemm.h) into a kc x NR f32
// panel slice, zero-filling columns nc .. NR-1. k0 is a multiple of 32.
void q8_rows_to_panel(size_t nc, size_t k, size_t k0, size_t kc, const int8_t* q, const float* scales,
                      float* panel);

// y[r] = bias[r] + sum_b  w_scale[r,b] * x_scale[b] * (Wq[r, block b] · xq[block b])
// for rows [0, rows) of q8 weights in the grouped layout of gemm.h; q and
// scales point at the start of a row group (rows need not fill the last one).
using Q8GemvUkernelFn = void (*)(size_t rows, size_t k, const int8_t* q, const float* scales,
                                 const int16_t* xq, const float* x_scales, const float* bias, float* y);
void q8_gemv_ukernel__scalar(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                             const float* x_scales, const float* bias, float* y);
void q8_gemv_ukernel__simd(size_t rows, size_t k, const int8_t* q, const float* scales, const int16_t* xq,
                           const float* x_scales, const float* bias, float* y);

}  // namespace qkv
