// q8k: 8-bit values with ggml's K-quant scales, the exact home of GGUF's Q5_K
// and Q6_K blocks (docs/GGML_QUANTS.md). A row of K values (K a multiple of
// 256) is cut into super-blocks of 256; each holds
//   256 int8 values q in [-32, 31],
//   16 int8 sub-scales sc_j (one per 16 values),
//   8 int8 mins mn_b (one per 32 values),
//   an f32 scale d and an f32 min scale dmin,
// and value i (sub-block j = i / 16, block b = i / 32) is
//   float(float(d * sc_j) * q) - float(dmin * mn_b)
// three roundings, never fused. ggml defines its values with the same
// operations:
//   Q5_K: q in [0, 31], sc_2b = sc_2b+1 = the 6-bit scale of sub-block b of 32,
//         mn_b its 6-bit min, d and dmin the f16 d and dmin
//   Q6_K: q = ggml's q - 32 in [-32, 31], sc_j its int8 scales, d its f16 d,
//         mn = 0 and dmin = 0 (so the min term is +0: x - (+0) == x bit for bit)
// and every product is exact in f32 (an 11-bit f16 times an 8-bit scale times
// a 6-bit value is at most 24 bits), so both give ggml's bits.
//
// Cost: 1 + 1/16 + 1/32 + 8/256 = 1.125 bytes per weight (q8's own), against
// 1.25 for an f32 scale per 16 (Q6_K) or per 32 with an f32 offset (Q5_K).
//
// Weight matrices group rows by kQ8KRowGroup = 4, as q8 does, and store each
// super-block of a group's 4 rows together (kQ8KGroupBytes of `data`, then
// the next super-block), so a GEMV pass over a group reads one stream:
//   q:   8 blocks of 32 values, each 4 rows × 32 bytes u = q + 32 in
//        [0, 63] (q must lie in [-32, 31], as ggml's do; for Q6_K, u is
//        ggml's own 6-bit value) in the order kQ8KOrder gives   (1024 bytes)
//   sc:  8 blocks, each the 4 rows' pair of int8 sub-scales
//        (row 0 lo, row 0 hi, row 1 lo, ...)                    (64 bytes)
//   mn:  8 blocks, each the 4 rows' int8 mins                   (32 bytes)
// and, in `scales`, 8 floats per super-block of a group: the 4 rows' d, then
// their 4 dmin. N is padded with zero rows (q = 0, everything else 0) to
// whole groups.
//
// Why u and the order: the kernels multiply 4 consecutive bytes of a block
// at a time (relaxed SIMD: i32x4.relaxed_dot_i8x16_i7x16_add, whose second
// operand must be 7-bit, hence u; SIMD128: i16x8.extmul of the two 8-byte
// halves of a 16-byte load, added). The order puts 4 values of the low
// sub-block, then 4 of the high one, and so on:
//   position p holds value kQ8KOrder(p) = 16 * (p / 4 % 2) + 4 * (p / 8) + p % 4
// so that every 32-bit lane of a relaxed dot product, and every 16-bit lane
// of a SIMD128 extmul sum, lies in one sub-block and is weighted by its
// sub-scale in integer arithmetic, with no per-sub-block reduction. The
// activations are put in the same order (q8k_order_x) and the offset comes
// back out exactly: sum sc u x = sum sc q x + 32 sum sc x over each
// sub-block, with the per-sub-block sums of x computed once per x.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

constexpr size_t kQ8KSuperBlock = 256;
constexpr size_t kQ8KSubBlock = 16;  // values per sub-scale
constexpr size_t kQ8KBlock = 32;     // values per min (and per activation block)
constexpr size_t kQ8KRowGroup = 4;

constexpr size_t kQ8KGroupQBytes = kQ8KRowGroup * kQ8KSuperBlock;
constexpr size_t kQ8KGroupScOffset = kQ8KGroupQBytes;
constexpr size_t kQ8KGroupMnOffset = kQ8KGroupScOffset + kQ8KRowGroup * (kQ8KSuperBlock / kQ8KSubBlock);
constexpr size_t kQ8KGroupBytes = kQ8KGroupMnOffset + kQ8KRowGroup * (kQ8KSuperBlock / kQ8KBlock);
constexpr size_t kQ8KGroupFloats = 2 * kQ8KRowGroup;

