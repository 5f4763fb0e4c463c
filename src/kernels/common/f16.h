// Exact scalar conversions between IEEE binary16 / bfloat16 bit patterns and
// float. Used by scalar reference kernels and tests; SIMD kernels use vector
// forms of the same arithmetic.
#pragma once

#include <cstdint>
#include <cstring>

namespace qkv {

inline float f32_from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint32_t f32_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// binary16 -> float, exact for every input including subnormals, inf, NaN.
// Shifting the exponent+mantissa into place and multiplying by 2^112 rebiases
// normals and renormalizes subnormals in one step; exponent 31 (inf/NaN) is
// patched afterwards.
inline float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t rest = static_cast<uint32_t>(h & 0x7fffu);
  float magnitude;
  if (rest >= 0x7c00u) {
    magnitude = f32_from_bits(0x7f800000u | (rest & 0x3ffu) << 13);  // inf or NaN
  } else {
    magnitude = f32_from_bits(rest << 13) * 0x1.0p112f;
  }
  return f32_from_bits(f32_to_bits(magnitude) | sign);
}

// float -> binary16 with round-to-nearest-even; overflow gives inf, NaN stays NaN.
inline uint16_t f32_to_f16(float f) {
  const uint32_t bits = f32_to_bits(f);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);   // NaN
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (abs < 0x38800000u) {
    // Result is subnormal (or zero): let float addition do the rounding.
    const float shifted = f32_from_bits(abs) + 0.5f;  // 0.5 = 2^-1 puts 2^-24 units in the low bits
    return static_cast<uint16_t>(sign | (f32_to_bits(shifted) - f32_to_bits(0.5f)));
  }
  const uint32_t mantissa_odd = (abs >> 13) & 1u;
  const uint32_t rounded = abs + 0xc8000fffu + mantissa_odd;  // rebias (-112 << 23) and round
  return static_cast<uint16_t>(sign | (rounded >> 13));
}

// bfloat16 -> float is exact: the high half of a float.
inline float bf16_to_f32(uint16_t b) { return f32_from_bits(static_cast<uint32_t>(b) << 16); }

}  // namespace qkv
