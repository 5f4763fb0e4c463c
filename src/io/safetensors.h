// The safetensors format (https://github.com/huggingface/safetensors): an
// 8-byte little-endian header length N, N bytes of JSON mapping tensor names
// to {dtype, shape, data_offsets}, then the tensor bytes. The reader never
// sees the data: the loader streams it. It validates everything the header
// claims against the file's real size before anything is allocated: known
// dtypes, shapes whose byte size fits and matches the offsets, and offsets
// that tile the data area exactly (no gaps, no overlaps, nothing past the
// end), as the reference implementation requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/tensor_entry.h"

namespace qkv {

// A safetensors tensor is a format-neutral entry (its offsets already absolute).
using SafetensorsTensor = TensorEntry;

struct SafetensorsHeader {
  uint64_t data_offset = 0;                                   // 8 + header length
  std::vector<SafetensorsTensor> tensors;                     // in file order (ascending offsets)
  std::vector<std::pair<std::string, std::string>> metadata;  // "__metadata__", string to string
};

// Bytes before the header text.
constexpr size_t kSafetensorsPrefixBytes = 8;
// The format's own limit on the header text.
constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

// Element size of a dtype name, or 0 when the name is not a safetensors dtype.
size_t safetensors_dtype_size(std::string_view dtype_name);

// Reads N from the first 8 bytes and checks that 8 + N fits in file_size.
Status safetensors_header_length(const uint8_t* prefix, uint64_t file_size, std::string_view file,
                                 uint64_t* header_length);

// Parses and validates the header text (the N bytes after the prefix) of a
// file of file_size bytes. `file` names it in messages.
Status parse_safetensors_header(std::string_view header, uint64_t file_size, std::string_view file,
                                SafetensorsHeader* out);

}  // namespace qkv
