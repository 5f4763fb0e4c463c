// Highway f32 GEMV for a few rows of X (beam search's beams): the weights of
// one panel group stream from memory once for all rows. The group is read a
// block of K rows at a time (kRowsBlockBytes, which stays in L1); the first
// row of X runs the M = 1 GEMV's loop over the block, which reads it as one
// sequential stream, and the other rows run the same loop over it from L1.
// Each row keeps the GEMV's 2 * count accumulators (8 with 4 panels, within
// SIMD128's 16 registers), parked in a small buffer between blocks. A 4xNR
// GEMM tile over the whole K (f32-gemm) reads each panel of an interleaved
// group on its own, a strided pass over the group per panel, and ran the
// 4-row LM head of t5-small at half the GEMV's byte rate (bench/RESULTS.md).
#include <algorithm>

#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/packed_layout.h"
#include "kernels/gemm/simd-inl.h"

namespace qkv {
namespace {

using namespace gemm_simd;  // NOLINT(build/namespaces): D, V, hn and the row helpers

// Bytes of a panel group's K-block: well inside a 32 KB L1 data cache, so the
// rows after the first read it from there.
constexpr size_t kRowsBlockBytes = 16384;

template <size_t COUNT>
HWY_INLINE void gemv_rows(size_t m, size_t nc, size_t k, const float* x, size_t x_stride, const float* panels,
                          const float* bias, float* y, size_t y_stride) {
  const D d;
  const size_t lanes = hn::Lanes(d), nr = 2 * lanes, row = COUNT * nr;
  const size_t kc = std::max<size_t>(1, kRowsBlockBytes / (row * sizeof(float)));
  // Each row's accumulators between K-blocks: 2 * COUNT vectors per row.
  HWY_ALIGN float parked[kGemvMaxRows * 2 * kGemmPanelGroup * kMaxLanes];
  for (size_t k0 = 0; k0 < k; k0 += kc) {
    const size_t kb = std::min(kc, k - k0);
    const float* block = panels + k0 * row;
    for (size_t r = 0; r < m; ++r) {
      float* park = parked + r * 2 * COUNT * lanes;
      V acc0[COUNT], acc1[COUNT];
      for (size_t p = 0; p < COUNT; ++p) {
        acc0[p] = k0 == 0 ? hn::Zero(d) : hn::Load(d, park + 2 * p * lanes);
        acc1[p] = k0 == 0 ? hn::Zero(d) : hn::Load(d, park + (2 * p + 1) * lanes);
      }
      const float* xr = x + r * x_stride + k0;
      const float* w = block;
      for (size_t i = 0; i < kb; ++i, w += row) {
        const V xv = hn::Set(d, xr[i]);
        for (size_t p = 0; p < COUNT; ++p) {
          acc0[p] = madd(xv, hn::LoadU(d, w + p * nr), acc0[p]);
          acc1[p] = madd(xv, hn::LoadU(d, w + p * nr + lanes), acc1[p]);
        }
      }
      for (size_t p = 0; p < COUNT; ++p) {
        hn::Store(acc0[p], d, park + 2 * p * lanes);
        hn::Store(acc1[p], d, park + (2 * p + 1) * lanes);
      }
    }
  }
  for (size_t r = 0; r < m; ++r) {
    const float* park = parked + r * 2 * COUNT * lanes;
    for (size_t p = 0; p < COUNT; ++p) {
      const size_t cols = p + 1 == COUNT ? nc : nr;
      V b0 = hn::Zero(d), b1 = hn::Zero(d);
      if (bias != nullptr) load_row(d, bias + p * nr, cols, b0, b1);
      store_row(d, hn::Add(hn::Load(d, park + 2 * p * lanes), b0),
                hn::Add(hn::Load(d, park + (2 * p + 1) * lanes), b1), cols, y + r * y_stride + p * nr);
    }
  }
}

}  // namespace

void f32_gemv_ukernel_8x4panel__simd(size_t m, size_t count, size_t nc, size_t k, const float* x,
                                     size_t x_stride, const float* panels, const float* bias, float* y,
                                     size_t y_stride) {
  switch (count) {
    case 1:
      return gemv_rows<1>(m, nc, k, x, x_stride, panels, bias, y, y_stride);
    case 2:
      return gemv_rows<2>(m, nc, k, x, x_stride, panels, bias, y, y_stride);
    case 3:
      return gemv_rows<3>(m, nc, k, x, x_stride, panels, bias, y, y_stride);
    default:
      return gemv_rows<4>(m, nc, k, x, x_stride, panels, bias, y, y_stride);
  }
}

}  // namespace qkv
