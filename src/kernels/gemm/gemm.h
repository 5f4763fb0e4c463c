// Matrix products with weights: Y[M, N] = X[M, K] · Wᵀ + bias, where W is a
// Hub weight matrix stored once, at load time, in the layout the kernels want
// (PackedWeights; the layouts are defined in packed_layout.h). M = 1 is decode
// (GEMV, memory-bound); M > 1 is prefill (GEMM, compute-bound). The four
// weight types share one entry point; the microkernels live in the family
// folders (f32-gemm, f32-gemv, f16-gemv, q8-gemv, q8-gemm, q4-gemv, q4-gemm,
// f16-f32-panel).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/gemm/packed_layout.h"

namespace qkv {

class ThreadPool;

// Element type of a source tensor handed to pack_weights (a checkpoint's dtype).
enum class SourceType { kF32, kF16, kBF16 };

// How the source matrix is laid out: nn.Linear stores [N, K] (out, in); GPT-2's
// Conv1D stores [K, N].
enum class SourceLayout { kNK, kKN };

struct PackedWeights {
  WeightType type = WeightType::kF32;
  size_t n = 0;                // output features
  size_t k = 0;                // input features
  const void* data = nullptr;  // panels (f32/f16), q8 int8 or q4 nibble row groups
  // The quantized types' scales, whose element type depends on `type`:
  // floats for q8, q4, q8k and q6k, f16 bits (uint16_t) for q8h, bytes for
  // q4k (common/q4k.h). Read them through scales_as<T>(), which says which.
  const void* scales = nullptr;
  template <class T>
  const T* scales_as() const {
    return static_cast<const T*>(scales);
  }
};

// Converts and repacks one weight matrix. `data`/`scales` must hold
// packed_weights_bytes / packed_scales_bytes bytes (packed_layout.h; scales'
// element type is the weight type's, as PackedWeights::scales); `src`
// is n*k elements of `src_type` in `layout`. f16 targets reject values that
// overflow binary16 (they would silently become inf).
Status pack_weights(const void* src, SourceType src_type, SourceLayout layout, size_t n, size_t k,
                    WeightType type, void* data, void* scales, ThreadPool* pool);

// pack_weights for a source that arrives a few rows at a time, so a loader
// never holds the whole source tensor. A source row is output feature r of
// an [N, K] (kNK) matrix, or input feature r of a [K, N] (kKN) one. Rows go
// in as whole granules (row_granule() rows, the last granule possibly
// shorter), in any order; finish() writes the padding once all are in.
class WeightPacker {
 public:
  WeightPacker(SourceType src_type, SourceLayout layout, size_t n, size_t k, WeightType type, void* data,
               void* scales);
  // The arguments describe a non-empty matrix and its buffers.
  Status check() const;
  size_t source_rows() const;
  size_t row_bytes() const;
  // 32 for q8 and q4 from [K, N] (a block spans 32 input features), else 1.
  size_t row_granule() const;
  // Packs source rows [row0, row0 + rows), stored contiguously at src.
  Status add_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  // q8 from [N, K] only: row r already quantized (q8_padded(k) values and
  // q8_blocks(k) scales, e.g. a ggml Q8_0 row repacked exactly), stored as is.
  Status add_q8_row(size_t r, const int8_t* q, const float* scales);
  // q8h from [N, K] only: row r's q8_padded(k) values and q8_blocks(k) f16
  // scales (bits), e.g. a ggml Q8_0 row repacked exactly, stored as is.
  Status add_q8h_row(size_t r, const int8_t* q, const uint16_t* scales);
  // q8k (from [N, K] only, the only form it has): row r as its k / 256
  // super-blocks (common/q8k.h; kernels/ggml/to_q8k.h writes them).
  Status add_q8k_row(size_t r, const Q8KSuper* supers);
  // q6k (from [N, K] only): row r as q8k super-blocks without mins (mn and
  // dmin 0, as kernels/ggml/to_q8k.h writes Q6_K's), stored in q6k's layout.
  Status add_q6k_row(size_t r, const Q8KSuper* supers);
  // q4k (from [N, K] only): row r as its k / 256 Q4_K super-blocks: 16
  // nibble bytes per block of 32 in q4's order (common/q4.h), and per
  // super-block f16 d and dmin (bits) and ggml's 12 packed scale bytes
  // (kernels/ggml/to_q4.h writes them).
  Status add_q4k_row(size_t r, const uint8_t* nibbles, const uint16_t* d, const uint16_t* dmin,
                     const uint8_t* scales12);
  // q4 from [N, K] only: row r already in q4 fields (q4_blocks(k) blocks of
  // nibbles, d and m, e.g. a ggml Q4_K row repacked exactly), stored as is.
  Status add_q4_row(size_t r, const uint8_t* nibbles, const float* d, const float* m);
  void finish();

 private:
  void add_panel_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void add_panel_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void add_q8_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void add_q8_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void store_panel_value(size_t offset, float v);
  void store_q8_block(size_t r, size_t b, const int8_t* q, float scale);
  template <class T>
  T* scales_as() {
    return static_cast<T*>(scales_);
  }
  void add_q4_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void add_q4_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool);

  SourceType src_type_;
  SourceLayout layout_;
  size_t n_, k_;
  WeightType type_;
  void* data_;
  void* scales_;  // typed per type_, as PackedWeights::scales
};

// Y = X · Wᵀ + bias for M rows. x rows are `x_stride` floats apart and y rows
// `y_stride` apart; bias may be null. Runs on the pool's threads (may be null).
Status gemm(ThreadPool* pool, size_t m, const float* x, size_t x_stride, const PackedWeights& w,
            const float* bias, float* y, size_t y_stride);

}  // namespace qkv

namespace qkv {

// out[i, :] = row ids[i] of W (the K inputs of output feature ids[i]), as
// f32: an embedding lookup in a weight matrix that also serves as the tied
// output projection, so the table is stored once. Ids outside [0, N) are an
// invalid_argument naming the id and its position.
Status packed_weights_gather_rows(const PackedWeights& w, const int32_t* ids, size_t n_ids, float* out);

}  // namespace qkv
