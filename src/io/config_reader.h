// Typed reads of Hugging Face config.json fields, with messages that name
// the document, the key and what was found: "config.json: n_embd must be a
// positive integer, found "768"". Architectures read their own keys with it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/json.h"

namespace qkv {

class ConfigReader {
 public:
  // Parses config.json text; the document must be a JSON object.
  static Status parse(std::string_view text, std::string_view document, ConfigReader* out);

  const JsonValue& root() const { return root_; }
  const std::string& document() const { return document_; }

  // The first entry of "architectures", else "model_type", else "".
  std::string architecture() const;

  // A required positive integer no larger than `max` (configs hold sizes;
  // the bound keeps products of a few of them far from overflow).
  Status positive_int(std::string_view key, size_t* out, size_t max = size_t{1} << 24) const;
  // The same, or `fallback` when the key is absent or null.
  Status positive_int_or(std::string_view key, size_t fallback, size_t* out,
                         size_t max = size_t{1} << 24) const;
  // A positive finite number, or `fallback` when absent or null.
  Status positive_number_or(std::string_view key, double fallback, double* out) const;
  // A string, or `fallback` when absent or null.
  Status string_or(std::string_view key, std::string_view fallback, std::string* out) const;
  // A boolean, or `fallback` when absent or null.
  Status bool_or(std::string_view key, bool fallback, bool* out) const;

  // "config.json: <key> <message>" as a format error.
  Status bad(std::string_view key, const std::string& message) const;

 private:
  const JsonValue* present(std::string_view key) const;

  JsonValue root_;
  std::string document_;
};

}  // namespace qkv
