// The packed weight layouts, defined once: where each weight of a packed
// matrix lives and how many bytes the matrix takes. The packer
// (gemm/pack.cc), the GEMM/GEMV microkernels, the row gather and the loader's
// memory plan all read them from here.
//
// A Hub weight matrix W has N outputs by K inputs. Four weight types:
//   f32  panels: NR = gemm_nr() output columns by K, zero-padded columns,
//                stored in groups of kGemmPanelGroup panels interleaved row
//                by row: [group][K][panels in the group × NR] floats
//   f16  panels: the same layout with IEEE binary16 values
//   q8   row groups: q8 blocks (src/kernels/common/q8.h) of kQ8RowGroup rows
//                interleaved block by block (see q8_grouped_block below)
//   q8h  row groups: q8's, with f16 block scales (GGUF's Q8_0 at its size)
//   q4   row groups: q4 blocks (src/kernels/common/q4.h) of kQ4RowGroup rows
//                interleaved block by block, as q8 (see q4_grouped_block)
//   q8k  row groups: super-blocks of 256 (src/kernels/common/q8k.h) of
//                kQ8KRowGroup rows, values, sub-scales and mins together
//   q6k  row groups: q8k's, with 6-bit values and no mins
//                (src/kernels/common/q6k.h)
//   q4k  row groups: q4's nibbles, with Q4_K's f16 and 6-bit scales per
//                super-block of 256 instead of q4's f32 d and m per block
//                (src/kernels/common/q4k.h)
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

#include <cstring>

#include "kernels/common/q4.h"
#include "kernels/common/q6k.h"
#include "kernels/common/q8.h"
#include "kernels/common/q8k.h"

namespace qkv {

// kQ8H: q8's values and layout with an f16 scale per block (common/q8.h),
// GGUF's Q8_0 blocks exactly at Q8_0's size (and Q5_0's, Q4_0's values).
// kQ8K: 8-bit values with ggml's K-quant scales (kernels/common/q8k.h),
// GGUF's Q5_K blocks exactly; kQ6K: 6-bit values with Q6_K's sub-scales
// (kernels/common/q6k.h), GGUF's Q6_K blocks exactly at Q6_K's size; kQ4K:
// q4's nibbles with Q4_K's scales (kernels/common/q4k.h), GGUF's Q4_K blocks
// exactly at Q4_K's size. All three: K a multiple of 256.
enum class WeightType { kF32, kF16, kQ8, kQ4, kQ8K, kQ6K, kQ4K, kQ8H };
const char* weight_type_name(WeightType type);

// Columns per f32/f16 panel: two SIMD vectors (8 in wasm, 32 with AVX-512).
size_t gemm_nr();
// Upper bound of gemm_nr() on every target (two AVX-512 vectors).
constexpr size_t kGemmMaxNr = 32;

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
// its values are data[index * kQ8BlockSize ...], its scale scales[index]
// (a float for q8, f16 bits for q8h).
constexpr size_t q8_grouped_block(size_t r, size_t b, size_t k) {
  return (r / kQ8RowGroup * q8_blocks(k) + b) * kQ8RowGroup + r % kQ8RowGroup;
}

// q4 GEMM/GEMV weights: rows in groups of kQ4RowGroup, as q8. Within a
// group, block b of its 4 rows is stored together: 4 × 16 nibble bytes in
// `data`, and 8 floats in `scales`: the 4 rows' d, then their 4 m. One
// 64-byte load run and one 32-byte scale run per block serve the 4 rows, and
// a group is one sequential stream in each array. N is padded with zero rows
// (q = 0, d = m = 0) to whole groups.
constexpr size_t kQ4RowGroup = 4;
constexpr size_t q4_grouped_rows(size_t n) { return (n + kQ4RowGroup - 1) / kQ4RowGroup * kQ4RowGroup; }
// Where block b of row r lives, counted in blocks from the matrix start: its
// nibbles are data[index * kQ4BlockBytes ...].
constexpr size_t q4_grouped_block(size_t r, size_t b, size_t k) {
  return (r / kQ4RowGroup * q4_blocks(k) + b) * kQ4RowGroup + r % kQ4RowGroup;
}
// Index in `scales` of block b of row r's d; its m is kQ4RowGroup floats later.
constexpr size_t q4_grouped_d(size_t r, size_t b, size_t k) {
  return (r / kQ4RowGroup * q4_blocks(k) + b) * 2 * kQ4RowGroup + r % kQ4RowGroup;
}
// Writes block b of row r (16 nibble bytes in q4 order, its d and m) into a
// packed q4 matrix with k inputs: what the packer does for quantized f32
// rows, and what a repacker of GGUF 4-bit blocks calls.
inline void q4_store_block(void* data, float* scales, size_t k, size_t r, size_t b, const uint8_t* nibbles,
                           float d, float m) {
  std::memcpy(static_cast<uint8_t*>(data) + q4_grouped_block(r, b, k) * kQ4BlockBytes, nibbles,
              kQ4BlockBytes);
  const size_t at = q4_grouped_d(r, b, k);
  scales[at] = d;
  scales[at + kQ4RowGroup] = m;
}

// Bytes of one packed matrix: `data` (panels, or q8/q4 values) and `scales`
// (q8, q8h, q4, q8k, q6k and q4k only; q8h's are f16, q4k's bytes, common/q4k.h). In 64-bit arithmetic,
// because size_t is 32 bits in wasm and the loader adds these up to refuse a model that would not fit before
// it allocates anything.
struct PackedSize {
  uint64_t data = 0;
  uint64_t scales = 0;
  uint64_t total() const { return data + scales; }
};
PackedSize packed_size(WeightType type, uint64_t n, uint64_t k);

// The same sizes as size_t, for allocating a matrix that is known to fit.
inline size_t packed_weights_bytes(WeightType type, size_t n, size_t k) {
  return static_cast<size_t>(packed_size(type, n, k).data);
}
inline size_t packed_scales_bytes(WeightType type, size_t n, size_t k) {
  return static_cast<size_t>(packed_size(type, n, k).scales);
}

}  // namespace qkv
