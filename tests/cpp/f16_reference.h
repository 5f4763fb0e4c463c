// Independent binary16 decoder for tests: the format's definition written
// with ldexp, sharing no code with kernels/common/f16.h.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace qkv {

inline double f16_reference(uint16_t h) {
  const int exponent = (h >> 10) & 31, mantissa = h & 1023;
  double v;
  if (exponent == 0) {
    v = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else {
    v = std::ldexp(1024 + mantissa, exponent - 25);
  }
  return (h >> 15) ? -v : v;
}

}  // namespace qkv
