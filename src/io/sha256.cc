#include "io/sha256.h"

#include <cstring>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qkv {
namespace {

constexpr uint32_t kInitialState[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

// The block's 16 big-endian words. Wasm has no byte-swap instruction (a
// bswap is 5 ALU ops there), but SIMD128 swaps 4 words in one shuffle: ~10 %
// faster overall. Elsewhere, one 4-byte load (memcpy: the caller's buffer
// need not be aligned) and a byte swap, never four byte loads.
inline void load_block(const uint8_t* data, uint32_t* w) {
#if defined(__wasm_simd128__)
  for (int i = 0; i < 4; ++i) {
    const v128_t v = wasm_v128_load(data + 16 * i);
    wasm_v128_store(w + 4 * i,
                    wasm_i8x16_shuffle(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
  }
#else
  for (int i = 0; i < 16; ++i) {
    uint32_t v;
    std::memcpy(&v, data + 4 * i, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w[i] = v;
#else
    w[i] = __builtin_bswap32(v);
#endif
  }
#endif
}

inline void store_be32(uint8_t* p, uint32_t v) {
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
  v = __builtin_bswap32(v);
#endif
  std::memcpy(p, &v, 4);
}

inline uint32_t big_sigma0(uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
inline uint32_t big_sigma1(uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
inline uint32_t small_sigma0(uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
inline uint32_t small_sigma1(uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }
// Ch in its 3-operation form. Maj(a, b, c) is computed in the round as
// b ^ ((a ^ b) & (b ^ c)), where b ^ c is the previous round's a ^ b.
inline uint32_t choose(uint32_t e, uint32_t f, uint32_t g) { return g ^ (e & (f ^ g)); }

// The schedule word of round j >= 16, computed in place in a ring of the last
// 16 words: w[j & 15] holds W[j - 16] until this call replaces it with W[j].
#define QKV_SHA256_SCHEDULE(j) \
  (w[(j)&15] += small_sigma1(w[((j)-2) & 15]) + w[((j)-7) & 15] + small_sigma0(w[((j)-15) & 15]))

// Round j with the working variables named by position instead of shifted:
// the caller rotates the names, so no register moves are spent per round.
// ab receives a ^ b; bc holds b ^ c (the previous round's ab), so Maj costs
// 3 operations instead of 4: 3-5 % natively and in wasm.
#define QKV_SHA256_ROUND(a, b, c, d, e, f, g, h, j, wj, ab, bc)                          \
  do {                                                                                   \
    const uint32_t t1 = h + big_sigma1(e) + choose(e, f, g) + kRoundConstants[j] + (wj); \
    d += t1;                                                                             \
    ab = a ^ b;                                                                          \
    h = t1 + big_sigma0(a) + (b ^ (ab & bc));                                            \
  } while (0)

#define QKV_SHA256_ROUNDS8_LOAD(j)                                     \
  QKV_SHA256_ROUND(a, b, c, d, e, f, g, h, (j) + 0, w[(j) + 0], x, y); \
  QKV_SHA256_ROUND(h, a, b, c, d, e, f, g, (j) + 1, w[(j) + 1], y, x); \
  QKV_SHA256_ROUND(g, h, a, b, c, d, e, f, (j) + 2, w[(j) + 2], x, y); \
  QKV_SHA256_ROUND(f, g, h, a, b, c, d, e, (j) + 3, w[(j) + 3], y, x); \
  QKV_SHA256_ROUND(e, f, g, h, a, b, c, d, (j) + 4, w[(j) + 4], x, y); \
  QKV_SHA256_ROUND(d, e, f, g, h, a, b, c, (j) + 5, w[(j) + 5], y, x); \
  QKV_SHA256_ROUND(c, d, e, f, g, h, a, b, (j) + 6, w[(j) + 6], x, y); \
  QKV_SHA256_ROUND(b, c, d, e, f, g, h, a, (j) + 7, w[(j) + 7], y, x)

#define QKV_SHA256_ROUNDS8(j)                                                            \
  QKV_SHA256_ROUND(a, b, c, d, e, f, g, h, (j) + 0, QKV_SHA256_SCHEDULE((j) + 0), x, y); \
  QKV_SHA256_ROUND(h, a, b, c, d, e, f, g, (j) + 1, QKV_SHA256_SCHEDULE((j) + 1), y, x); \
  QKV_SHA256_ROUND(g, h, a, b, c, d, e, f, (j) + 2, QKV_SHA256_SCHEDULE((j) + 2), x, y); \
  QKV_SHA256_ROUND(f, g, h, a, b, c, d, e, (j) + 3, QKV_SHA256_SCHEDULE((j) + 3), y, x); \
  QKV_SHA256_ROUND(e, f, g, h, a, b, c, d, (j) + 4, QKV_SHA256_SCHEDULE((j) + 4), x, y); \
  QKV_SHA256_ROUND(d, e, f, g, h, a, b, c, (j) + 5, QKV_SHA256_SCHEDULE((j) + 5), y, x); \
  QKV_SHA256_ROUND(c, d, e, f, g, h, a, b, (j) + 6, QKV_SHA256_SCHEDULE((j) + 6), x, y); \
  QKV_SHA256_ROUND(b, c, d, e, f, g, h, a, (j) + 7, QKV_SHA256_SCHEDULE((j) + 7), y, x)

// Hashes `blocks` whole 64-byte blocks at `data` into state.
void compress(uint32_t* state, const uint8_t* data, size_t blocks) {
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (; blocks > 0; --blocks, data += Sha256::kBlockBytes) {
    uint32_t x, y = b ^ c;  // the a ^ b / b ^ c pair, alternating roles each round
    uint32_t w[16];
    load_block(data, w);
    QKV_SHA256_ROUNDS8_LOAD(0);
    QKV_SHA256_ROUNDS8_LOAD(8);
    QKV_SHA256_ROUNDS8(16);
    QKV_SHA256_ROUNDS8(24);
    QKV_SHA256_ROUNDS8(32);
    QKV_SHA256_ROUNDS8(40);
    QKV_SHA256_ROUNDS8(48);
    QKV_SHA256_ROUNDS8(56);
    a = state[0] += a;
    b = state[1] += b;
    c = state[2] += c;
    d = state[3] += d;
    e = state[4] += e;
    f = state[5] += f;
    g = state[6] += g;
    h = state[7] += h;
  }
}

#undef QKV_SHA256_ROUNDS8
#undef QKV_SHA256_ROUNDS8_LOAD
#undef QKV_SHA256_ROUND
#undef QKV_SHA256_SCHEDULE

}  // namespace

void Sha256::reset() {
  std::memcpy(state_, kInitialState, sizeof state_);
  total_bytes_ = 0;
  tail_bytes_ = 0;
}

void Sha256::update(const uint8_t* data, size_t length) {
  total_bytes_ += length;
  if (tail_bytes_ > 0) {
    const size_t take = length < kBlockBytes - tail_bytes_ ? length : kBlockBytes - tail_bytes_;
    std::memcpy(tail_ + tail_bytes_, data, take);
    tail_bytes_ += take;
    data += take;
    length -= take;
    if (tail_bytes_ < kBlockBytes) return;
    compress(state_, tail_, 1);
    tail_bytes_ = 0;
  }
  const size_t blocks = length / kBlockBytes;
  compress(state_, data, blocks);
  data += blocks * kBlockBytes;
  length -= blocks * kBlockBytes;
  if (length > 0) std::memcpy(tail_, data, length);
  tail_bytes_ = length;
}

Sha256::Digest Sha256::finish() {
  // Padding: 0x80, zeros up to 56 mod 64, then the bit length big-endian.
  const uint64_t bits = total_bytes_ * 8;
  uint8_t pad[2 * kBlockBytes] = {0x80};
  const size_t pad_bytes = (tail_bytes_ < 56 ? 56 : 120) - tail_bytes_;
  store_be32(pad + pad_bytes, static_cast<uint32_t>(bits >> 32));
  store_be32(pad + pad_bytes + 4, static_cast<uint32_t>(bits));
  update(pad, pad_bytes + 8);
  Digest digest;
  for (int i = 0; i < 8; ++i) store_be32(digest.data() + 4 * i, state_[i]);
  reset();
  return digest;
}

std::string Sha256::hex(const Digest& digest) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * kDigestBytes, '0');
  for (size_t i = 0; i < kDigestBytes; ++i) {
    out[2 * i] = kDigits[digest[i] >> 4];
    out[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return out;
}

}  // namespace qkv
