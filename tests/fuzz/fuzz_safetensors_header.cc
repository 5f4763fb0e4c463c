// A safetensors file's first bytes: the 8-byte length prefix, then the JSON
// header. The file size is taken to be the input's size, or, when the input
// says so, larger (a header probe that has not downloaded the data yet).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The caller always hands over 8 prefix bytes (a file shorter than that is
  // rejected by its size alone), so a short input is zero-padded.
  uint8_t prefix[qkv::kSafetensorsPrefixBytes] = {};
  std::memcpy(prefix, data, std::min(size, sizeof(prefix)));
  for (uint64_t file_size : {uint64_t{size}, uint64_t{size} + 4096, uint64_t{1} << 40}) {
    uint64_t n = 0;
    if (!qkv::safetensors_header_length(prefix, file_size, "fuzz.safetensors", &n).ok()) continue;
    if (size < qkv::kSafetensorsPrefixBytes || n > size - qkv::kSafetensorsPrefixBytes)
      continue;  // not in the input
    const std::string_view header(reinterpret_cast<const char*>(data) + qkv::kSafetensorsPrefixBytes, n);
    qkv::SafetensorsHeader h;
    if (!qkv::parse_safetensors_header(header, file_size, "fuzz.safetensors", &h).ok()) continue;
    // What the loader relies on: ordered, tiling, inside the file, sizes right.
    uint64_t at = h.data_offset;
    for (const qkv::SafetensorsTensor& t : h.tensors) {
      if (t.begin != at || t.end < t.begin || t.end > file_size) __builtin_trap();
      const size_t esize = qkv::safetensors_dtype_size(t.dtype_name);
      if (esize == 0 || t.end - t.begin != t.elements * esize) __builtin_trap();
      at = t.end;
    }
    if (at != file_size) __builtin_trap();
  }
  // Also the whole input as header text, for mutations that do not keep a
  // consistent prefix.
  qkv::SafetensorsHeader h;
  (void)qkv::parse_safetensors_header(std::string_view(reinterpret_cast<const char*>(data), size), size + 8,
                                      "fuzz.safetensors", &h);
  return 0;
}
