// f32 GEMV microkernels behind gemm()'s decode path (M = 1) for f32 weights,
// and its few-row form (M = 2..kGemvMaxRows: the beams of a beam search).
#pragma once

#include <cstddef>

namespace qkv {

// y[n] = bias + x[k] · P for one group of `count` panels (count <= 4) of an
// f32 packed matrix (packed_layout.h), interleaved row by row: row i of
// panel j is at panels + (i * count + j) * NR. nc is the number of valid
// columns in the last panel; y receives (count-1)*NR + nc values; bias may
// be null.
using F32GemvUkernelFn = void (*)(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                  const float* bias, float* y);

// Plain loops in double: the test oracle.
void f32_gemv_ukernel_4panel__scalar(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                     const float* bias, float* y);
// Highway SIMD.
void f32_gemv_ukernel_4panel__simd(size_t count, size_t nc, size_t k, const float* x, const float* panels,
                                   const float* bias, float* y);

// Rows of X the few-row GEMV takes per call. gemm() runs f32 products of up
// to this many rows as GEMVs (this one, or the M = 1 kernel once per row:
// gemm.cc says where each is used) instead of the f32 GEMM (f32-gemm), whose
// tiles stream the weights strided, panel by panel.
constexpr size_t kGemvMaxRows = 8;

// Y[m, ...] = bias + X[m, k] · P for the same panel group as above, for
// m <= kGemvMaxRows rows of X (x_stride floats apart) into rows of y
// (y_stride floats apart). Each row's values are those of the M = 1 SIMD
// kernel on that row, bit for bit (the same multiply-add chains), so a beam
// of a beam search gets the logits greedy decoding would.
using F32GemvRowsUkernelFn = void (*)(size_t m, size_t count, size_t nc, size_t k, const float* x,
                                      size_t x_stride, const float* panels, const float* bias, float* y,
                                      size_t y_stride);

// Plain loops in double: the test oracle (row by row, the M = 1 oracle's sums).
void f32_gemv_ukernel_8x4panel__scalar(size_t m, size_t count, size_t nc, size_t k, const float* x,
                                       size_t x_stride, const float* panels, const float* bias, float* y,
                                       size_t y_stride);
// Highway SIMD: the weights read once for all rows, a K-block at a time
// (8x4panel-simd.cc).
void f32_gemv_ukernel_8x4panel__simd(size_t m, size_t count, size_t nc, size_t k, const float* x,
                                     size_t x_stride, const float* panels, const float* bias, float* y,
                                     size_t y_stride);

}  // namespace qkv
