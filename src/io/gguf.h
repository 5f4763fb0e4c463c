// The GGUF container (versions 2 and 3; llama.cpp's model format), header
// only: magic, version, counts, the metadata key/value pairs and the tensor
// infos. The tensor data is never read here: the loader streams it.
//
// Layout (little-endian): "GGUF", u32 version, u64 tensor_count, u64
// metadata_kv_count, the pairs (string key, u32 value type, value), the
// tensor infos (string name, u32 n_dims, u64 dims[n_dims] innermost first,
// u32 ggml type, u64 offset relative to the data section), then padding to
// general.alignment (u32, default 32) and the data section. A string is a u64
// byte length and the bytes (no NUL); a bool one byte, 0 or 1; an array a u32
// element type, a u64 count and the elements.
//
// Nothing is trusted. Every length and count is checked against the file size
// before it is used, nothing is allocated from a count, and a parse does work
// linear in the bytes it reads. What is checked beyond the byte layout:
// versions 2 and 3 only (1 and big-endian files are refused by name); keys
// non-empty, at most 65535 bytes (the spec), unique; value types known; bools
// 0 or 1; arrays nested at most kGgufMaxArrayDepth deep; general.alignment a
// u32, a non-zero power of two; tensor names non-empty, shorter than 64 bytes
// (ggml's GGML_MAX_NAME), unique; 0-4 dims, each > 0, their product (and the
// byte size) within 63 bits; a known ggml type (ggml_type_info); dims[0] a
// multiple of the type's block size; offsets multiples of the alignment; every
// tensor inside the file and no two overlapping. Strings are not checked for
// UTF-8 (tokenizer vocabularies in the wild hold raw bytes); callers that
// need text check it.
//
// Streaming. The header is parsed from a prefix of the file whose full size
// is known. When the prefix ends before the header does, the parse returns ok
// with *need_bytes = N: read at least N bytes from the start of the file and
// call again (N never exceeds the file size; a header that would run past the
// end of the file is a format error naming the file size). The JS reader
// (web/src/weights/gguf-header.ts) reads 1 MiB, then grows the prefix to at
// least what is asked and at least double, so a header costs O(log) parses.
//
// Memory. Keys, string values and arrays are not copied: the header keeps
// views into the prefix buffer (which must outlive it and not move) and file
// offsets, so a 262k-string vocabulary costs nothing until a caller walks
// it. Besides the prefix, a parse allocates one GgufKV per key and one
// GgufTensorInfo per tensor (both counts capped below), plus two index arrays
// for the uniqueness checks: at most ~20 MB at the caps (~5 MB of pairs, ~13
// MB of tensor infos), kilobytes for real files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/gguf_types.h"
#include "io/tensor_entry.h"

namespace qkv {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint64_t kGgufDefaultAlignment = 32;
// Longest header (everything before the data section) qkv reads. Real files'
// headers are a few MB (a 262k-token vocabulary with scores is ~6 MB).
constexpr uint64_t kGgufMaxHeaderBytes = uint64_t{64} << 20;
// Real files have tens of keys and at most a few thousand tensors.
constexpr uint64_t kGgufMaxKeys = 65536;
constexpr uint64_t kGgufMaxTensors = 65536;
// Arrays of arrays of ... : an array at depth 1 may hold arrays (depth 2) and
// so on to this depth. llama.cpp itself reads no nested arrays at all.
constexpr uint32_t kGgufMaxArrayDepth = 4;
constexpr uint32_t kGgufMaxDims = 4;        // GGML_MAX_DIMS
constexpr size_t kGgufMaxTensorName = 63;   // GGML_MAX_NAME - 1 (its NUL)
constexpr size_t kGgufMaxKeyBytes = 65535;  // the spec's limit

// One metadata value. Scalars are decoded (bits); strings and arrays are
// views into the prefix buffer plus their file offset (for readers such as
// the JS side that hold the same bytes).
struct GgufValue {
  GgufType type = GgufType::kU8;
  GgufType elem_type = GgufType::kU8;  // arrays: the element type
  uint64_t count = 0;                  // arrays: elements; strings: bytes
  uint64_t offset = 0;                 // file offset of the payload (string bytes, first element)
  uint64_t bytes = 0;                  // payload bytes (for arrays: all elements, as stored)
  uint64_t bits = 0;                   // scalars: the value's bytes, zero-extended (f32/f64 bit patterns)
  const uint8_t* data = nullptr;       // payload in the prefix buffer

