// Load-time conversion of Hub weight matrices into PackedWeights layouts.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/common/f16.h"
#include "kernels/common/q4k.h"
#include "kernels/gemm/gemm.h"
#include "kernels/q4/quant.h"
#include "kernels/q8/quant.h"

namespace qkv {

namespace {

size_t panels(size_t n) { return (n + gemm_nr() - 1) / gemm_nr(); }

float source_value(const void* data, SourceType type, size_t i) {
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

size_t source_bytes(SourceType type) { return type == SourceType::kF32 ? 4 : 2; }

Status f16_overflow(float v, size_t r, size_t c) {
  return Status::unsupported("weight value " + std::to_string(v) + " at [" + std::to_string(r) + ", " +
                             std::to_string(c) + "] does not fit in f16; load with dtype f32 or q8");
}

// Source rows handed to one parallel task: enough work to amortise the claim.
constexpr size_t kRowsPerTask = 16;

}  // namespace

WeightPacker::WeightPacker(SourceType src_type, SourceLayout layout, size_t n, size_t k, WeightType type,
                           void* data, void* scales)
    : src_type_(src_type), layout_(layout), n_(n), k_(k), type_(type), data_(data), scales_(scales) {}

Status WeightPacker::check() const {
  if (n_ == 0 || k_ == 0) {
    return Status::invalid_argument("pack_weights: empty matrix [" + std::to_string(n_) + ", " +
                                    std::to_string(k_) + "]");
  }
  if (data_ == nullptr || (type_ != WeightType::kF32 && type_ != WeightType::kF16 && scales_ == nullptr)) {
    return Status::invalid_argument("pack_weights: null buffer");
  }
  if (type_ == WeightType::kQ8H && layout_ != SourceLayout::kNK) {
    return Status::invalid_argument("pack_weights: q8h needs an [N, K] matrix");
  }
  if ((type_ == WeightType::kQ8K || type_ == WeightType::kQ6K || type_ == WeightType::kQ4K) &&
      (layout_ != SourceLayout::kNK || k_ % kQ8KSuperBlock != 0)) {
    return Status::invalid_argument(std::string("pack_weights: ") + weight_type_name(type_) +
                                    " needs an [N, K] matrix with K a multiple of " +
                                    std::to_string(kQ8KSuperBlock) + " (K = " + std::to_string(k_) + ")");
  }
  return Status::ok_status();
}

size_t WeightPacker::source_rows() const { return layout_ == SourceLayout::kNK ? n_ : k_; }

size_t WeightPacker::row_bytes() const {
  return (layout_ == SourceLayout::kNK ? k_ : n_) * source_bytes(src_type_);
}

size_t WeightPacker::row_granule() const {
  // q8 and q4 blocks run along K: from [K, N] a block needs 32 source rows at once.
  static_assert(kQ4BlockSize == kQ8BlockSize, "one granule for both");
  return (type_ == WeightType::kQ8 || type_ == WeightType::kQ4) && layout_ == SourceLayout::kKN ? kQ8BlockSize
                                                                                                : 1;
}

Status WeightPacker::add_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool) {
  if (row0 % row_granule() != 0 || row0 + rows > source_rows() ||
      (rows % row_granule() != 0 && row0 + rows != source_rows())) {
    return Status::invalid_argument("pack_weights: rows [" + std::to_string(row0) + ", " +
                                    std::to_string(row0 + rows) + ") are not whole groups of " +
                                    std::to_string(row_granule()) + " within " +
                                    std::to_string(source_rows()));
  }
  if (type_ == WeightType::kQ8K || type_ == WeightType::kQ6K || type_ == WeightType::kQ4K ||
      type_ == WeightType::kQ8H) {
    // Only ggml's blocks have these forms (add_q8k_row, add_q6k_row, add_q4k_row, add_q8h_row); there is no
    // f32 quantizer (an f32 row quantized to q8h would round its scales: q8 holds it exactly).
    return Status::unsupported(std::string("pack_weights: ") + weight_type_name(type_) +
                               " holds GGUF blocks only, not " +
                               std::string(src_type_ == SourceType::kF32 ? "f32" : "f16/bf16") + " rows");
  }
  // f16 targets reject values that would become inf, before writing anything.
  if (type_ == WeightType::kF16) {
    const size_t width = layout_ == SourceLayout::kNK ? k_ : n_;
    for (size_t i = 0; i < rows * width; ++i) {
      const float v = source_value(src, src_type_, i);
      if (!(std::fabs(v) <= 65504.0f)) {
        const size_t r = row0 + i / width, c = i % width;
        return layout_ == SourceLayout::kNK ? f16_overflow(v, r, c) : f16_overflow(v, c, r);
      }
    }
  }
  if (type_ == WeightType::kQ8) {
    layout_ == SourceLayout::kNK ? add_q8_rows(src, row0, rows, pool) : add_q8_columns(src, row0, rows, pool);
  } else if (type_ == WeightType::kQ4) {
    layout_ == SourceLayout::kNK ? add_q4_rows(src, row0, rows, pool) : add_q4_columns(src, row0, rows, pool);
  } else {
    layout_ == SourceLayout::kNK ? add_panel_rows(src, row0, rows, pool)
                                 : add_panel_columns(src, row0, rows, pool);
  }
  return Status::ok_status();
}

void WeightPacker::store_panel_value(size_t offset, float v) {
  if (type_ == WeightType::kF32) {
    static_cast<float*>(data_)[offset] = v;
  } else {
    static_cast<uint16_t*>(data_)[offset] = f32_to_f16(v);
  }
}

// [N, K] source: row r is output feature r, column r % NR of panel r / NR.
void WeightPacker::add_panel_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool) {
  const size_t nr = gemm_nr();
  parallel_for(pool, rows, kRowsPerTask, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const size_t r = row0 + i;
      const PanelLocation at = gemm_panel_location(r / nr, n_, k_);
      for (size_t c = 0; c < k_; ++c) {
        store_panel_value(at.offset + c * at.row_stride + r % nr, source_value(src, src_type_, i * k_ + c));
      }
    }
  });
}

