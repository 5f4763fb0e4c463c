// io/Sha256 as a tiny standalone wasm with a C ABI and no Emscripten glue:
// web/src/io/sha256-worker.ts hashes downloads with it on a worker of its
// own, so the hash runs beside the loading instead of on its thread. Loading
// all of qkv's module there would cost megabytes per worker; this is a few KB,
// embedded in JS (wasm-build/embed-wasm.mjs), so bundlers need no setup.
//
// One hasher state lives here; the worker keeps each hash's state in JS and
// copies it in and out (the state is trivially copyable), so one instance
// serves any number of interleaved hashes.
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "io/sha256.h"

namespace {

// Bytes the worker copies in per update call.
constexpr uint32_t kInputBytes = 1 << 20;

static_assert(std::is_trivially_copyable<qkv::Sha256>::value, "the worker saves states as bytes");

alignas(16) uint8_t g_input[kInputBytes];
qkv::Sha256 g_state;
qkv::Sha256::Digest g_digest;

}  // namespace

extern "C" {

uint8_t* qkv_sha256_input() { return g_input; }
uint32_t qkv_sha256_input_bytes() { return kInputBytes; }
qkv::Sha256* qkv_sha256_state() { return &g_state; }
uint32_t qkv_sha256_state_bytes() { return sizeof g_state; }

void qkv_sha256_reset() { g_state.reset(); }

// Hashes the first `length` bytes of the input buffer (clamped to its size).
void qkv_sha256_update(uint32_t length) {
  g_state.update(g_input, length < kInputBytes ? length : kInputBytes);
}

// The digest's 32 bytes; the state starts over.
const uint8_t* qkv_sha256_finish() {
  g_digest = g_state.finish();
  return g_digest.data();
}

}  // extern "C"
