// The Embind handle of io/Sha256: web/src/io/sha256.ts copies each chunk of
// a download into a scratch allocation and hashes it there, so the browser
// can verify a file against the Hub's SHA-256 while it streams (SubtleCrypto
// cannot hash a stream). Every method goes through bound().
#include <emscripten/bind.h>

#include <cstdint>
#include <string>

#include "binding_support.h"
#include "io/sha256.h"

namespace qkv_bind {
namespace {

using qkv::Status;

class WasmSha256 {
 public:
  static WasmSha256* create() {
    return bound<WasmSha256*>([&](WasmSha256*& self) -> Status {
      self = new WasmSha256();
      return Status::ok_status();
    });
  }

  // Appends `length` bytes at wasm address ptr.
  void update(uintptr_t ptr, double length) {
    bound<void>([&]() -> Status {
      size_t n = 0;
      QKV_RETURN_IF_ERROR(to_count(length, 0, "sha256: byte count", &n));
      if (n == 0) return Status::ok_status();
      QKV_RETURN_IF_ERROR(check_heap_range(ptr, n, "sha256"));
      hash_.update(reinterpret_cast<const uint8_t*>(ptr), n);
      return Status::ok_status();
    });
  }

  // The digest of everything appended so far, as 64 hex digits; the hasher
  // starts over afterwards.
  std::string hex_digest() { return hash_.finish_hex(); }

  void reset() { hash_.reset(); }

 private:
  WasmSha256() = default;
  qkv::Sha256 hash_;
};

}  // namespace
}  // namespace qkv_bind

EMSCRIPTEN_BINDINGS(qkv_sha256) {
  using namespace qkv_bind;
  using emscripten::allow_raw_pointers;
  emscripten::class_<WasmSha256>("Sha256Hasher")
      .class_function("create", &WasmSha256::create, allow_raw_pointers())
      .function("update", &WasmSha256::update, allow_raw_pointers())
      .function("hexDigest", &WasmSha256::hex_digest)
      .function("reset", &WasmSha256::reset);
}