constexpr int kQ8KOffset = 32;                         // u = q + kQ8KOffset, q in [-32, 31]
constexpr size_t kQ8KGroupScBlock = 2 * kQ8KRowGroup;  // sub-scale bytes per block of a group

// The value (offset in its block of 32) stored at position p of a block.
constexpr size_t kQ8KOrder(size_t p) { return 16 * (p / 4 % 2) + 4 * (p / 8) + p % 4; }

constexpr size_t q8k_supers(size_t k) { return k / kQ8KSuperBlock; }
constexpr size_t q8k_grouped_rows(size_t n) { return (n + kQ8KRowGroup - 1) / kQ8KRowGroup * kQ8KRowGroup; }
// Index of super-block s of row r's group, counted in group super-blocks
// from the matrix start: its bytes are data[index * kQ8KGroupBytes ...],
// its floats scales[index * kQ8KGroupFloats ...].
constexpr size_t q8k_group_super(size_t r, size_t s, size_t k) {
  return r / kQ8KRowGroup * q8k_supers(k) + s;
}

// One row's super-block in its plain form (what ggml's blocks convert to:
// kernels/ggml/to_q8k.h), and its place in a packed matrix.
struct Q8KSuper {
  int8_t q[kQ8KSuperBlock];
  int8_t sc[kQ8KSuperBlock / kQ8KSubBlock];
  int8_t mn[kQ8KSuperBlock / kQ8KBlock];
  float d, dmin;
};

// q within [-32, 31] (the layout's precondition; ggml's blocks always are).
inline bool q8k_super_in_range(const Q8KSuper& v) {
  for (int8_t q : v.q) {
    if (q < -kQ8KOffset || q >= kQ8KOffset) return false;
  }
  return true;
}

inline void q8k_store_super(void* data, float* scales, size_t k, size_t r, size_t s, const Q8KSuper& v) {
  const size_t at = q8k_group_super(r, s, k), row = r % kQ8KRowGroup;
  int8_t* g = static_cast<int8_t*>(data) + at * kQ8KGroupBytes;
  for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
    int8_t* u = g + (b * kQ8KRowGroup + row) * kQ8KBlock;
    for (size_t p = 0; p < kQ8KBlock; ++p)
      u[p] = static_cast<int8_t>(v.q[b * kQ8KBlock + kQ8KOrder(p)] + kQ8KOffset);
    g[kQ8KGroupMnOffset + b * kQ8KRowGroup + row] = v.mn[b];
    for (size_t half = 0; half < 2; ++half)
      g[kQ8KGroupScOffset + b * kQ8KGroupScBlock + 2 * row + half] = v.sc[2 * b + half];
  }
  scales[at * kQ8KGroupFloats + row] = v.d;
  scales[at * kQ8KGroupFloats + kQ8KRowGroup + row] = v.dmin;
}

// Value c of row r of a packed matrix, as defined above.
inline float q8k_value(const void* data, const float* scales, size_t k, size_t r, size_t c) {
  const size_t at = q8k_group_super(r, c / kQ8KSuperBlock, k), row = r % kQ8KRowGroup;
  const size_t i = c % kQ8KSuperBlock, b = i / kQ8KBlock;
  const int8_t* g = static_cast<const int8_t*>(data) + at * kQ8KGroupBytes;
  const float d = scales[at * kQ8KGroupFloats + row],
              dmin = scales[at * kQ8KGroupFloats + kQ8KRowGroup + row];
  const float dq =
      d * static_cast<float>(
              g[kQ8KGroupScOffset + b * kQ8KGroupScBlock + 2 * row + i % kQ8KBlock / kQ8KSubBlock]);
  const float m = dmin * static_cast<float>(g[kQ8KGroupMnOffset + b * kQ8KRowGroup + row]);
  size_t p = 0;
  while (kQ8KOrder(p) != i % kQ8KBlock) ++p;
  const int q = g[(b * kQ8KRowGroup + row) * kQ8KBlock + p] - kQ8KOffset;
  const float v = dq * static_cast<float>(q);
  return v - m;
}

}  // namespace qkv
