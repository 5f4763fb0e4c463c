// ggml's tensor types, as GGUF files store them: the type ids, the block
// layouts byte for byte as ggml declares them (block_q4_0, block_q4_K, ...),
// and the per-type traits (name, values and bytes per block) that ggml's
// type_traits table gives. Only the types qkv reads:
// F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K. The structs
// hold only bytes (an f16 field is a Half: two bytes of IEEE binary16), so
// they have alignment 1 and may be read in place at any address: blocks of
// 18, 22 or 34 bytes leave the next block unaligned whatever the tensor's
// offset. Multi-byte fields are little-endian, as GGUF stores them.
//
// How each type maps to qkv's own weight layouts (exactly or not) is in
// docs/GGML_QUANTS.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "io/gguf_types.h"

namespace qkv {
namespace ggml {

// ggml_type ids: the file format's list, in io/gguf_types.h (qkv reads the
// types above).
using Type = GgmlType;

constexpr int kQK4_0 = 32;
constexpr int kQK4_1 = 32;
constexpr int kQK5_0 = 32;
constexpr int kQK5_1 = 32;
constexpr int kQK8_0 = 32;
constexpr int kQK_K = 256;       // super-block of the K-quants
constexpr int kKScaleSize = 12;  // packed 6-bit scales and mins of Q4_K / Q5_K

// ggml_half: IEEE binary16 bits. Kept as two bytes, not uint16_t, so no
// block has an alignment above 1 (ggml's own structs have alignment 2; their
// sizes have no padding either way, which the asserts below check).
struct Half {
  uint8_t bytes[2];
  uint16_t bits() const { return static_cast<uint16_t>(bytes[0] | bytes[1] << 8); }
};

// value = d * (q - 8), q the nibbles; value j in the low nibble of qs[j],
// value j + 16 in the high nibble.
struct BlockQ4_0 {
  Half d;
  uint8_t qs[kQK4_0 / 2];
};
// value = d * q + m, nibbles as Q4_0.
struct BlockQ4_1 {
  Half d;
  Half m;
  uint8_t qs[kQK4_1 / 2];
};
// value = d * (q - 16), q 5 bits: low 4 as Q4_0, bit 4 of value j is bit j of
// the little-endian uint32 qh.
struct BlockQ5_0 {
  Half d;
  uint8_t qh[4];
  uint8_t qs[kQK5_0 / 2];
};
// value = d * q + m, q as Q5_0.
struct BlockQ5_1 {
  Half d;
  Half m;
  uint8_t qh[4];
  uint8_t qs[kQK5_1 / 2];
};
// value = d * q, q int8 (any of [-128, 127]).
struct BlockQ8_0 {
  Half d;
  int8_t qs[kQK8_0];
};
// 8 sub-blocks of 32: value = d * sc[j] * q - dmin * m[j], sc and m 6 bits
// packed in scales (get_scale_min_k4), q nibbles: each 32 bytes of qs hold
// sub-block 2i in the low nibbles and 2i + 1 in the high ones.
struct BlockQ4_K {
  Half d;
  Half dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qs[kQK_K / 2];
};
// As Q4_K with q 5 bits: bit 4 of value l of sub-block j is bit j of qh[l].
struct BlockQ5_K {
  Half d;
  Half dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
// 16 sub-blocks of 16: value = d * scales[j] * (q - 32), q 6 bits (low 4 in
// ql, high 2 in qh), scales int8.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  Half d;
};

static_assert(sizeof(Half) == 2 && alignof(Half) == 1, "ggml_half is 2 bytes");
static_assert(sizeof(BlockQ4_0) == 2 + kQK4_0 / 2, "block_q4_0 is 18 bytes");
static_assert(sizeof(BlockQ4_1) == 2 * 2 + kQK4_1 / 2, "block_q4_1 is 20 bytes");
static_assert(sizeof(BlockQ5_0) == 2 + 4 + kQK5_0 / 2, "block_q5_0 is 22 bytes");
static_assert(sizeof(BlockQ5_1) == 2 * 2 + 4 + kQK5_1 / 2, "block_q5_1 is 24 bytes");
static_assert(sizeof(BlockQ8_0) == 2 + kQK8_0, "block_q8_0 is 34 bytes");
static_assert(sizeof(BlockQ4_K) == 2 * 2 + kKScaleSize + kQK_K / 2, "block_q4_K is 144 bytes");
static_assert(sizeof(BlockQ5_K) == 2 * 2 + kKScaleSize + kQK_K / 2 + kQK_K / 8, "block_q5_K is 176 bytes");
static_assert(sizeof(BlockQ6_K) == 2 + kQK_K / 16 + 3 * kQK_K / 4, "block_q6_K is 210 bytes");

// ggml's type_traits for one type: ggml_type_name, ggml_blck_size,
// ggml_type_size.
struct TypeTraits {
  Type type;
  const char* name;       // as ggml names it: "f32", "q4_0", "q4_K", ...
  uint32_t block_values;  // values per block (1 for the float types)
  uint32_t block_bytes;   // bytes per block
};

// The traits of a ggml type id, or nullptr when qkv does not read that type
// (an unknown id, or a ggml type outside the list above).
const TypeTraits* type_traits(uint32_t id);

// Bytes of a row of n values of a type (ggml_row_size), in 64 bits. False when
// n is not a whole number of blocks (ggml requires it of every row) or the
// size overflows.
bool row_bytes(const TypeTraits& traits, uint64_t n, uint64_t* bytes);

}  // namespace ggml
}  // namespace qkv
