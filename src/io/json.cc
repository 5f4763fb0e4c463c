#include "io/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace qkv {

const char* json_type_name(JsonType type) {
  switch (type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBool:
      return "a boolean";
    case JsonType::kNumber:
      return "a number";
    case JsonType::kString:
      return "a string";
    case JsonType::kArray:
      return "an array";
    case JsonType::kObject:
      return "an object";
  }
  return "a value";
}

std::optional<bool> JsonValue::as_bool() const {
  if (type_ != JsonType::kBool) return std::nullopt;
  return bool_;
}

std::optional<double> JsonValue::as_double() const {
  if (type_ != JsonType::kNumber) return std::nullopt;
  return number_;
}

std::optional<uint64_t> JsonValue::as_uint64() const {
  if (type_ != JsonType::kNumber || !is_integer_ || !integer_exact_) return std::nullopt;
  if (negative_ && magnitude_ != 0) return std::nullopt;
  return magnitude_;
}

std::optional<int64_t> JsonValue::as_int64() const {
  if (type_ != JsonType::kNumber || !is_integer_ || !integer_exact_) return std::nullopt;
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!negative_) {
    if (magnitude_ > kMaxPositive) return std::nullopt;
    return static_cast<int64_t>(magnitude_);
  }
  if (magnitude_ > kMaxPositive + 1) return std::nullopt;
  // -(2^63) has no positive counterpart: negate in unsigned arithmetic.
  return static_cast<int64_t>(~magnitude_ + 1);
}

std::optional<std::string_view> JsonValue::as_string() const {
  if (type_ != JsonType::kString) return std::nullopt;
  return std::string_view(string_);
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type_ != JsonType::kObject) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

