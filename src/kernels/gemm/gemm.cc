// The gemm() driver: validation, the choice of GEMV or GEMM path, threading,
// K-blocking with on-the-fly conversion of f16 weights to f32, and the
// quantization of activations for q8 and q4 weights.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/common/q4k.h"
#include "kernels/f16-f32-panel/panel.h"
#include "kernels/f16-gemv/gemv.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/gemm.h"
#include "kernels/q4-gemm/gemm.h"
#include "kernels/q4-gemv/gemv.h"
#include "kernels/q4/quant.h"
#include "kernels/q4k-gemm/gemm.h"
#include "kernels/q4k-gemv/gemv.h"
#include "kernels/q6k-gemm/gemm.h"
#include "kernels/q6k-gemv/gemv.h"
#include "kernels/q8-gemm/gemm.h"
#include "kernels/q8-gemv/gemv.h"
#include "kernels/q8/quant.h"
#include "kernels/q8k-gemm/gemm.h"
#include "kernels/q8k-gemv/gemv.h"

namespace qkv {
namespace {

// K columns converted per step for the f16 GEMM: a KC x NR f32 slice (8 KB in
// wasm) stays in L1 while every row block of X passes over it.
constexpr size_t kConvertKc = 256;
// Activation rows per pass of the q8 GEMM over a thread's row groups: their
// int16 values (64 x 2K bytes for K = 1024) stay in L2 while the weights
// stream past once per pass.
constexpr size_t kQ8GemmRowBlock = 64;
// Largest K the q8 and q4 GEMVs handle: x is quantized into a stack buffer.
constexpr size_t kMaxQ8GemvK = 32768;

bool quantized(WeightType type) {
  return type == WeightType::kQ8 || type == WeightType::kQ4 || type == WeightType::kQ8K ||
         type == WeightType::kQ6K || type == WeightType::kQ4K || type == WeightType::kQ8H;
}

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

Status validate(size_t m, const float* x, size_t x_stride, const PackedWeights& w, float* y,
                size_t y_stride) {
  if (w.data == nullptr || (quantized(w.type) && w.scales == nullptr)) {
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
  if ((w.type == WeightType::kQ8K || w.type == WeightType::kQ6K || w.type == WeightType::kQ4K) &&
      w.k % kQ8KSuperBlock != 0) {
    return Status::invalid_argument(std::string("gemm: ") + weight_type_name(w.type) +
                                    " weights need a multiple of " + std::to_string(kQ8KSuperBlock) +
                                    " input features, not " + std::to_string(w.k));
  }
  if (quantized(w.type) && m == 1 && w.k > kMaxQ8GemvK) {
    return Status::unsupported(std::string("gemm: ") + weight_type_name(w.type) + " weights with more than " +
                               std::to_string(kMaxQ8GemvK) + " input features");
  }
  return Status::ok_status();
}

// How f32 products of 2..kGemvMaxRows rows (the beams of a beam search) run,
// each row's outputs the M = 1 GEMV's bit for bit either way: from
// kFewRowGemvMinRows rows, the few-row GEMV (one pass over each panel group
// for all rows); below, the M = 1 GEMV once per row of X over each group
// (the later rows read it from cache). f32_gemv_rows_bench, one thread,
// weights from memory, against the GEMM's tiles (bench/RESULTS.md, issue
// 19): in wasm (SIMD128), the few-row GEMV took 0.64-0.92x their time at
// 2..8 rows; the GEMV per row 0.58-0.63x at 2 rows, as much as the few-row
// GEMV at 4 and 1.27x it at 8. In the relaxed-SIMD builds (Node 24), the
// GEMV per row took 0.71-0.88x the tiles' time at 4 and 8 rows, the few-row
// GEMV 0.93-1.08x. Natively (FMA, AVX-512), the GEMV per row took
// 0.73-0.95x the tiles' time at 2..8 rows (with the weights in cache,
// 1.2-1.3x), the few-row GEMV (16 KB blocks) 1.08-1.17x.
#if defined(__wasm_simd128__) && !defined(__wasm_relaxed_simd__)
constexpr size_t kFewRowGemvMinRows = 4;
#else
constexpr size_t kFewRowGemvMinRows = kGemvMaxRows + 1;
#endif

// f32 and f16 weights, M = 1; and f32 weights with M <= kGemvMaxRows rows
// (above). Threads split the panel groups either way.
void gemv_panels(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
                 const float* bias, float* y, size_t y_stride) {
  const size_t nr = gemm_nr(), n_panels = ceil_div(w.n, nr), groups = ceil_div(n_panels, kGemmPanelGroup);
  parallel_for(pool, groups, 8, [&](size_t begin, size_t end) {
    for (size_t g = begin; g < end; ++g) {
      const size_t first = g * kGemmPanelGroup, count = std::min(kGemmPanelGroup, n_panels - first);
      const size_t last_cols = std::min(nr, w.n - (first + count - 1) * nr);
      const float* group_bias = bias ? bias + first * nr : nullptr;
      const size_t offset = gemm_panel_location(first, w.n, w.k).offset;
      if (w.type == WeightType::kF16) {
        f16_gemv_ukernel_4panel__simd(count, last_cols, w.k, x, static_cast<const uint16_t*>(w.data) + offset,
                                      group_bias, y + first * nr);
      } else if (m < kFewRowGemvMinRows) {
        for (size_t r = 0; r < m; ++r) {
          f32_gemv_ukernel_4panel__simd(count, last_cols, w.k, x + r * x_stride,
                                        static_cast<const float*>(w.data) + offset, group_bias,
                                        y + r * y_stride + first * nr);
        }
      } else {
        f32_gemv_ukernel_8x4panel__simd(m, count, last_cols, w.k, x, x_stride,
                                        static_cast<const float*>(w.data) + offset, group_bias,
                                        y + first * nr, y_stride);
      }
    }
  });
}

// The form of x the q8 GEMV and GEMM read, 2 bytes per value either way: in
// relaxed-SIMD builds its q8 values split by sign, for the relaxed int8 dot
// product (q8_split_signs_row__relaxed); otherwise widened to int16, for the
// i16 dot products.
// The q8 kernels have a form per scale type (q8's f32, q8h's f16): these
// pick the build's flavour, the arguments the form.
#if defined(__wasm_relaxed_simd__)
using Q8X = int8_t;
constexpr size_t kQ8XPerValue = 2;
template <class... Args>
void q8_gemv_ukernel(Args... args) {
  q8_gemv_ukernel__relaxed(args...);
}
template <class... Args>
void q8_gemm_ukernel(Args... args) {
  q8_gemm_ukernel__relaxed(args...);
}
#else
using Q8X = int16_t;
constexpr size_t kQ8XPerValue = 1;
template <class... Args>
void q8_gemv_ukernel(Args... args) {
  q8_gemv_ukernel__simd(args...);
}
template <class... Args>
void q8_gemm_ukernel(Args... args) {
  q8_gemm_ukernel__simd(args...);
}
#endif

// x quantized like the weights (the SIMD q8 kernel), in the kernels' form
// (kQ8XPerValue * q8_padded(k) values in xq). x8 holds q8_padded(k) values.
void quantize_activations(size_t k, const float* x, int8_t* x8, Q8X* xq, float* x_scales) {
  f32_to_q8_row__simd(k, x, x8, x_scales);
#if defined(__wasm_relaxed_simd__)
  q8_split_signs_row__relaxed(k, x8, xq);
#else
  for (size_t i = 0; i < q8_padded(k); ++i) xq[i] = x8[i];
#endif
}

// q8 (Scale = float) and q8h (Scale = uint16_t, f16 bits) weights.
template <class Scale>
void gemv_q8(ThreadPool* pool, const float* x, const PackedWeights& w, const float* bias, float* y) {
  alignas(64) int8_t x8[kMaxQ8GemvK];
  alignas(64) Q8X xq[kQ8XPerValue * kMaxQ8GemvK];
  alignas(64) float x_scales[kMaxQ8GemvK / kQ8BlockSize];
  quantize_activations(w.k, x, x8, xq, x_scales);
  const int8_t* q = static_cast<const int8_t*>(w.data);
  static_assert(16 % kQ8RowGroup == 0, "chunks must start at a row group");
  parallel_for(pool, ceil_div(w.n, 16), 4, [&](size_t begin, size_t end) {
    const size_t r0 = begin * 16, r1 = std::min(w.n, end * 16);
    q8_gemv_ukernel(r1 - r0, w.k, q + r0 * q8_padded(w.k), w.scales_as<Scale>() + r0 * q8_blocks(w.k), xq,
                    x_scales, bias ? bias + r0 : nullptr, y + r0);
  });
}

// f32 and f16 weights.
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
        if (w.type == WeightType::kF32) {
          panel = static_cast<const float*>(w.data) + at.offset + k0 * at.row_stride;
          panel_stride = at.row_stride;
        } else {
          f16_f32_panel_ukernel__simd(kc,
                                      static_cast<const uint16_t*>(w.data) + at.offset + k0 * at.row_stride,
                                      at.row_stride, slice);
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

// Every row of x is quantized as the GEMV quantizes its one row, and every
// output is the GEMV's arithmetic (q8-gemm/gemm.h): prefill and decode agree
// bit for bit. Row by row on unpacked weights: the path below one tile of
// rows.
template <class Scale>
void gemm_q8_rows(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
                  const float* bias, float* y, size_t y_stride) {
  const size_t x_row = kQ8XPerValue * q8_padded(w.k), blocks = q8_blocks(w.k);
  const size_t groups = ceil_div(w.n, kQ8RowGroup);
  std::vector<Q8X> xq(m * x_row);
  std::vector<float> x_scales(m * blocks);
  parallel_for(pool, m, 4, [&](size_t begin, size_t end) {
    std::vector<int8_t> x8(q8_padded(w.k));
    for (size_t i = begin; i < end; ++i) {
      quantize_activations(w.k, x + i * x_stride, x8.data(), xq.data() + i * x_row,
                           x_scales.data() + i * blocks);
    }
  });
  const int8_t* q = static_cast<const int8_t*>(w.data);
  parallel_for(pool, groups, 4, [&](size_t begin, size_t end) {
    for (size_t m0 = 0; m0 < m; m0 += kQ8GemmRowBlock) {
      const size_t mr = std::min(kQ8GemmRowBlock, m - m0);
      for (size_t g = begin; g < end; ++g) {
        const size_t r0 = g * kQ8RowGroup;
        q8_gemm_ukernel(mr, std::min(kQ8RowGroup, w.n - r0), w.k, xq.data() + m0 * x_row, x_row,
                        x_scales.data() + m0 * blocks, blocks, q + r0 * q8_padded(w.k),
                        w.scales_as<Scale>() + r0 * blocks, bias ? bias + r0 : nullptr,
                        y + m0 * y_stride + r0, y_stride);
      }
    }
  });
}

// The form of x the q4 GEMV and GEMM read: the q8 values themselves in
// relaxed-SIMD builds (the int8 operand of the relaxed dot product, the q4
// values being the 7-bit one: q4-gemv/relaxed-inl.h), otherwise as int16 in
// the order and scaling q4_simd_x_form gives (q4-gemv/gemv.h).
#if defined(__wasm_relaxed_simd__)
using Q4X = int8_t;
constexpr auto q4_gemv_ukernel = q4_gemv_ukernel__relaxed;
constexpr auto q4_gemm_ukernel = q4_gemm_ukernel__relaxed;
constexpr auto q8k_gemv_ukernel = q8k_gemv_ukernel__relaxed;
constexpr auto q8k_gemm_ukernel = q8k_gemm_ukernel__relaxed;
constexpr auto q6k_gemv_ukernel = q6k_gemv_ukernel__relaxed;
constexpr auto q6k_gemm_ukernel = q6k_gemm_ukernel__relaxed;
constexpr auto q4k_gemv_ukernel = q4k_gemv_ukernel__relaxed;
constexpr auto q4k_gemm_ukernel = q4k_gemm_ukernel__relaxed;
#else
using Q4X = int16_t;
constexpr auto q4_gemv_ukernel = q4_gemv_ukernel__simd;
constexpr auto q4_gemm_ukernel = q4_gemm_ukernel__simd;
constexpr auto q8k_gemv_ukernel = q8k_gemv_ukernel__simd;
constexpr auto q8k_gemm_ukernel = q8k_gemm_ukernel__simd;
constexpr auto q6k_gemv_ukernel = q6k_gemv_ukernel__simd;
constexpr auto q6k_gemm_ukernel = q6k_gemm_ukernel__simd;
constexpr auto q4k_gemv_ukernel = q4k_gemv_ukernel__simd;
constexpr auto q4k_gemm_ukernel = q4k_gemm_ukernel__simd;
#endif

// One row of x quantized for the q4 or q8k kernels: q8_padded(k) values of
// the form's X, and per block of 32 a scale, a sum (q4_activation_sums) and,
// for q8k, two offsets (q8k_order_x).
template <class X>
struct QuantizedRow {
  X* values;
  int32_t* offsets;
  float* scales;
  float* sums;
};

// q4 weights (q4-gemv/gemv.h): x quantized as for q8 weights (the same
// quantizer and values), in the q4 kernels' form, with its block sums. x8
// holds q8_padded(k) values (unused in relaxed builds, whose form is x8).
struct Q4Form {
  static_assert(kQ4BlockSize == kQ8BlockSize, "x's q8 blocks are the weights' q4 blocks");
  using X = Q4X;
  static constexpr size_t kRowGroup = kQ4RowGroup;
  static void quantize(size_t k, const float* x, int8_t* x8, const QuantizedRow<X>& out) {
#if defined(__wasm_relaxed_simd__)
    x8 = out.values;
#endif
    f32_to_q8_row__simd(k, x, x8, out.scales);
    q4_activation_sums(k, x8, out.scales, out.sums);
#if !defined(__wasm_relaxed_simd__)
    q4_simd_x_form(k, x8, out.values);
#endif
  }
  static size_t row_bytes(size_t k) { return q4_blocks(k) * kQ4BlockBytes; }
  static size_t row_floats(size_t k) { return 2 * q4_blocks(k); }
  static void gemv(const PackedWeights& w, size_t r0, size_t rows, const QuantizedRow<X>& x,
                   const float* bias, float* y) {
    q4_gemv_ukernel(rows, w.k, static_cast<const uint8_t*>(w.data) + r0 * row_bytes(w.k),
                    w.scales_as<float>() + r0 * row_floats(w.k), x.values, x.scales, x.sums, bias, y);
  }
  // x: mr rows, x_row values and `blocks` scales (sums) apart.
  static void gemm(const PackedWeights& w, size_t r0, size_t mr, const QuantizedRow<X>& x, size_t x_row,
                   size_t blocks, const float* bias, float* y, size_t y_stride) {
    q4_gemm_ukernel(mr, std::min(kRowGroup, w.n - r0), w.k, x.values, x_row, x.scales, x.sums, blocks,
                    static_cast<const uint8_t*>(w.data) + r0 * row_bytes(w.k),
                    w.scales_as<float>() + r0 * row_floats(w.k), bias, y, y_stride);
  }
};

// q4k weights (common/q4k.h): x in q4's form (the kernels do q4's
// arithmetic on the nibbles, which are q4's, and the scales expanded).
struct Q4KForm : Q4Form {
  // Bytes of nibbles and of scales per row (k is whole super-blocks; r0 is a group's first row).
  static size_t scale_bytes(size_t k) { return q4k_supers(k) * kQ4KGroupScaleBytes / kQ4KRowGroup; }
  static const uint8_t* scales_of(const PackedWeights& w, size_t r0) {
    return w.scales_as<uint8_t>() + r0 * scale_bytes(w.k);
  }
  static void gemv(const PackedWeights& w, size_t r0, size_t rows, const QuantizedRow<X>& x,
                   const float* bias, float* y) {
    q4k_gemv_ukernel(rows, w.k, static_cast<const uint8_t*>(w.data) + r0 * row_bytes(w.k), scales_of(w, r0),
                     x.values, x.scales, x.sums, bias, y);
  }
  static void gemm(const PackedWeights& w, size_t r0, size_t mr, const QuantizedRow<X>& x, size_t x_row,
                   size_t blocks, const float* bias, float* y, size_t y_stride) {
    q4k_gemm_ukernel(mr, std::min(kRowGroup, w.n - r0), w.k, x.values, x_row, x.scales, x.sums, blocks,
                     static_cast<const uint8_t*>(w.data) + r0 * row_bytes(w.k), scales_of(w, r0), bias, y,
                     y_stride);
  }
};

// q8k weights (common/q8k.h): x's q8 values in the weights' order with the
// sub-block sums (q8k_order_x), and its block sums for the mins.
struct Q8KForm {
  using X = int8_t;
  static constexpr size_t kRowGroup = kQ8KRowGroup;
  static_assert(kQ8KBlock == kQ8BlockSize, "x's q8 blocks are the weights' blocks of 32");
  static void quantize(size_t k, const float* x, int8_t* x8, const QuantizedRow<X>& out) {
    f32_to_q8_row__simd(k, x, x8, out.scales);
    q4_activation_sums(k, x8, out.scales, out.sums);
    q8k_order_x(k, x8, out.values, out.offsets);
  }
  static size_t row_bytes(size_t k) { return q8k_supers(k) * kQ8KGroupBytes / kQ8KRowGroup; }
  static size_t row_floats(size_t k) { return q8k_supers(k) * kQ8KGroupFloats / kQ8KRowGroup; }
  static void gemv(const PackedWeights& w, size_t r0, size_t rows, const QuantizedRow<X>& x,
                   const float* bias, float* y) {
    q8k_gemv_ukernel(rows, w.k, static_cast<const int8_t*>(w.data) + r0 * row_bytes(w.k),
                     w.scales_as<float>() + r0 * row_floats(w.k), x.values, x.offsets, x.scales, x.sums, bias,
                     y);
  }
  static void gemm(const PackedWeights& w, size_t r0, size_t mr, const QuantizedRow<X>& x, size_t x_row,
                   size_t blocks, const float* bias, float* y, size_t y_stride) {
    q8k_gemm_ukernel(mr, std::min(kRowGroup, w.n - r0), w.k, x.values, x_row, x.offsets, x.scales, x.sums,
                     blocks, static_cast<const int8_t*>(w.data) + r0 * row_bytes(w.k),
                     w.scales_as<float>() + r0 * row_floats(w.k), bias, y, y_stride);
  }
};

// q6k weights (common/q6k.h): x in q8k's form (the kernels do q8k's
// arithmetic on the unpacked values); the block sums serve no mins but the
// GEMM's q8k kernel reads them.
struct Q6KForm : Q8KForm {
  static size_t row_bytes(size_t k) { return q8k_supers(k) * kQ6KGroupBytes / kQ6KRowGroup; }
  static size_t row_floats(size_t k) { return q8k_supers(k) * kQ6KGroupFloats / kQ6KRowGroup; }
  static void gemv(const PackedWeights& w, size_t r0, size_t rows, const QuantizedRow<X>& x,
                   const float* bias, float* y) {
    q6k_gemv_ukernel(rows, w.k, static_cast<const uint8_t*>(w.data) + r0 * row_bytes(w.k),
                     w.scales_as<float>() + r0 * row_floats(w.k), x.values, x.offsets, x.scales, bias, y);
  }
  static void gemm(const PackedWeights& w, size_t r0, size_t mr, const QuantizedRow<X>& x, size_t x_row,
                   size_t blocks, const float* bias, float* y, size_t y_stride) {
    q6k_gemm_ukernel(mr, std::min(kRowGroup, w.n - r0), w.k, x.values, x_row, x.offsets, x.scales, x.sums,
                     blocks, static_cast<const uint8_t*>(w.data) + r0 * row_bytes(w.k),
                     w.scales_as<float>() + r0 * row_floats(w.k), bias, y, y_stride);
  }
};

// Decode with q4, q8k or q6k weights: x quantized once into stack buffers, the
// rows split among the threads in chunks of 16 (whole row groups).
template <class Form>
void gemv_quantized(ThreadPool* pool, const float* x, const PackedWeights& w, const float* bias, float* y) {
  using X = typename Form::X;
  alignas(64) int8_t x8[kMaxQ8GemvK];
  alignas(64) X values[kMaxQ8GemvK];
  alignas(64) int32_t offsets[2 * kMaxQ8GemvK / kQ8BlockSize];
  alignas(64) float scales[kMaxQ8GemvK / kQ8BlockSize], sums[kMaxQ8GemvK / kQ8BlockSize];
  const QuantizedRow<X> row{values, offsets, scales, sums};
  Form::quantize(w.k, x, x8, row);
  static_assert(16 % Form::kRowGroup == 0, "chunks must start at a row group");
  parallel_for(pool, ceil_div(w.n, 16), 4, [&](size_t begin, size_t end) {
    const size_t r0 = begin * 16, r1 = std::min(w.n, end * 16);
    Form::gemv(w, r0, r1 - r0, row, bias ? bias + r0 : nullptr, y + r0);
  });
}

// Prefill with q4 or q8k weights, as gemm_q8_rows: every row of x quantized
// as the GEMV quantizes its one row, and every output the GEMV's arithmetic,
// so prefill and decode agree bit for bit. The quantized rows live in
// per-thread buffers kept between calls: a call allocates only when its x
// is larger than any before on that thread.
template <class Form>
void gemm_quantized(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
                    const float* bias, float* y, size_t y_stride) {
  using X = typename Form::X;
  const size_t x_row = q8_padded(w.k), blocks = q8_blocks(w.k);
  // Thread-local names would mean each worker's own buffers inside the
  // lambdas: the workers get the caller's through these pointers.
  thread_local std::vector<X> values_buf;
  thread_local std::vector<int32_t> offsets_buf;
  thread_local std::vector<float> scales_buf, sums_buf;
  values_buf.resize(std::max(values_buf.size(), m * x_row));
  offsets_buf.resize(std::max(offsets_buf.size(), 2 * m * blocks));
  scales_buf.resize(std::max(scales_buf.size(), m * blocks));
  sums_buf.resize(std::max(sums_buf.size(), m * blocks));
  X* values = values_buf.data();
  int32_t* offsets = offsets_buf.data();
  float *scales = scales_buf.data(), *sums = sums_buf.data();
  const auto rows_from = [=](size_t i) {
    return QuantizedRow<X>{values + i * x_row, offsets + 2 * i * blocks, scales + i * blocks,
                           sums + i * blocks};
  };
  parallel_for(pool, m, 4, [&](size_t begin, size_t end) {
    thread_local std::vector<int8_t> x8;
    x8.resize(std::max(x8.size(), x_row));
    for (size_t i = begin; i < end; ++i) Form::quantize(w.k, x + i * x_stride, x8.data(), rows_from(i));
  });
  parallel_for(pool, ceil_div(w.n, Form::kRowGroup), 4, [&](size_t begin, size_t end) {
    for (size_t m0 = 0; m0 < m; m0 += kQ8GemmRowBlock) {
      const size_t mr = std::min(kQ8GemmRowBlock, m - m0);
      for (size_t g = begin; g < end; ++g) {
        const size_t r0 = g * Form::kRowGroup;
        Form::gemm(w, r0, mr, rows_from(m0), x_row, blocks, bias ? bias + r0 : nullptr,
                   y + m0 * y_stride + r0, y_stride);
      }
    }
  });
}

#if !defined(__wasm_relaxed_simd__)
// The activations are quantized and packed 4 rows to a tile
// (q8_gemm_pack_x); each row group is widened once per pass
// (q8_gemm_pack_group__simd) and the pass's tiles run over it from L1.
template <class Scale>
void gemm_q8_packed(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
                    const float* bias, float* y, size_t y_stride) {
  constexpr size_t kTileRows = kQ8GemmTileRows, kTilesPerPass = kQ8GemmRowBlock / kTileRows;
  const size_t blocks = q8_blocks(w.k), groups = ceil_div(w.n, kQ8RowGroup), padded = q8_padded(w.k);
  const size_t tiles = ceil_div(m, kTileRows), tile_values = kQ8GemmPackedBlock * blocks;
  std::unique_ptr<int16_t[]> xa(new int16_t[tiles * tile_values]);
  // Rows past m (the last tile's padding) keep scale 0: the kernel reads them.
  std::vector<float> x_scales(tiles * kTileRows * blocks, 0.0f);
  parallel_for(pool, tiles, 1, [&](size_t begin, size_t end) {
    std::unique_ptr<int8_t[]> x8(new int8_t[kTileRows * padded]);
    for (size_t t = begin; t < end; ++t) {
      const size_t rows = std::min(kTileRows, m - t * kTileRows);
      for (size_t r = 0; r < rows; ++r) {
        const size_t i = t * kTileRows + r;
        f32_to_q8_row__simd(w.k, x + i * x_stride, x8.get() + r * padded, x_scales.data() + i * blocks);
      }
      q8_gemm_pack_x(rows, w.k, x8.get(), padded, xa.get() + t * tile_values);
    }
  });
  const int8_t* q = static_cast<const int8_t*>(w.data);
  // Two row groups at a time where two are left in the range (the 4x8 tile
  // uses each activation broadcast twice), the last odd one alone.
  parallel_for(pool, groups, 4, [&](size_t begin, size_t end) {
    std::unique_ptr<int16_t[]> packed(new int16_t[2 * tile_values]);
    for (size_t t0 = 0; t0 < tiles; t0 += kTilesPerPass) {
      const size_t t1 = std::min(tiles, t0 + kTilesPerPass);
      for (size_t g = begin; g < end;) {
        const size_t pair = g + 1 < end ? 2 : 1;
        const size_t r0 = g * kQ8RowGroup, nc = std::min(pair * kQ8RowGroup, w.n - r0);
        for (size_t h = 0; h < pair; ++h) {
          q8_gemm_pack_group__simd(w.k, q + (r0 + h * kQ8RowGroup) * padded, packed.get() + h * tile_values);
        }
        const Scale* scales = w.scales_as<Scale>() + r0 * blocks;
        for (size_t t = t0; t < t1; ++t) {
          const size_t i = t * kTileRows;
          const size_t mr = std::min(kTileRows, m - i);
          const int16_t* tile = xa.get() + t * tile_values;
          const float* xs = x_scales.data() + i * blocks;
          const float* b = bias ? bias + r0 : nullptr;
          if (pair == 2) {
            q8_gemm_ukernel_4x8_packed__simd(mr, nc, w.k, tile, xs, blocks, packed.get(), scales, b,
                                             y + i * y_stride + r0, y_stride);
          } else {
            q8_gemm_ukernel_4x4_packed__simd(mr, nc, w.k, tile, xs, blocks, packed.get(), scales, b,
                                             y + i * y_stride + r0, y_stride);
          }
        }
        g += pair;
      }
    }
  });
}
#else
// The activations are quantized and packed 4 rows to a tile, split by sign
// (q8_gemm_pack_x__relaxed); the weights are read in their grouped layout,
// each row group from L1 while the pass's tiles run over it.
template <class Scale>
void gemm_q8_packed(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
                    const float* bias, float* y, size_t y_stride) {
  constexpr size_t kTileRows = kQ8GemmTileRows, kTilesPerPass = kQ8GemmRowBlock / kTileRows;
  const size_t blocks = q8_blocks(w.k), groups = ceil_div(w.n, kQ8RowGroup), padded = q8_padded(w.k);
  const size_t tiles = ceil_div(m, kTileRows), tile_bytes = kQ8GemmRelaxedTileBlock * blocks;
  const size_t tile_scales = kTileRows * blocks;
  std::unique_ptr<int8_t[]> xa(new int8_t[tiles * tile_bytes]);
  std::unique_ptr<float[]> xs(new float[tiles * tile_scales]);
  parallel_for(pool, tiles, 1, [&](size_t begin, size_t end) {
    std::unique_ptr<int8_t[]> x8(new int8_t[kTileRows * padded]);
    std::unique_ptr<float[]> row_scales(new float[kTileRows * blocks]);
    for (size_t t = begin; t < end; ++t) {
      const size_t rows = std::min(kTileRows, m - t * kTileRows);
      for (size_t r = 0; r < rows; ++r) {
        f32_to_q8_row__simd(w.k, x + (t * kTileRows + r) * x_stride, x8.get() + r * padded,
                            row_scales.get() + r * blocks);
      }
      q8_gemm_pack_x__relaxed(rows, w.k, x8.get(), padded, row_scales.get(), blocks,
                              xa.get() + t * tile_bytes, xs.get() + t * tile_scales);
    }
  });
  const int8_t* q = static_cast<const int8_t*>(w.data);
  parallel_for(pool, groups, 4, [&](size_t begin, size_t end) {
    for (size_t t0 = 0; t0 < tiles; t0 += kTilesPerPass) {
      const size_t t1 = std::min(tiles, t0 + kTilesPerPass);
      for (size_t g = begin; g < end; ++g) {
        const size_t r0 = g * kQ8RowGroup, nc = std::min(kQ8RowGroup, w.n - r0);
        for (size_t t = t0; t < t1; ++t) {
          const size_t i = t * kTileRows;
          q8_gemm_ukernel_4x4_packed__relaxed(std::min(kTileRows, m - i), nc, w.k, xa.get() + t * tile_bytes,
                                              xs.get() + t * tile_scales, q + r0 * padded,
                                              w.scales_as<Scale>() + r0 * blocks, bias ? bias + r0 : nullptr,
                                              y + i * y_stride + r0, y_stride);
        }
      }
    }
  });
}
#endif

template <class Scale>
void gemm_q8(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
             const float* bias, float* y, size_t y_stride) {
  // Below a tile, packing the activations (and in SIMD128 builds each row
  // group) costs more than it saves.
  if (m >= kQ8GemmTileRows) return gemm_q8_packed<Scale>(pool, m, x, x_stride, w, bias, y, y_stride);
  gemm_q8_rows<Scale>(pool, m, x, x_stride, w, bias, y, y_stride);
}

}  // namespace

Status gemm(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
            const float* bias, float* y, size_t y_stride) {
  QKV_RETURN_IF_ERROR(validate(m, x, x_stride, w, y, y_stride));
  if (m == 1 && w.type == WeightType::kQ8) {
    gemv_q8<float>(pool, x, w, bias, y);
  } else if (w.type == WeightType::kQ8) {
    gemm_q8<float>(pool, m, x, x_stride, w, bias, y, y_stride);
  } else if (m == 1 && w.type == WeightType::kQ8H) {
    gemv_q8<uint16_t>(pool, x, w, bias, y);
  } else if (w.type == WeightType::kQ8H) {
    gemm_q8<uint16_t>(pool, m, x, x_stride, w, bias, y, y_stride);
  } else if (m == 1 && w.type == WeightType::kQ4) {
    gemv_quantized<Q4Form>(pool, x, w, bias, y);
  } else if (w.type == WeightType::kQ4) {
    gemm_quantized<Q4Form>(pool, m, x, x_stride, w, bias, y, y_stride);
  } else if (m == 1 && w.type == WeightType::kQ8K) {
    gemv_quantized<Q8KForm>(pool, x, w, bias, y);
  } else if (w.type == WeightType::kQ8K) {
    gemm_quantized<Q8KForm>(pool, m, x, x_stride, w, bias, y, y_stride);
  } else if (m == 1 && w.type == WeightType::kQ4K) {
    gemv_quantized<Q4KForm>(pool, x, w, bias, y);
  } else if (w.type == WeightType::kQ4K) {
    gemm_quantized<Q4KForm>(pool, m, x, x_stride, w, bias, y, y_stride);
  } else if (m == 1 && w.type == WeightType::kQ6K) {
    gemv_quantized<Q6KForm>(pool, x, w, bias, y);
  } else if (w.type == WeightType::kQ6K) {
    gemm_quantized<Q6KForm>(pool, m, x, x_stride, w, bias, y, y_stride);
  } else if (m == 1 || (w.type == WeightType::kF32 && m <= kGemvMaxRows)) {
    gemv_panels(pool, m, x, x_stride, w, bias, y, y_stride);
  } else {
    gemm_panels(pool, m, x, x_stride, w, bias, y, y_stride);
  }
  return Status::ok_status();
}

}  // namespace qkv