  bool is_array() const { return type == GgufType::kArray; }
  std::string_view str() const { return {reinterpret_cast<const char*>(data), static_cast<size_t>(bytes)}; }
  // "u32", "str", "arr[i32,5]".
  std::string describe() const;
};

struct GgufKV {
  std::string_view key;  // into the prefix buffer
  GgufValue value;
};

// A string array (tokenizer.ggml.tokens, .merges): walked in order, O(1)
// memory. The strings were checked during the parse.
class GgufStringArray {
 public:
  GgufStringArray() = default;
  GgufStringArray(const uint8_t* data, uint64_t bytes, uint64_t count)
      : p_(data), end_(data + bytes), count_(count) {}
  uint64_t size() const { return count_; }
  // The next string; call size() times.
  std::string_view next();
  // All of them at once (16 bytes per string).
  std::vector<std::string_view> to_vector() const;

 private:
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t count_ = 0;
};

struct GgufTensorInfo {
  std::string name;
  uint32_t type = 0;  // ggml type id
  const GgmlTypeInfo* type_info = nullptr;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the row (innermost); 0-4 of them
  uint64_t elements = 0;       // product of dims (1 for none)
  uint64_t offset = 0;         // absolute byte offset in the file (data section + the info's offset)
  uint64_t nbytes = 0;         // elements / block_size * type_size
};

struct GgufHeader {
  uint32_t version = 0;
  uint64_t file_size = 0;
  uint64_t alignment = kGgufDefaultAlignment;
  uint64_t header_bytes = 0;     // end of the tensor infos
  uint64_t data_offset = 0;      // header_bytes rounded up to the alignment (header_bytes when no tensors)
  std::string file;              // as named to the parser, for messages
  std::vector<GgufKV> metadata;  // file order
  std::vector<GgufTensorInfo> tensors;  // file order (not necessarily by offset)

  // The pair with this key, or nullptr.
  const GgufKV* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The tensor with this name, or nullptr.
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Typed reads. A missing key is a format error naming it; a key of another
  // type is a format error naming the key and both types. Types must match
  // exactly, as llama.cpp's gguf_get_val_* and its model loader require (a
  // u32 hyper-parameter stored as u64 or i32 is refused there too).
  Status get_u8(std::string_view key, uint8_t* out) const;
  Status get_u16(std::string_view key, uint16_t* out) const;
  Status get_u32(std::string_view key, uint32_t* out) const;
  Status get_i32(std::string_view key, int32_t* out) const;
  Status get_u64(std::string_view key, uint64_t* out) const;
  Status get_f32(std::string_view key, float* out) const;
  Status get_bool(std::string_view key, bool* out) const;
  Status get_string(std::string_view key, std::string_view* out) const;
  // An array whose elements are of elem_type (any element type, including
  // kString and kArray: then use the helpers below on the value).
  Status get_array(std::string_view key, GgufType elem_type, const GgufValue** out) const;
  Status get_string_array(std::string_view key, GgufStringArray* out) const;
  // Per-layer integers: llama.cpp reads arrays of i32 (what its Python
  // writer emits for ints) into u32; u32 arrays are accepted too, negative
  // i32 elements are an error.
  Status get_u32_array(std::string_view key, std::vector<uint32_t>* out) const;
  Status get_f32_array(std::string_view key, std::vector<float>* out) const;

 private:
  friend class GgufParser;
  // Indexes sorted by key / name, for find() and the uniqueness checks.
  std::vector<uint32_t> key_order_;
  std::vector<uint32_t> tensor_order_;
  Status type_error(const GgufKV& kv, const char* expected) const;
  Status lookup(std::string_view key, GgufType type, const GgufKV** out) const;
};

// Parses the header from `prefix` (the first `size` bytes of a file of
// file_size bytes; size <= file_size). On success *need_bytes is 0 and *out
// holds the header (with views into prefix). When more of the file is needed,
// returns ok with *need_bytes > size (at most file_size). Errors name `file`.
Status parse_gguf_header(const uint8_t* prefix, size_t size, uint64_t file_size, std::string_view file,
                         GgufHeader* out, uint64_t* need_bytes);

// The elements of an array value, decoded one level (for arrays of arrays
// and for generic dumps such as `qkv inspect`). The array must come from a
// parsed header whose prefix is still alive.
std::vector<GgufValue> gguf_array_elements(const GgufValue& array);

// A tensor as the format-neutral entry the loader matches to slots: the
// shape outermost first (dims reversed), dtype one of the 11 types qkv reads
// (the ggml types of kernels/ggml/blocks.h) or kOther named
// by the ggml type name, [begin, end) its bytes in the file.
TensorEntry gguf_tensor_entry(const GgufTensorInfo& t);

}  // namespace qkv
