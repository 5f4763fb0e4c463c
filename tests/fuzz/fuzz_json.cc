// parse_json on arbitrary bytes, with small limits so that the depth, value
// count and size checks are reached too. A document that parses must also
// describe itself and read back through every accessor without trouble.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/json.h"

namespace {

void walk(const qkv::JsonValue& v, int depth) {
  (void)v.describe();
  (void)v.as_bool();
  (void)v.as_double();
  (void)v.as_uint64();
  (void)v.as_int64();
  (void)v.as_string();
  if (v.is_object()) (void)v.find("dtype");
  for (size_t i = 0; i < v.size(); ++i) {
    if (v.is_object()) (void)v.key(i);
    walk(v.at(i), depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  qkv::JsonValue root;
  if (qkv::parse_json(text, "fuzz.json", &root).ok()) walk(root, 0);
  qkv::JsonLimits small;
  small.max_bytes = 4096;
  small.max_depth = 4;
  small.max_values = 64;
  (void)qkv::parse_json(text, "fuzz.json", &root, small);
  return 0;
}
