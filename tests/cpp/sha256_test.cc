// SHA-256: the FIPS 180-4 example messages, and the streaming interface
// (every split point, random chunkings, lengths around the padding
// boundaries) against a textbook implementation written here independently
// of src/io/sha256.cc (which the FIPS vectors anchor as well).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "io/sha256.h"

namespace qkv {
namespace {

std::string hash_hex(const std::string& message) {
  Sha256 h;
  h.update(reinterpret_cast<const uint8_t*>(message.data()), message.size());
  return h.finish_hex();
}

// FIPS 180-4 in its plainest form: pad the whole message, then per block
// build the 64-word schedule and run 64 rounds with shifted variables.
std::string reference_hex(const std::vector<uint8_t>& message) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  std::vector<uint8_t> m = message;
  const uint64_t bits = static_cast<uint64_t>(message.size()) * 8;
  m.push_back(0x80);
  while (m.size() % 64 != 56) m.push_back(0);
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  uint32_t hs[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  for (size_t block = 0; block < m.size(); block += 64) {
    uint32_t w[64];
    for (int t = 0; t < 16; ++t) {
      w[t] = 0;
      for (int b = 0; b < 4; ++b) w[t] = (w[t] << 8) | m[block + 4 * t + b];
    }
    for (int t = 16; t < 64; ++t) {
      const uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t v[8];
    std::memcpy(v, hs, sizeof v);
    for (int t = 0; t < 64; ++t) {
      const uint32_t e = v[4], a = v[0];
      const uint32_t t1 =
          v[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & v[5]) ^ (~e & v[6])) + k[t] + w[t];
      const uint32_t t2 =
          (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
      for (int i = 7; i > 0; --i) v[i] = v[i - 1];
      v[4] += t1;
      v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; ++i) hs[i] += v[i];
  }
  std::string out;
  char buf[9];
  for (uint32_t x : hs) {
    std::snprintf(buf, sizeof buf, "%08x", x);
    out += buf;
  }
  return out;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Digests published with FIPS 180-4's examples (NIST CSRC "SHA256.pdf",
// "SHA2_Additional.pdf"); `sha256sum` gives the same.
TEST(Sha256, FipsExampleMessages) {
  EXPECT_EQ(hash_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hash_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hash_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hash_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(hash_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ReferenceAgreesWithFipsVectors) {
  const std::string abc = "abc";
  EXPECT_EQ(reference_hex({abc.begin(), abc.end()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(reference_hex(std::vector<uint8_t>(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, MillionAInOddChunks) {
  const std::string chunk(997, 'a');
  Sha256 h;
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = left < chunk.size() ? left : chunk.size();
    h.update(reinterpret_cast<const uint8_t*>(chunk.data()), n);
    left -= n;
  }
  EXPECT_EQ(h.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Every length from 0 to 200 crosses the padding cases: a tail of < 56 bytes
// (length field fits in the last block), 56..63 (an extra block) and 64.
TEST(Sha256, LengthsAroundPaddingBoundariesMatchReference) {
  for (size_t n = 0; n <= 200; ++n) {
    const std::vector<uint8_t> msg = random_bytes(n, static_cast<uint32_t>(n) + 1);
    Sha256 h;
    h.update(msg.data(), msg.size());
    EXPECT_EQ(h.finish_hex(), reference_hex(msg)) << "length " << n;
  }
}

TEST(Sha256, EverySplitPointEqualsOneShot) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{55}, size_t{56}, size_t{63}, size_t{64}, size_t{65},
                   size_t{127}, size_t{128}, size_t{129}, size_t{200}}) {
    const std::vector<uint8_t> msg = random_bytes(n, 7);
    const std::string expected = reference_hex(msg);
    for (size_t i = 0; i <= n; ++i) {
      for (size_t j = i; j <= n; ++j) {
        Sha256 h;
        h.update(msg.data(), i);
        h.update(msg.data() + i, j - i);
        h.update(msg.data() + j, n - j);
        ASSERT_EQ(h.finish_hex(), expected) << "length " << n << " split at " << i << ", " << j;
      }
    }
  }
}

TEST(Sha256, RandomChunkingsEqualOneShot) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 40; ++trial) {
    const size_t n = std::uniform_int_distribution<size_t>(0, 5000)(rng);
    const std::vector<uint8_t> msg = random_bytes(n, static_cast<uint32_t>(trial));
    Sha256 one_shot;
    one_shot.update(msg.data(), n);
    const Sha256::Digest expected = one_shot.finish();
    EXPECT_EQ(Sha256::hex(expected), reference_hex(msg));
    Sha256 h;
    // Chunk sizes from 0 (an empty update is legal) to a few blocks.
    for (size_t at = 0; at < n;) {
      const size_t take = std::min(n - at, std::uniform_int_distribution<size_t>(0, 300)(rng));
      h.update(msg.data() + at, take);
      at += take;
    }
    EXPECT_EQ(h.finish(), expected) << "trial " << trial << ", length " << n;
  }
}

TEST(Sha256, UnalignedInputs) {
  const std::vector<uint8_t> buf = random_bytes(1030, 3);
  for (size_t offset = 0; offset < 8; ++offset) {
    Sha256 h;
    h.update(buf.data() + offset, 1000);
    EXPECT_EQ(h.finish_hex(), reference_hex({buf.begin() + offset, buf.begin() + offset + 1000}));
  }
}

TEST(Sha256, FinishResetsAndResetDiscards) {
  Sha256 h;
  h.update(reinterpret_cast<const uint8_t*>("abc"), 3);
  EXPECT_EQ(h.finish_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // After finish, the hasher starts over.
  EXPECT_EQ(h.finish_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  h.update(reinterpret_cast<const uint8_t*>("partial data"), 12);
  h.reset();
  h.update(reinterpret_cast<const uint8_t*>("abc"), 3);
  EXPECT_EQ(h.finish_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// 513 MiB: the message's bit length no longer fits 32 bits, so the upper
// word of the length field is non-zero. Digest from coreutils:
//   head -c 537919488 /dev/zero | sha256sum
TEST(Sha256, LengthFieldPast32Bits) {
  const std::vector<uint8_t> zeros(size_t{4} << 20, 0);
  Sha256 h;
  for (int i = 0; i < 128; ++i) h.update(zeros.data(), zeros.size());
  h.update(zeros.data(), size_t{1} << 20);
  EXPECT_EQ(h.finish_hex(), "a3e2acbb469e4e59dde406f912e754c933c1ac0fb0092a3634d61d5073309c0c");
}

}  // namespace
}  // namespace qkv
