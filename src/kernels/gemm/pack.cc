// Load-time conversion of Hub weight matrices into PackedWeights layouts.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/common/f16.h"
#include "kernels/gemm/gemm.h"
#include "kernels/q8/quant.h"

namespace qkv {

const char* weight_type_name(WeightType type) {
  switch (type) {
    case WeightType::kF32:
      return "f32";
    case WeightType::kF16:
      return "f16";
    case WeightType::kQ8:
      return "q8";
  }
  return "?";
}

namespace {

size_t panels(size_t n) { return (n + gemm_nr() - 1) / gemm_nr(); }

// Element (row r of N, column c of K) of the source, as float.
struct Source {
  const void* data;
  SourceType type;
  SourceLayout layout;
  size_t n, k;

  float at(size_t r, size_t c) const {
    const size_t i = layout == SourceLayout::kNK ? r * k + c : c * n + r;
    switch (type) {
      case SourceType::kF32:
        return static_cast<const float*>(data)[i];
      case SourceType::kF16:
        return f16_to_f32(static_cast<const uint16_t*>(data)[i]);
      case SourceType::kBF16:
        return bf16_to_f32(static_cast<const uint16_t*>(data)[i]);
    }
    return 0.0f;
  }
};

// Rows [r0, r0 + rows) of the source as f32, row-major [rows][k]. Rows are
// gathered in blocks so a [K, N] (Conv1D) source is read along its
// contiguous N dimension.
void gather_rows(const Source& s, size_t r0, size_t rows, float* out) {
  for (size_t c = 0; c < s.k; ++c) {
    for (size_t j = 0; j < rows; ++j) out[j * s.k + c] = s.at(r0 + j, c);
  }
}

// Rows quantized per block of the gather: 16 rows of K floats (48 KB at K = 768).
constexpr size_t kQ8PackRows = 16;

}  // namespace

PanelLocation gemm_panel_location(size_t p, size_t n, size_t k) {
  const size_t nr = gemm_nr(), first = p - p % kGemmPanelGroup;
  const size_t in_group = std::min(kGemmPanelGroup, panels(n) - first);
  return {first * k * nr + (p - first) * nr, in_group * nr};
}

size_t packed_weights_bytes(WeightType type, size_t n, size_t k) {
  switch (type) {
    case WeightType::kF32:
      return panels(n) * gemm_nr() * k * sizeof(float);
    case WeightType::kF16:
      return panels(n) * gemm_nr() * k * sizeof(uint16_t);
    case WeightType::kQ8:
      return q8_grouped_rows(n) * q8_padded(k);
  }
  return 0;
}

size_t packed_scales_bytes(WeightType type, size_t n, size_t k) {
  return type == WeightType::kQ8 ? q8_grouped_rows(n) * q8_blocks(k) * sizeof(float) : 0;
}

Status pack_weights(const void* src, SourceType src_type, SourceLayout layout, size_t n, size_t k,
                    WeightType type, void* data, float* scales, ThreadPool* pool) {
  if (n == 0 || k == 0) {
    return Status::invalid_argument("pack_weights: empty matrix [" + std::to_string(n) + ", " +
                                    std::to_string(k) + "]");
  }
  if (src == nullptr || data == nullptr || (type == WeightType::kQ8 && scales == nullptr)) {
    return Status::invalid_argument("pack_weights: null buffer");
  }
  const Source s{src, src_type, layout, n, k};
  const size_t nr = gemm_nr();
  auto pack_panels = [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p) {
      const PanelLocation at = gemm_panel_location(p, n, k);
      for (size_t c = 0; c < k; ++c) {
        for (size_t j = 0; j < nr; ++j) {
          const size_t r = p * nr + j;
          const float v = r < n ? s.at(r, c) : 0.0f;
          const size_t dst = at.offset + c * at.row_stride + j;
          if (type == WeightType::kF32) {
            static_cast<float*>(data)[dst] = v;
          } else {
            static_cast<uint16_t*>(data)[dst] = f32_to_f16(v);
          }
        }
      }
    }
  };
  // q8 rows go through the q8 kernel itself (kernels/q8/quant.h), so packed
  // weights are bit-identical to f32_to_q8_row, then their blocks are dealt
  // into the row groups; grain = blocks of kQ8PackRows (whole groups).
  static_assert(kQ8PackRows % kQ8RowGroup == 0, "a pack block must cover whole row groups");
  auto pack_q8 = [&](size_t begin, size_t end) {
    // Load time, once per chunk of work.
    std::vector<float> rows(kQ8PackRows * k);
    std::vector<int8_t> row_q(q8_padded(k));
    std::vector<float> row_scales(q8_blocks(k));
    int8_t* q = static_cast<int8_t*>(data);
    for (size_t block = begin; block < end; ++block) {
      const size_t r0 = block * kQ8PackRows, count = std::min(kQ8PackRows, n - r0);
      const bool direct = src_type == SourceType::kF32 && layout == SourceLayout::kNK;
      if (!direct) gather_rows(s, r0, count, rows.data());
      for (size_t j = 0; j < q8_grouped_rows(count); ++j) {
        if (j < count) {
          const float* row = direct ? static_cast<const float*>(src) + (r0 + j) * k : rows.data() + j * k;
          f32_to_q8_row__simd(k, row, row_q.data(), row_scales.data());
        } else {  // padding rows of the last group
          std::fill(row_q.begin(), row_q.end(), int8_t{0});
          std::fill(row_scales.begin(), row_scales.end(), 0.0f);
        }
        for (size_t b = 0; b < q8_blocks(k); ++b) {
          const size_t at = q8_grouped_block(r0 + j, b, k);
          std::memcpy(q + at * kQ8BlockSize, row_q.data() + b * kQ8BlockSize, kQ8BlockSize);
          scales[at] = row_scales[b];
        }
      }
    }
  };
  // Scan for values f16 cannot hold before writing anything (the f16 GEMV
  // conversion also relies on finite weights).
  if (type == WeightType::kF16) {
    for (size_t r = 0; r < n; ++r) {
      for (size_t c = 0; c < k; ++c) {
        const float v = s.at(r, c);
        if (!(std::fabs(v) <= 65504.0f)) {
          return Status::unsupported("weight value " + std::to_string(v) + " at [" + std::to_string(r) +
                                     ", " + std::to_string(c) +
                                     "] does not fit in f16; load with dtype f32 or q8");
        }
      }
    }
  }
  if (type == WeightType::kQ8) {
    parallel_for(pool, (n + kQ8PackRows - 1) / kQ8PackRows, 1, pack_q8);
  } else {
    parallel_for(pool, panels(n), 4, pack_panels);
  }
  return Status::ok_status();
}

}  // namespace qkv
