#include "io/config_reader.h"

#include <cmath>

namespace qkv {

Status ConfigReader::parse(std::string_view text, std::string_view document, ConfigReader* out) {
  out->document_ = std::string(document);
  JsonLimits limits;
  limits.max_bytes = 10'000'000;  // real configs are a few KB
  QKV_RETURN_IF_ERROR(parse_json(text, document, &out->root_, limits));
  if (!out->root_.is_object()) {
    return Status::format(out->document_ + ": must be a JSON object, found " + out->root_.describe());
  }
  return Status::ok_status();
}

std::string ConfigReader::architecture() const {
  const JsonValue* archs = root_.find("architectures");
  if (archs != nullptr && archs->is_array() && archs->size() > 0 && archs->at(0).is_string()) {
    return std::string(*archs->at(0).as_string());
  }
  const JsonValue* type = root_.find("model_type");
  if (type != nullptr && type->is_string()) return std::string(*type->as_string());
  return "";
}

const JsonValue* ConfigReader::present(std::string_view key) const { return root_.find_set(key); }

Status ConfigReader::bad(std::string_view key, const std::string& message) const {
  return Status::format(document_ + ": " + std::string(key) + " " + message);
}

Status ConfigReader::positive_int(std::string_view key, size_t* out, size_t max) const {
  const JsonValue* v = present(key);
  if (v == nullptr) return bad(key, "is missing");
  const auto n = v->as_uint64();
  if (!n || *n == 0 || *n > max) {
    return bad(key, "must be a positive integer up to " + std::to_string(max) + ", found " + v->describe());
  }
  *out = static_cast<size_t>(*n);
  return Status::ok_status();
}

Status ConfigReader::positive_int_or(std::string_view key, size_t fallback, size_t* out, size_t max) const {
  if (present(key) == nullptr) {
    *out = fallback;
    return Status::ok_status();
  }
  return positive_int(key, out, max);
}

Status ConfigReader::positive_number_or(std::string_view key, double fallback, double* out) const {
  const JsonValue* v = present(key);
  if (v == nullptr) {
    *out = fallback;
    return Status::ok_status();
  }
  const auto x = v->as_double();
  if (!x || !(*x > 0) || !std::isfinite(*x))
    return bad(key, "must be a positive number, found " + v->describe());
  *out = *x;
  return Status::ok_status();
}

Status ConfigReader::string_or(std::string_view key, std::string_view fallback, std::string* out) const {
  const JsonValue* v = present(key);
  if (v == nullptr) {
    *out = std::string(fallback);
    return Status::ok_status();
  }
  if (!v->is_string()) return bad(key, "must be a string, found " + v->describe());
  *out = std::string(*v->as_string());
  return Status::ok_status();
}

Status ConfigReader::bool_or(std::string_view key, bool fallback, bool* out) const {
  const JsonValue* v = present(key);
  if (v == nullptr) {
    *out = fallback;
    return Status::ok_status();
  }
  if (!v->is_bool()) return bad(key, "must be true or false, found " + v->describe());
  *out = *v->as_bool();
  return Status::ok_status();
}

}  // namespace qkv
