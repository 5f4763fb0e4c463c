// Byte-level GGUF building blocks for the hostile-file tests: every field is
// written explicitly, so a test can lie in exactly one of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/gguf.h"

namespace qkv {
namespace testing_gguf {

struct Bytes {
  std::vector<uint8_t> b;

  Bytes& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Bytes& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Bytes& u32(uint32_t v) { return le(v, 4); }
  Bytes& u64(uint64_t v) { return le(v, 8); }
  Bytes& raw(const std::string& s) {
    for (char c : s) b.push_back(static_cast<uint8_t>(c));  // (insert() trips a GCC 12 false warning)
    return *this;
  }
  // A GGUF string: u64 length, the bytes.
  Bytes& str(const std::string& s) { return u64(s.size()).raw(s); }
  Bytes& zeros(size_t n) {
    b.resize(b.size() + n, 0);
    return *this;
  }
  Bytes& pad_to(size_t alignment) { return zeros((alignment - b.size() % alignment) % alignment); }

  // The fixed header.
  static Bytes header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    Bytes x;
    x.raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
    return x;
  }
  // A key and its value type (the value follows).
  Bytes& key(const std::string& k, GgufType t) { return str(k).u32(static_cast<uint32_t>(t)); }
  Bytes& kv_u32(const std::string& k, uint32_t v) { return key(k, GgufType::kU32).u32(v); }
  Bytes& kv_str(const std::string& k, const std::string& v) { return key(k, GgufType::kString).str(v); }
  // A tensor info: name, n_dims, dims (innermost first), ggml type, offset.
  Bytes& tensor(const std::string& name, const std::vector<uint64_t>& dims, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
};

}  // namespace testing_gguf
}  // namespace qkv
