// The gemm() driver: validation, the choice of GEMV or GEMM path, threading,
// and K-blocking with on-the-fly conversion of f16 / q8 weights to f32.
#include <algorithm>
#include <string>

#include "core/thread_pool.h"
#include "kernels/f16-f32-panel/panel.h"
#include "kernels/f16-gemv/gemv.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/gemm.h"
#include "kernels/q8-f32-panel/panel.h"
#include "kernels/q8-gemv/gemv.h"
#include "kernels/q8/quant.h"

namespace qkv {
namespace {

// K columns converted per step for f16/q8 GEMM: a KC x NR f32 slice (8 KB in
// wasm) stays in L1 while every row block of X passes over it.
constexpr size_t kConvertKc = 256;
// Largest K the q8 GEMV handles: x is quantized into a stack buffer.
constexpr size_t kMaxQ8GemvK = 32768;

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

Status validate(size_t m, const float* x, size_t x_stride, const PackedWeights& w, float* y,
                size_t y_stride) {
  if (w.data == nullptr || (w.type == WeightType::kQ8 && w.scales == nullptr)) {
    return Status::invalid_argument("gemm: weights are not loaded");
  }
  if (m == 0 || w.n == 0 || w.k == 0) {
    return Status::invalid_argument("gemm: empty product [" + std::to_string(m) + " x " +
                                    std::to_string(w.k) + "] · [" + std::to_string(w.k) + " x " +
                                    std::to_string(w.n) + "]");
  }
  if (x == nullptr || y == nullptr) return Status::invalid_argument("gemm: null input or output");
  if (x_stride < w.k || y_stride < w.n) {
    return Status::invalid_argument("gemm: row strides (" + std::to_string(x_stride) + ", " +
                                    std::to_string(y_stride) + ") are shorter than the rows (" +
                                    std::to_string(w.k) + ", " + std::to_string(w.n) + ")");
  }
  if (w.type == WeightType::kQ8 && m == 1 && w.k > kMaxQ8GemvK) {
    return Status::unsupported("gemm: q8 weights with more than " + std::to_string(kMaxQ8GemvK) +
                               " input features");
  }
  return Status::ok_status();
}

void gemv_panels(ThreadPool* pool, const float* x, const PackedWeights& w, const float* bias, float* y) {
  const size_t nr = gemm_nr(), n_panels = ceil_div(w.n, nr), groups = ceil_div(n_panels, kGemmPanelGroup);
  parallel_for(pool, groups, 8, [&](size_t begin, size_t end) {
    for (size_t g = begin; g < end; ++g) {
      const size_t first = g * kGemmPanelGroup, count = std::min(kGemmPanelGroup, n_panels - first);
      const size_t last_cols = std::min(nr, w.n - (first + count - 1) * nr);
      const float* group_bias = bias ? bias + first * nr : nullptr;
      const size_t offset = gemm_panel_location(first, w.n, w.k).offset;
      if (w.type == WeightType::kF32) {
        f32_gemv_ukernel_4panel__simd(count, last_cols, w.k, x, static_cast<const float*>(w.data) + offset,
                                      group_bias, y + first * nr);
      } else {
        f16_gemv_ukernel_4panel__simd(count, last_cols, w.k, x, static_cast<const uint16_t*>(w.data) + offset,
                                      group_bias, y + first * nr);
      }
    }
  });
}

void gemv_q8(ThreadPool* pool, const float* x, const PackedWeights& w, const float* bias, float* y) {
  // x is quantized like the weights (the SIMD q8 kernel), then widened to
  // int16 for the GEMV's i16 dot products.
  alignas(64) int8_t x8[kMaxQ8GemvK];
  alignas(64) int16_t xq[kMaxQ8GemvK];
  alignas(64) float x_scales[kMaxQ8GemvK / kQ8BlockSize];
  f32_to_q8_row__simd(w.k, x, x8, x_scales);
  for (size_t i = 0; i < q8_padded(w.k); ++i) xq[i] = x8[i];
  const int8_t* q = static_cast<const int8_t*>(w.data);
  static_assert(16 % kQ8RowGroup == 0, "chunks must start at a row group");
  parallel_for(pool, ceil_div(w.n, 16), 4, [&](size_t begin, size_t end) {
    const size_t r0 = begin * 16, r1 = std::min(w.n, end * 16);
    q8_gemv_ukernel__simd(r1 - r0, w.k, q + r0 * q8_padded(w.k), w.scales + r0 * q8_blocks(w.k), xq, x_scales,
                          bias ? bias + r0 : nullptr, y + r0);
  });
}

void gemm_panels(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
                 const float* bias, float* y, size_t y_stride) {
  const size_t nr = gemm_nr(), n_panels = ceil_div(w.n, nr);
  parallel_for(pool, n_panels, 1, [&](size_t begin, size_t end) {
    alignas(64) float slice[kConvertKc * kGemmMaxNr];
    for (size_t p = begin; p < end; ++p) {
      const size_t nc = std::min(nr, w.n - p * nr);
      const float* panel_bias = bias ? bias + p * nr : nullptr;
      float* y_panel = y + p * nr;
      // f32 panels are used in place over the whole K; others are converted
      // kConvertKc columns at a time.
      const size_t kc_step = w.type == WeightType::kF32 ? w.k : kConvertKc;
      for (size_t k0 = 0; k0 < w.k; k0 += kc_step) {
        const size_t kc = std::min(kc_step, w.k - k0);
        const PanelLocation at = gemm_panel_location(p, w.n, w.k);
        const float* panel = slice;
        size_t panel_stride = nr;
        switch (w.type) {
          case WeightType::kF32:
            panel = static_cast<const float*>(w.data) + at.offset + k0 * at.row_stride;
            panel_stride = at.row_stride;
            break;
          case WeightType::kF16:
            f16_f32_panel_ukernel__simd(kc,
                                        static_cast<const uint16_t*>(w.data) + at.offset + k0 * at.row_stride,
                                        at.row_stride, slice);
            break;
          case WeightType::kQ8:
            q8_f32_panel_ukernel__scalar(nc, w.k, k0, kc,
                                         static_cast<const int8_t*>(w.data) + p * nr * q8_padded(w.k),
                                         w.scales + p * nr * q8_blocks(w.k), slice);
            break;
        }
        for (size_t m0 = 0; m0 < m; m0 += kGemmMr) {
          const size_t mr = std::min(kGemmMr, m - m0);
          f32_gemm_ukernel_4xnr__simd(mr, nc, kc, x + m0 * x_stride + k0, x_stride, panel, panel_stride,
                                      panel_bias, y_panel + m0 * y_stride, y_stride, k0 > 0);
        }
      }
    }
  });
}

}  // namespace

Status gemm(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
            const float* bias, float* y, size_t y_stride) {
  QKV_RETURN_IF_ERROR(validate(m, x, x_stride, w, y, y_stride));
  if (m == 1 && w.type == WeightType::kQ8) {
    gemv_q8(pool, x, w, bias, y);
  } else if (m == 1) {
    gemv_panels(pool, x, w, bias, y);
  } else {
    gemm_panels(pool, m, x, x_stride, w, bias, y, y_stride);
  }
  return Status::ok_status();
}

}  // namespace qkv
