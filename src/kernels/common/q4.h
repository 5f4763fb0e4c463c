// q4: asymmetric 4-bit block quantization. A vector of K values is cut into
// blocks of kQ4BlockSize = 32 along K; each block stores 32 unsigned 4-bit
// values q in [0, 15] (16 bytes), an f32 scale d and an f32 offset m:
//   value = d * q + m      (computed as float(d * q), then + m: two roundings)
//
// The fields are f32 so that GGUF's 4-bit blocks repack without loss:
//   Q4_0 (f16 d):          d = d,               m = -8 * d
//   Q4_1 (f16 d, f16 m):   d = d,               m = m
//   Q4_K (per 32-value sub-block j of a 256-value super-block with f16 d,
//         dmin and 6-bit scale sc_j and min mn_j):
//                          d = d * sc_j,        m = -(dmin * mn_j)
// each product exact in f32 (an 11-bit significand times a 6-bit integer).
//
// Nibble order: byte j (0 <= j < 16) of a block holds value j in its low
// nibble and value j + 16 in its high nibble, as ggml's Q4_0/Q4_1 do. One
// 16-byte load then yields values 0..15 (v & 0x0f) and 16..31 (v >> 4) in
// order, two instructions per 32 values. (Q4_K pairs sub-blocks instead:
// byte i of a 32-byte run holds value i of sub-block 2j and of 2j + 1; the
// repacker moves nibbles between bytes.)
//
// Quantizing f32 values (dtype 'q4'), per block, over its real values only
// (a last block shorter than 32 is zero-padded with q = 0 after quantizing):
//   lo = min x, hi = max x                  (exact)
//   m  = lo
//   d  = (hi - lo) / 15                     (float subtraction, then float division)
//   (a zero m or d is stored as +0, so no choice between -0 and +0 shows)
//   q  = 0 for every value if d == 0;       (all equal, or hi - lo underflows)
//   q  = clamp(round((x - m) / d), 0, 15)   otherwise: float subtraction, float
//        division, round half away from zero (x - m >= 0, so half up).
// Scalar and SIMD quantizers give the same bits. Dequantized, every value is
// within d / 2 of x plus float rounding:
//   |x - value| <= d / 2 + 2^-20 * (16 * d + |m| + |x|)
// (the quotient carries <= 2 roundings of a value <= 15, i.e. <= 31 * 2^-24
// in units of d; dequantizing adds <= 2 roundings of magnitude <= 15 d + |m|
// and |value|). Inputs must be finite with hi - lo finite (|x| < 1.7e38);
// otherwise q is unspecified but in range.
//
// A row of K values is q4_blocks(K) blocks, kept as three arrays:
//   uint8_t nibbles[q4_blocks(K) * kQ4BlockBytes]
//   float   d[q4_blocks(K)], m[q4_blocks(K)]
// Weight matrices interleave the blocks of groups of rows (the q4 layout of
// kernels/gemm/packed_layout.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkv {

constexpr size_t kQ4BlockSize = 32;
// Bytes of packed nibbles per block.
constexpr size_t kQ4BlockBytes = kQ4BlockSize / 2;

constexpr size_t q4_blocks(size_t k) { return (k + kQ4BlockSize - 1) / kQ4BlockSize; }
constexpr size_t q4_padded(size_t k) { return q4_blocks(k) * kQ4BlockSize; }

// Value i (0 <= i < 32) of a block's 16 nibble bytes.
constexpr uint8_t q4_nibble(const uint8_t* block, size_t i) {
  return i < kQ4BlockBytes ? block[i] & 0x0f : block[i - kQ4BlockBytes] >> 4;
}

}  // namespace qkv
