// f32 GEMM microkernel behind gemm()'s prefill path (kernels/gemm/gemm.cc):
// up to kGemmMr rows of X against one panel of NR = gemm_nr() columns
// (packed_layout.h). f16 weights reach it through the panel conversion
// (f16-f32-panel); q8 weights have their own int8 GEMM (q8-gemm).
#pragma once

#include <cstddef>

namespace qkv {

// Rows of X one f32 GEMM microkernel call handles. 4 rows x 2 vectors = 8
// accumulators: in wasm, 6 rows (12 accumulators + 2 weights + 1 broadcast)
// ran at 30 GFLOP/s against 56 for 4 rows, as V8's 16 xmm registers spill
// (an unfused multiply-add needs a register for the product). With relaxed
// SIMD's madd fused into one FMA, 6 rows fit those registers (15 of them)
// and ran 1.07-1.13x faster than 4 (5 rows: between; 8: 0.8x), at 40-43
// GFLOP/s, the rate of 12 independent 128-bit FMA chains in native code on
// the same machine: 128-bit FMA throughput is this kernel's bound. The
// kernel's name keeps the SIMD128 tile.
#if defined(__wasm_relaxed_simd__)
constexpr size_t kGemmMr = 6;
#else
constexpr size_t kGemmMr = 4;
#endif

// C[mr, nc] = (accumulate ? C : bias) + A[mr, kc] · P[kc, NR]
// A rows are a_stride floats apart; P is kc rows of NR = gemm_nr() floats,
// panel_stride floats apart (a packed panel in its group, or a dequantized
// slice with panel_stride = NR); C rows are c_stride apart;
// only the first nc (<= NR) columns are written; bias (nc values) may be
// null. mr <= kGemmMr.
using F32GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                  const float* panel, size_t panel_stride, const float* bias, float* c,
                                  size_t c_stride, bool accumulate);

// Plain loops: the test oracle.
void f32_gemm_ukernel_4xnr__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                   const float* panel, size_t panel_stride, const float* bias, float* c,
                                   size_t c_stride, bool accumulate);
// Highway SIMD.
void f32_gemm_ukernel_4xnr__simd(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                 const float* panel, size_t panel_stride, const float* bias, float* c,
                                 size_t c_stride, bool accumulate);

}  // namespace qkv
