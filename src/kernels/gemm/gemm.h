// Matrix products with weights: Y[M, N] = X[M, K] · Wᵀ + bias, where W is a
// Hub weight matrix stored once, at load time, in the layout the kernels want
// (PackedWeights). M = 1 is decode (GEMV, memory-bound); M > 1 is prefill
// (GEMM, compute-bound). Three weight types share one entry point:
//   f32  panels: NR = gemm_nr() output columns by K, zero-padded columns,
//                stored in groups of kGemmPanelGroup panels interleaved row
//                by row: [group][K][panels in the group × NR] floats
//   f16  panels: the same layout with IEEE binary16 values
//   q8   row groups: q8 blocks (src/kernels/common/q8.h) of kQ8RowGroup rows
//                interleaved block by block (see q8_grouped_block below)
// Panels let the GEMM microkernel broadcast one X value against NR weights
// and let the GEMV stream each weight exactly once. The GEMV reads a whole
// group per pass, and the interleaving makes that pass one sequential stream:
// with four separate panel streams the DRAM-bound 768×50257 LM-head GEMV ran
// at 0.75× of XNNPACK's wasm speed. q8 multiplies int8 weights by
// int8-quantized X along K, so it keeps K contiguous; grouping 4 rows lets
// one load of X serve 4 rows while the GEMV still reads one stream (1.3× the
// row-by-row kernel in wasm, in cache and from DRAM alike).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/common/q8.h"

namespace qkv {

class ThreadPool;

enum class WeightType { kF32, kF16, kQ8 };
const char* weight_type_name(WeightType type);

// Element type of a source tensor handed to pack_weights (a checkpoint's dtype).
enum class SourceType { kF32, kF16, kBF16 };

// How the source matrix is laid out: nn.Linear stores [N, K] (out, in); GPT-2's
// Conv1D stores [K, N].
enum class SourceLayout { kNK, kKN };

// Columns per f32/f16 panel: two SIMD vectors (8 in wasm, 32 with AVX-512).
size_t gemm_nr();

// Panels per interleaved group (the GEMV's width of one pass).
constexpr size_t kGemmPanelGroup = 4;

// Where panel p of a packed f32/f16 matrix with n outputs and k inputs
// lives, in elements: row i of the panel starts at offset + i * row_stride.
struct PanelLocation {
  size_t offset = 0;
  size_t row_stride = 0;  // NR × the panels in p's group (the last group may be narrower)
};
PanelLocation gemm_panel_location(size_t p, size_t n, size_t k);

// q8 GEMM/GEMV weights: rows in groups of kQ8RowGroup; within a group, block
// b of its rows is stored together (kQ8RowGroup × 32 int8, then the next
// block), and so are their scales. N is padded with zero rows to whole groups.
constexpr size_t kQ8RowGroup = 4;
constexpr size_t q8_grouped_rows(size_t n) { return (n + kQ8RowGroup - 1) / kQ8RowGroup * kQ8RowGroup; }
// Where block b of row r lives, counted in blocks from the matrix start:
// its values are data[index * kQ8BlockSize ...], its scale scales[index].
constexpr size_t q8_grouped_block(size_t r, size_t b, size_t k) {
  return (r / kQ8RowGroup * q8_blocks(k) + b) * kQ8RowGroup + r % kQ8RowGroup;
}

struct PackedWeights {
  WeightType type = WeightType::kF32;
  size_t n = 0;                   // output features
  size_t k = 0;                   // input features
  const void* data = nullptr;     // panels (f32/f16) or q8 int8 row groups
  const float* scales = nullptr;  // q8 only
};

// Bytes of the buffers pack_weights fills: `data` and (q8) `scales`.
size_t packed_weights_bytes(WeightType type, size_t n, size_t k);
size_t packed_scales_bytes(WeightType type, size_t n, size_t k);

// Converts and repacks one weight matrix. `data`/`scales` must hold the sizes
// above; `src` is n*k elements of `src_type` in `layout`. f16 targets reject
// values that overflow binary16 (they would silently become inf).
Status pack_weights(const void* src, SourceType src_type, SourceLayout layout, size_t n, size_t k,
                    WeightType type, void* data, float* scales, ThreadPool* pool);

// pack_weights for a source that arrives a few rows at a time, so a loader
// never holds the whole source tensor. A source row is output feature r of
// an [N, K] (kNK) matrix, or input feature r of a [K, N] (kKN) one. Rows go
// in as whole granules (row_granule() rows, the last granule possibly
// shorter), in any order; finish() writes the padding once all are in.
class WeightPacker {
 public:
  WeightPacker(SourceType src_type, SourceLayout layout, size_t n, size_t k, WeightType type, void* data,
               float* scales);
  // The arguments describe a non-empty matrix and its buffers.
  Status check() const;
  size_t source_rows() const;
  size_t row_bytes() const;
  // 32 for q8 from [K, N] (a q8 block spans 32 input features), else 1.
  size_t row_granule() const;
  // Packs source rows [row0, row0 + rows), stored contiguously at src.
  Status add_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void finish();

 private:
  void add_panel_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void add_panel_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void add_q8_rows(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void add_q8_columns(const void* src, size_t row0, size_t rows, ThreadPool* pool);
  void store_panel_value(size_t offset, float v);
  void store_q8_block(size_t r, size_t b, const int8_t* q, float scale);

  SourceType src_type_;
  SourceLayout layout_;
  size_t n_, k_;
  WeightType type_;
  void* data_;
  float* scales_;
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