// [K, N] source (Conv1D): row c is input feature c, row c of every panel.
void WeightPacker::add_panel_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool) {
  const size_t nr = gemm_nr();
  parallel_for(pool, panels(n_), kRowsPerTask, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p) {
      const PanelLocation at = gemm_panel_location(p, n_, k_);
      const size_t cols = std::min(nr, n_ - p * nr);
      for (size_t i = 0; i < rows; ++i) {
        for (size_t j = 0; j < cols; ++j) {
          store_panel_value(at.offset + (row0 + i) * at.row_stride + j,
                            source_value(src, src_type_, i * n_ + p * nr + j));
        }
      }
    }
  });
}

// [N, K] source: each row through the q8 kernel itself (kernels/q8/quant.h,
// so packed weights are bit-identical to f32_to_q8_row), then its blocks
// dealt into the row groups.
void WeightPacker::add_q8_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool) {
  parallel_for(pool, rows, kRowsPerTask, [&](size_t begin, size_t end) {
    // Load time, once per task.
    std::vector<float> row(k_);
    std::vector<int8_t> row_q(q8_padded(k_));
    std::vector<float> row_scales(q8_blocks(k_));
    for (size_t i = begin; i < end; ++i) {
      const float* values = static_cast<const float*>(src) + i * k_;
      if (src_type_ != SourceType::kF32) {
        for (size_t c = 0; c < k_; ++c) row[c] = source_value(src, src_type_, i * k_ + c);
        values = row.data();
      }
      f32_to_q8_row__simd(k_, values, row_q.data(), row_scales.data());
      for (size_t b = 0; b < q8_blocks(k_); ++b)
        store_q8_block(row0 + i, b, row_q.data() + b * kQ8BlockSize, row_scales[b]);
    }
  });
}

// [K, N] source: every 32 rows are one block of each output feature; each
// block is quantized alone (as f32_to_q8_row does block by block).
void WeightPacker::add_q8_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool) {
  parallel_for(pool, n_, kRowsPerTask * 4, [&](size_t begin, size_t end) {
    float block[kQ8BlockSize];
    int8_t q[kQ8BlockSize];
    float scale = 0;
    for (size_t r = begin; r < end; ++r) {
      for (size_t first = 0; first < rows; first += kQ8BlockSize) {
        const size_t count = std::min(kQ8BlockSize, rows - first);
        for (size_t i = 0; i < count; ++i) block[i] = source_value(src, src_type_, (first + i) * n_ + r);
        f32_to_q8_row__simd(count, block, q, &scale);
        store_q8_block(r, (row0 + first) / kQ8BlockSize, q, scale);
      }
    }
  });
}

Status WeightPacker::add_q8_row(size_t r, const int8_t* q, const float* scales) {
  if (type_ != WeightType::kQ8 || layout_ != SourceLayout::kNK || r >= n_) {
    return Status::invalid_argument("pack_weights: a quantized row " + std::to_string(r) +
                                    " needs a q8 [N, K] matrix with N > r");
  }
  for (size_t b = 0; b < q8_blocks(k_); ++b) store_q8_block(r, b, q + b * kQ8BlockSize, scales[b]);
  return Status::ok_status();
}

