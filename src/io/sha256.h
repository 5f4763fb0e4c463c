// SHA-256 (FIPS 180-4), fed incrementally: downloaded files are checked
// against the Hub's LFS hash while their bytes stream in, with no second pass
// over them. Written for speed in wasm, which has no SHA instructions (not
// even in SIMD128): the compression function is fully unrolled scalar code
// (SIMD128 only byte-swaps the loaded words).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace qkv {

class Sha256 {
 public:
  static constexpr size_t kBlockBytes = 64;
  static constexpr size_t kDigestBytes = 32;
  using Digest = std::array<uint8_t, kDigestBytes>;

  Sha256() { reset(); }

  // Back to the state of a fresh hasher (the hash of nothing so far).
  void reset();

  // Appends `length` bytes. Whole blocks are hashed straight from `data`;
  // only a partial block at the end is copied, to wait for the next call.
  void update(const uint8_t* data, size_t length);

  // The digest of everything appended since the last reset; the hasher is
  // reset afterwards, so it can be reused for the next message.
  Digest finish();

  // finish(), as 64 lowercase hex digits (the form the Hub's LFS oids take).
  std::string finish_hex() { return hex(finish()); }

  static std::string hex(const Digest& digest);

 private:
  uint32_t state_[8];
  uint64_t total_bytes_;
  uint8_t tail_[kBlockBytes];
  size_t tail_bytes_;
};

}  // namespace qkv
