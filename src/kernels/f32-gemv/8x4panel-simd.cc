// Highway f32 GEMV for a few rows of X (beam search's beams): the weights of
// one panel group stream from memory once for all rows, in order. The group
// is read a block of K rows at a time (kRowsBlockBytes, which stays in L1),
// and over each block every panel runs the f32 GEMM's register tile (up to
// kGemmMr rows x 2 vectors: one weight load serves every row), its
// accumulators parked in a small buffer between blocks and continued
// exactly, so each output is the M = 1 GEMV's chain of multiply-adds, bit
// for bit. The f32 GEMM (f32-gemm) runs the same tile over the whole K of
// one panel, a strided pass over the interleaved group per panel.
// Tried and dropped (f32_gemv_rows_bench, wasm): a row at a time over the
// block (the M = 1 GEMV's loop: one load per multiply-add) ran at 0.55x the
// tile; touching the next block's lines while computing on this one (wasm
// has no prefetch) ran at 0.7-0.8x.
#include <algorithm>

#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/packed_layout.h"
#include "kernels/gemm/simd-inl.h"

namespace qkv {
namespace {

using namespace gemm_simd;  // NOLINT(build/namespaces): D, V, hn and the row helpers

// Bytes of a panel group's K-block (32 rows of 4 panels in wasm). Small, so
// that the weights keep streaming while the tiles compute: after the block's
// first tile (which takes its lines from memory) the others read it from
// L1, and a short block keeps those gaps in the stream within what the
// hardware prefetcher runs ahead. With weights from memory (wasm, 4 rows,
// t5-small's FFN and LM head, f32_gemv_rows_bench), blocks of 16 KB ran no
// faster than the GEMM's tiles, 4 KB at 0.64-0.81x their time (4..8 rows),
// 1-2 KB no better than 4.
constexpr size_t kRowsBlockBytes = 4096;

// Each row's two accumulators per panel, between K-blocks.
struct Parked {
  HWY_ALIGN float v[kGemvMaxRows * kGemmPanelGroup * 2 * kMaxLanes];
  float* at(size_t r, size_t p, size_t lanes) { return v + (r * kGemmPanelGroup + p) * 2 * lanes; }
};

// MR rows of X (from row r0) over kb rows of one panel (row_stride floats
// apart), continuing the parked sums (or starting at zero when `first`).
template <size_t MR>
HWY_INLINE void tile(size_t r0, size_t p, size_t kb, const float* x, size_t x_stride, const float* w,
                     size_t row_stride, bool first, Parked& parked) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  V acc0[MR], acc1[MR];
  for (size_t m = 0; m < MR; ++m) {
    const float* park = parked.at(r0 + m, p, lanes);
    acc0[m] = first ? hn::Zero(d) : hn::Load(d, park);
    acc1[m] = first ? hn::Zero(d) : hn::Load(d, park + lanes);
  }
  for (size_t i = 0; i < kb; ++i, w += row_stride) {
    const V b0 = hn::LoadU(d, w), b1 = hn::LoadU(d, w + lanes);
    for (size_t m = 0; m < MR; ++m) {
      const V xv = hn::Set(d, x[(r0 + m) * x_stride + i]);
      acc0[m] = madd(xv, b0, acc0[m]);
      acc1[m] = madd(xv, b1, acc1[m]);
    }
  }
  for (size_t m = 0; m < MR; ++m) {
    float* park = parked.at(r0 + m, p, lanes);
    hn::Store(acc0[m], d, park);
    hn::Store(acc1[m], d, park + lanes);
  }
}

// tile<mr> for a runtime mr in 1..MR.
template <size_t MR>
HWY_INLINE void tile_upto(size_t mr, size_t r0, size_t p, size_t kb, const float* x, size_t x_stride,
                          const float* w, size_t row_stride, bool first, Parked& parked) {
  if constexpr (MR > 1) {
    if (mr < MR) return tile_upto<MR - 1>(mr, r0, p, kb, x, x_stride, w, row_stride, first, parked);
  }
  tile<MR>(r0, p, kb, x, x_stride, w, row_stride, first, parked);
}

}  // namespace

void f32_gemv_ukernel_8x4panel__simd(size_t m, size_t count, size_t nc, size_t k, const float* x,
                                     size_t x_stride, const float* panels, const float* bias, float* y,
                                     size_t y_stride) {
  const D d;
  const size_t lanes = hn::Lanes(d), nr = 2 * lanes, row = count * nr;
  const size_t kc = std::max<size_t>(1, kRowsBlockBytes / (row * sizeof(float)));
  Parked parked;
  for (size_t k0 = 0; k0 < k; k0 += kc) {
    const size_t kb = std::min(kc, k - k0);
    for (size_t p = 0; p < count; ++p) {
      for (size_t r0 = 0; r0 < m; r0 += kGemmMr) {
        tile_upto<kGemmMr>(std::min(kGemmMr, m - r0), r0, p, kb, x + k0, x_stride, panels + k0 * row + p * nr,
                           row, k0 == 0, parked);
      }
    }
  }
  for (size_t r = 0; r < m; ++r) {
    for (size_t p = 0; p < count; ++p) {
      const size_t cols = p + 1 == count ? nc : nr;
      const float* park = parked.at(r, p, lanes);
      V b0 = hn::Zero(d), b1 = hn::Zero(d);
      if (bias != nullptr) load_row(d, bias + p * nr, cols, b0, b1);
      store_row(d, hn::Add(hn::Load(d, park), b0), hn::Add(hn::Load(d, park + lanes), b1), cols,
                y + r * y_stride + p * nr);
    }
  }
}

}  // namespace qkv