Status WeightPacker::add_q8h_row(size_t r, const int8_t* q, const uint16_t* scales) {
  if (type_ != WeightType::kQ8H || layout_ != SourceLayout::kNK || r >= n_) {
    return Status::invalid_argument("pack_weights: a q8h row " + std::to_string(r) +
                                    " needs a q8h [N, K] matrix with N > r");
  }
  for (size_t b = 0; b < q8_blocks(k_); ++b) {
    const size_t at = q8_grouped_block(r, b, k_);
    std::memcpy(static_cast<int8_t*>(data_) + at * kQ8BlockSize, q + b * kQ8BlockSize, kQ8BlockSize);
    scales_as<uint16_t>()[at] = scales[b];
  }
  return Status::ok_status();
}

Status WeightPacker::add_q8k_row(size_t r, const Q8KSuper* supers) {
  if (type_ != WeightType::kQ8K || layout_ != SourceLayout::kNK || r >= n_) {
    return Status::invalid_argument("pack_weights: a q8k row " + std::to_string(r) +
                                    " needs a q8k [N, K] matrix with N > r");
  }
  for (size_t s = 0; s < q8k_supers(k_); ++s) {
    if (!q8k_super_in_range(supers[s])) {
      return Status::invalid_argument("pack_weights: q8k row " + std::to_string(r) +
                                      " holds values outside [-32, 31]");
    }
  }
  for (size_t s = 0; s < q8k_supers(k_); ++s) q8k_store_super(data_, scales_as<float>(), k_, r, s, supers[s]);
  return Status::ok_status();
}

Status WeightPacker::add_q6k_row(size_t r, const Q8KSuper* supers) {
  if (type_ != WeightType::kQ6K || layout_ != SourceLayout::kNK || r >= n_) {
    return Status::invalid_argument("pack_weights: a q6k row " + std::to_string(r) +
                                    " needs a q6k [N, K] matrix with N > r");
  }
  for (size_t s = 0; s < q8k_supers(k_); ++s) {
    bool mins = supers[s].dmin != 0.0f;
    for (int8_t m : supers[s].mn) mins = mins || m != 0;
    if (!q8k_super_in_range(supers[s]) || mins) {
      return Status::invalid_argument("pack_weights: q6k row " + std::to_string(r) +
                                      " holds values outside [-32, 31] or mins");
    }
  }
  for (size_t s = 0; s < q8k_supers(k_); ++s) q6k_store_super(data_, scales_as<float>(), k_, r, s, supers[s]);
  return Status::ok_status();
}

Status WeightPacker::add_q4k_row(size_t r, const uint8_t* nibbles, const uint16_t* d, const uint16_t* dmin,
                                 const uint8_t* scales12) {
  if (type_ != WeightType::kQ4K || layout_ != SourceLayout::kNK || r >= n_) {
    return Status::invalid_argument("pack_weights: a q4k row " + std::to_string(r) +
                                    " needs a q4k [N, K] matrix with N > r");
  }
  constexpr size_t kSuperNibbles = kQ4KSuperBlock / 2;
  for (size_t s = 0; s < q4k_supers(k_); ++s) {
    q4k_store_super(data_, scales_as<uint8_t>(), k_, r, s, nibbles + s * kSuperNibbles, d[s], dmin[s],
                    scales12 + s * kQ4KScaleBytes);
  }
  return Status::ok_status();
}

Status WeightPacker::add_q4_row(size_t r, const uint8_t* nibbles, const float* d, const float* m) {
  if (type_ != WeightType::kQ4 || layout_ != SourceLayout::kNK || r >= n_) {
    return Status::invalid_argument("pack_weights: a quantized row " + std::to_string(r) +
                                    " needs a q4 [N, K] matrix with N > r");
  }
  for (size_t b = 0; b < q4_blocks(k_); ++b)
    q4_store_block(data_, scales_as<float>(), k_, r, b, nibbles + b * kQ4BlockBytes, d[b], m[b]);
  return Status::ok_status();
}

void WeightPacker::store_q8_block(size_t r, size_t b, const int8_t* q, float scale) {
  const size_t at = q8_grouped_block(r, b, k_);
  std::memcpy(static_cast<int8_t*>(data_) + at * kQ8BlockSize, q, kQ8BlockSize);
  scales_as<float>()[at] = scale;
}

// [N, K] source: each row through the q4 kernel itself (kernels/q4/quant.h),
// then its blocks dealt into the row groups.
void WeightPacker::add_q4_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool) {
  parallel_for(pool, rows, kRowsPerTask, [&](size_t begin, size_t end) {
    std::vector<float> row(k_), d(q4_blocks(k_)), m(q4_blocks(k_));
    std::vector<uint8_t> nibbles(q4_blocks(k_) * kQ4BlockBytes);
    for (size_t i = begin; i < end; ++i) {
      const float* values = static_cast<const float*>(src) + i * k_;
      if (src_type_ != SourceType::kF32) {
        for (size_t c = 0; c < k_; ++c) row[c] = source_value(src, src_type_, i * k_ + c);
        values = row.data();
      }
      f32_to_q4_row__simd(k_, values, nibbles.data(), d.data(), m.data());
      for (size_t b = 0; b < q4_blocks(k_); ++b) {
        q4_store_block(data_, scales_as<float>(), k_, row0 + i, b, nibbles.data() + b * kQ4BlockBytes, d[b],
                       m[b]);
      }
    }
  });
}

