// Errors as values. Library code returns a Status (or StatusOr<T>) instead of
// throwing, so hot paths stay free of unwinding and the wasm binding can turn
// any failure into a JS Error at one place (wasm-build/bindings.cc).
#pragma once

#include <string>
#include <utility>

namespace qkv {

// Each code maps to one JS Error subclass in web/src/errors.ts; keep in sync.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,    // a caller passed a bad value (shape, option, id)
  kFormat = 2,             // a file or config is malformed
  kUnsupported = 3,        // well-formed but not something qkv runs
  kResourceExhausted = 4,  // out of memory, or past the 4 GB wasm limit
  kInternal = 5,           // a bug in qkv
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status format(std::string m) { return {StatusCode::kFormat, std::move(m)}; }
  static Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string& message_mutable() { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kFormat:
      return "format";
    case StatusCode::kUnsupported:
      return "unsupported";
    case StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case StatusCode::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace qkv

// Returns early from the enclosing function when `expr` is an error Status.
#define QKV_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::qkv::Status qkv_status_ = (expr);        \
    if (!qkv_status_.ok()) return qkv_status_; \
  } while (0)
