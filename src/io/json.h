// A small strict JSON (RFC 8259) parser for the files a checkpoint brings:
// config.json, the safetensors header, model.safetensors.index.json. These
// come from the network, so the parser trusts nothing: it bounds the input
// size, the nesting depth (recursion never goes deeper than the limit) and
// the number of values (memory stays a small multiple of the input), rejects
// invalid UTF-8, lone surrogates, duplicate keys and numbers that overflow a
// double, and every error names the document, the byte offset and what was
// expected there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qkv {

enum class JsonType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// "null", "a boolean", "a number", "a string", "an array", "an object".
const char* json_type_name(JsonType type);

struct JsonLimits {
  // Longer documents fail with resource_exhausted. 100 MB is also the
  // safetensors format's own header limit.
  size_t max_bytes = 100'000'000;
  // Deeper nesting fails with a format error; no real config nests past ~5.
  uint32_t max_depth = 64;
  // More values fail with resource_exhausted. A value costs ~64 bytes in
  // wasm, so `[0,0,0,...]` could otherwise cost 32x its size; 2^20 values is
  // ~100k safetensors tensor entries, well past any real shard.
  size_t max_values = size_t{1} << 20;
};

// One node of the parsed tree. Accessors never fail: asking a value for the
// wrong type gives an empty result, so callers check the type (or use the
// optional accessors) and write a message that names the field.
class JsonValue {
 public:
  JsonType type() const { return type_; }
  bool is_null() const { return type_ == JsonType::kNull; }
  bool is_bool() const { return type_ == JsonType::kBool; }
  bool is_number() const { return type_ == JsonType::kNumber; }
  bool is_string() const { return type_ == JsonType::kString; }
  bool is_array() const { return type_ == JsonType::kArray; }
  bool is_object() const { return type_ == JsonType::kObject; }

  // Where the value starts in the document, for messages.
  size_t offset() const { return offset_; }

  std::optional<bool> as_bool() const;
  // Any number; always finite (the parser rejects overflow).
  std::optional<double> as_double() const;
  // Only numbers written as integers (no fraction or exponent, the way
  // Python's json writes ints) whose exact value fits; 9007199254740993
  // stays exact, 1.0 and 1e3 are not integers.
  std::optional<uint64_t> as_uint64() const;
  std::optional<int64_t> as_int64() const;
  // The decoded UTF-8 text (may contain NUL from \u0000).
  std::optional<std::string_view> as_string() const;

  // Array elements or object members; 0 for scalars.
  size_t size() const { return items_.size(); }
  // i-th array element or object member value; i < size().
  const JsonValue& at(size_t i) const { return items_[i]; }
  // i-th object member key; i < size() of an object.
  const std::string& key(size_t i) const { return keys_[i]; }
  // An object's member, or nullptr when absent (or not an object).
  const JsonValue* find(std::string_view key) const;
  // The same, nullptr also for a member set to null: configs write null for
  // "not set", which readers treat as absent.
  const JsonValue* find_set(std::string_view key) const;

  // A short description for messages: 12, -1.5, "text" (quoted, cut at 40
  // bytes), true, null, an array, an object.
  std::string describe() const;

 private:
  friend class JsonParser;

  JsonType type_ = JsonType::kNull;
  bool bool_ = false;
  bool is_integer_ = false;     // written without fraction/exponent
  bool integer_exact_ = false;  // and its magnitude fits in uint64
  bool negative_ = false;
  uint32_t offset_ = 0;
  double number_ = 0.0;
  uint64_t magnitude_ = 0;  // |value| of an exact integer
  std::string string_;
  std::vector<JsonValue> items_;   // array elements, or object values
  std::vector<std::string> keys_;  // object keys, parallel to items_ (insertion order)
};

// Parses `text` (UTF-8, one JSON value, surrounding whitespace allowed; a
// leading UTF-8 BOM is skipped as RFC 8259 permits). `document` names the
// input in messages: "config.json: expected ',' or '}' at byte 123, found 'x'".
Status parse_json(std::string_view text, std::string_view document, JsonValue* out,
                  const JsonLimits& limits = JsonLimits());

// Shortest decimal form of `v` that reads back exactly ("1e-05", "10000").
std::string format_double(double v);

}  // namespace qkv