// [K, N] source: every 32 rows are one block of each output feature, each
// quantized alone (as f32_to_q4_row does block by block).
void WeightPacker::add_q4_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool) {
  parallel_for(pool, n_, kRowsPerTask * 4, [&](size_t begin, size_t end) {
    float block[kQ4BlockSize];
    uint8_t nibbles[kQ4BlockBytes];
    float d = 0, m = 0;
    for (size_t r = begin; r < end; ++r) {
      for (size_t first = 0; first < rows; first += kQ4BlockSize) {
        const size_t count = std::min(kQ4BlockSize, rows - first);
        for (size_t i = 0; i < count; ++i) block[i] = source_value(src, src_type_, (first + i) * n_ + r);
        f32_to_q4_row__simd(count, block, nibbles, &d, &m);
        q4_store_block(data_, scales_as<float>(), k_, r, (row0 + first) / kQ4BlockSize, nibbles, d, m);
      }
    }
  });
}

void WeightPacker::finish() {
  const size_t nr = gemm_nr();
  if (type_ == WeightType::kQ8K || type_ == WeightType::kQ6K) {
    // Padding rows of the last group: every field 0.
    const Q8KSuper zero{};
    const auto store = type_ == WeightType::kQ8K ? q8k_store_super : q6k_store_super;
    for (size_t r = n_; r < q8k_grouped_rows(n_); ++r) {
      for (size_t s = 0; s < q8k_supers(k_); ++s) store(data_, scales_as<float>(), k_, r, s, zero);
    }
    return;
  }
  if (type_ == WeightType::kQ4K) {
    // Padding rows of the last group: q = 0, d = dmin = 0, scales 0.
    const uint8_t zeros[kQ4KSuperBlock / 2] = {};
    for (size_t r = n_; r < q4_grouped_rows(n_); ++r) {
      for (size_t s = 0; s < q4k_supers(k_); ++s)
        q4k_store_super(data_, scales_as<uint8_t>(), k_, r, s, zeros, 0, 0, zeros);
    }
    return;
  }
  if (type_ == WeightType::kQ4) {
    // Padding rows of the last group: q = 0, d = m = 0.
    const uint8_t zeros[kQ4BlockBytes] = {};
    for (size_t r = n_; r < q4_grouped_rows(n_); ++r) {
      for (size_t b = 0; b < q4_blocks(k_); ++b)
        q4_store_block(data_, scales_as<float>(), k_, r, b, zeros, 0.0f, 0.0f);
    }
    return;
  }
  if (type_ == WeightType::kQ8 || type_ == WeightType::kQ8H) {
    // Padding rows of the last group: zero values, zero scales (+0.0 as f32 or f16: all bits 0).
    for (size_t r = n_; r < q8_grouped_rows(n_); ++r) {
      for (size_t b = 0; b < q8_blocks(k_); ++b) {
        const size_t at = q8_grouped_block(r, b, k_);
        std::memset(static_cast<int8_t*>(data_) + at * kQ8BlockSize, 0, kQ8BlockSize);
        if (type_ == WeightType::kQ8) {
          scales_as<float>()[at] = 0.0f;
        } else {
          scales_as<uint16_t>()[at] = 0;
        }
      }
    }
    return;
  }
  // Padding columns of the last panel.
  const size_t last = panels(n_) - 1;
  const PanelLocation at = gemm_panel_location(last, n_, k_);
  for (size_t c = 0; c < k_; ++c) {
    for (size_t j = n_ - last * nr; j < nr; ++j) store_panel_value(at.offset + c * at.row_stride + j, 0.0f);
  }
}

Status pack_weights(const void* src, SourceType src_type, SourceLayout layout, size_t n, size_t k,
                    WeightType type, void* data, void* scales, ThreadPool* pool) {
  WeightPacker packer(src_type, layout, n, k, type, data, scales);
  QKV_RETURN_IF_ERROR(packer.check());
  if (src == nullptr) return Status::invalid_argument("pack_weights: null buffer");
  // Everything at once, or granule by granule where the packer needs that.
  const size_t rows = packer.source_rows(), step = packer.row_granule() == 1 ? rows : packer.row_granule();
  for (size_t r = 0; r < rows; r += step) {
    QKV_RETURN_IF_ERROR(packer.add_rows(static_cast<const uint8_t*>(src) + r * packer.row_bytes(), r,
                                        std::min(step, rows - r), pool));
  }
  packer.finish();
  return Status::ok_status();
}

}  // namespace qkv