const JsonValue* JsonValue::find_set(std::string_view key) const {
  const JsonValue* v = find(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::string JsonValue::describe() const {
  switch (type_) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBool:
      return bool_ ? "true" : "false";
    case JsonType::kNumber:
      return format_double(number_);
    case JsonType::kString: {
      constexpr size_t kMax = 40;
      std::string s = "\"";
      for (size_t i = 0; i < string_.size() && i < kMax; ++i) {
        const unsigned char c = static_cast<unsigned char>(string_[i]);
        s += c < 0x20 ? '?' : static_cast<char>(c);
      }
      s += string_.size() > kMax ? "...\"" : "\"";
      return s;
    }
    case JsonType::kArray:
      return "an array";
    case JsonType::kObject:
      return "an object";
  }
  return "a value";
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // The fewest significant digits that read back exactly...
  char buf[40];
  for (int precision = 0; precision <= 16; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, std::fabs(v));
    if (std::strtod(buf, nullptr) == std::fabs(v)) break;
  }
  const char* e = std::strchr(buf, 'e');
  std::string digits;
  for (const char* c = buf; c < e; ++c) {
    if (*c != '.') digits += *c;
  }
  const int exponent = std::atoi(e + 1);
  // ...laid out as Python's repr() does, the way config.json files are written.
  std::string out = v < 0 ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (digits.size() <= static_cast<size_t>(exponent) + 1) {
      out += digits + std::string(static_cast<size_t>(exponent) + 1 - digits.size(), '0');
    } else {
      out += digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_text[16];
  std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp_text;
}

// Recursive descent over the document. Depth is bounded by limits.max_depth,
// so the C++ stack never grows past ~64 frames whatever the input.
class JsonParser {
 public:
  JsonParser(std::string_view text, std::string_view document, const JsonLimits& limits)
      : text_(text), document_(document), limits_(limits) {}

  Status parse(JsonValue* out) {
    if (text_.size() > limits_.max_bytes) {
      return Status::resource_exhausted(std::string(document_) + ": " + std::to_string(text_.size()) +
                                        " bytes of JSON is more than the limit of " +
                                        std::to_string(limits_.max_bytes));
    }
    if (text_.size() >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
    skip_space();
    QKV_RETURN_IF_ERROR(parse_value(out, 0));
    skip_space();
    if (pos_ != text_.size()) return error("end of the document after the top-level value");
    return Status::ok_status();
  }

 private:
  Status error(const std::string& expected) const {
    std::string found;
    if (pos_ >= text_.size()) {
      found = "the end of the input";
    } else {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c >= 0x20 && c < 0x7f) {
        found = std::string("'") + static_cast<char>(c) + "'";
      } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        found = std::string("byte ") + hex;
      }
    }
    return Status::format(std::string(document_) + ": expected " + expected + " at byte " +
                          std::to_string(pos_) + ", found " + found);
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool consume(std::string_view word) {
    if (text_.compare(pos_, word.size(), word) != 0) return false;
    pos_ += word.size();
    return true;
  }

  Status count_value() {
    if (++values_ > limits_.max_values) {
      return Status::resource_exhausted(std::string(document_) + ": more than " +
                                        std::to_string(limits_.max_values) + " JSON values");
    }
    return Status::ok_status();
  }

  Status parse_value(JsonValue* v, uint32_t depth) {
    QKV_RETURN_IF_ERROR(count_value());
    v->offset_ = static_cast<uint32_t>(pos_);
    if (pos_ >= text_.size()) return error("a value");
    switch (text_[pos_]) {
      case '{':
        return parse_object(v, depth + 1);
      case '[':
        return parse_array(v, depth + 1);
      case '"':
        v->type_ = JsonType::kString;
        return parse_string(&v->string_);
      case 't':
      case 'f':
        v->type_ = JsonType::kBool;
        if (consume("true")) {
          v->bool_ = true;
          return Status::ok_status();
        }
        if (consume("false")) return Status::ok_status();
        return error("a value");
      case 'n':
        if (consume("null")) return Status::ok_status();
        return error("a value");
      default:
        return parse_number(v);
    }
  }

  Status check_depth(uint32_t depth) const {
    if (depth > limits_.max_depth) {
      return Status::format(std::string(document_) + ": nesting deeper than " +
                            std::to_string(limits_.max_depth) + " levels at byte " + std::to_string(pos_));
    }
    return Status::ok_status();
  }

  // The elements of an array or object after its opening bracket, white
  // space around each: none before `close`, else `element` (which parses one)
  // and ',' or `close` after each.
  template <typename Element>
  Status parse_elements(const char* close, const char* expected, Element element) {
    skip_space();
    if (consume(close)) return Status::ok_status();
    while (true) {
      skip_space();
      QKV_RETURN_IF_ERROR(element());
      skip_space();
      if (consume(",")) continue;
      if (consume(close)) return Status::ok_status();
      return error(expected);
    }
  }

  Status parse_array(JsonValue* v, uint32_t depth) {
    QKV_RETURN_IF_ERROR(check_depth(depth));
    v->type_ = JsonType::kArray;
    ++pos_;  // '['
    return parse_elements("]", "',' or ']'", [&] {
      v->items_.emplace_back();
      return parse_value(&v->items_.back(), depth);
    });
  }

  Status parse_object(JsonValue* v, uint32_t depth) {
    QKV_RETURN_IF_ERROR(check_depth(depth));
    v->type_ = JsonType::kObject;
    ++pos_;  // '{'
    return parse_elements("}", "',' or '}'", [&] {
      if (pos_ >= text_.size() || text_[pos_] != '"') return error("a string key");
      const size_t key_at = pos_;
      std::string key;
      QKV_RETURN_IF_ERROR(parse_string(&key));
      if (v->find(key) != nullptr) {
        return Status::format(std::string(document_) + ": duplicate key \"" + key + "\" at byte " +
                              std::to_string(key_at));
      }
      skip_space();
      if (!consume(":")) return error("':'");
      skip_space();
      v->keys_.push_back(std::move(key));
      v->items_.emplace_back();
      return parse_value(&v->items_.back(), depth);
    });
  }

  static void append_utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Four hex digits after "\u"; pos_ at the first digit.
  bool read_hex4(uint32_t* cp) {
    if (text_.size() - pos_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return false;
      }
    }
    pos_ += 4;
    *cp = v;
    return true;
  }

  Status parse_escape(std::string* out) {
    ++pos_;  // '\'
    if (pos_ >= text_.size()) return error("an escape character");
    const char c = text_[pos_];
    static constexpr char kFrom[] = "\"\\/bfnrt";
    static constexpr char kTo[] = "\"\\/\b\f\n\r\t";
    if (const char* at = std::strchr(kFrom, c); at != nullptr && c != '\0') {
      out->push_back(kTo[at - kFrom]);
      ++pos_;
      return Status::ok_status();
    }
    if (c != 'u') return error("one of \" \\ / b f n r t u after '\\'");
    ++pos_;
    uint32_t cp;
    if (!read_hex4(&cp)) return error("four hex digits after \\u");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return error("a high surrogate before this low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (!consume("\\u") || !read_hex4(&low) || low < 0xDC00 || low > 0xDFFF) {
        return error("a \\u low surrogate after the high surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(cp, out);
    return Status::ok_status();
  }

  // Length of the well-formed UTF-8 sequence at pos_ (Unicode table 3-7), or 0.
  size_t utf8_length() const {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text_[pos_ + i]); };
    const size_t left = text_.size() - pos_;
    const unsigned char b0 = byte(0);
    const auto cont = [&](size_t i, unsigned char lo, unsigned char hi) {
      return i < left && byte(i) >= lo && byte(i) <= hi;
    };
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
    if (b0 == 0xE0) return cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
      return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    }
    if (b0 == 0xED) return cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) ? 3 : 0;  // no surrogates
    if (b0 == 0xF0) return cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    if (b0 >= 0xF1 && b0 <= 0xF3) {
      return cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    }
    if (b0 == 0xF4) return cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    return 0;
  }

  Status parse_string(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= text_.size()) return error("'\"' to close the string");
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return Status::ok_status();
      }
      if (c == '\\') {
        QKV_RETURN_IF_ERROR(parse_escape(out));
      } else if (c < 0x20) {
        return error("a string character (control characters must be escaped)");
      } else if (c < 0x80) {
        out->push_back(static_cast<char>(c));
        ++pos_;
      } else {
        const size_t n = utf8_length();
        if (n == 0) return error("valid UTF-8");
        out->append(text_.data() + pos_, n);
        pos_ += n;
      }
    }
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  Status parse_number(JsonValue* v) {
    const size_t start = pos_;
    const auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
      return pos_ - from;
    };
    v->type_ = JsonType::kNumber;
    if (pos_ < text_.size() && text_[pos_] == '-') {
      v->negative_ = true;
      ++pos_;
    }
    const size_t int_start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      pos_ = start;
      return error("a value");
    }
    const size_t int_end = pos_;
    v->is_integer_ = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return error("a digit after '.'");
      v->is_integer_ = false;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) return error("a digit in the exponent");
      v->is_integer_ = false;
    }
    const std::string literal(text_.substr(start, pos_ - start));
    v->number_ = std::strtod(literal.c_str(), nullptr);
    if (!std::isfinite(v->number_)) {
      pos_ = start;
      return error("a number within the range of a double");
    }
    if (v->is_integer_) {
      v->integer_exact_ = true;
      uint64_t m = 0;
      for (size_t i = int_start; i < int_end; ++i) {
        const uint64_t d = static_cast<uint64_t>(text_[i] - '0');
        if (m > (std::numeric_limits<uint64_t>::max() - d) / 10) {
          v->integer_exact_ = false;
          break;
        }
        m = m * 10 + d;
      }
      v->magnitude_ = m;
    }
    return Status::ok_status();
  }

  std::string_view text_;
  std::string_view document_;
  const JsonLimits& limits_;
  size_t pos_ = 0;
  size_t values_ = 0;
};

Status parse_json(std::string_view text, std::string_view document, JsonValue* out,
                  const JsonLimits& limits) {
  *out = JsonValue();
  JsonParser parser(text, document, limits);
  Status s = parser.parse(out);
  if (!s.ok()) *out = JsonValue();
  return s;
}

}  // namespace qkv
