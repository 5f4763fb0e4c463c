// The two type tables of the GGUF format: the 13 metadata value types, and
// the ggml tensor types with their block geometry (elements per block, bytes
// per block), as ggml defines them (ggml.h `enum ggml_type` and the
// `type_traits` table in ggml.c).
#pragma once

#include <cstddef>
#include <cstdint>

#include "io/tensor_entry.h"

namespace qkv {

// Metadata value types (`gguf_type`); the numbering is the file format's.
enum class GgufType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};
constexpr uint32_t kGgufTypeCount = 13;

// "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64",
// "i64", "f64" (llama.cpp's names, so messages read like its own), or
// "an unknown type" for a number outside the table.
const char* gguf_type_name(GgufType type);

// Bytes of one scalar value of the type; 0 for kString and kArray (and for
// numbers outside the table).
size_t gguf_type_size(GgufType type);

// ggml tensor types that a GGUF file may hold (`enum ggml_type`). Ids 4, 5
// (Q4_2, Q4_3), 31-33 (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) and 36-38 (IQ4_NL_4_4,
// ...) were removed from ggml; llama.cpp refuses them in files, and so do we.
enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
  kNVFP4 = 40,
  kQ1_0 = 41,
};

struct GgmlTypeInfo {
  uint32_t id;
  const char* name;     // ggml's name, upper case: "Q4_K", "BF16"
  uint32_t block_size;  // elements per block (1 for the plain types)
  uint32_t type_size;   // bytes per block
};

// The table entry of a type id, or nullptr when the id is not a ggml type a
// file may hold (unknown, or removed from ggml).
const GgmlTypeInfo* ggml_type_info(uint32_t id);

// The name a removed id had ("Q4_0_4_4"), for messages; nullptr otherwise.
const char* ggml_removed_type_name(uint32_t id);

// The ggml types qkv reads (their blocks: kernels/ggml/blocks.h) as
// TensorDType values, and back: kOther for any other ggml type; kF32 for
// kOther, which no ggml type becomes.
TensorDType tensor_dtype_of(GgmlType type);
GgmlType ggml_type_of(TensorDType dtype);

}  // namespace qkv
