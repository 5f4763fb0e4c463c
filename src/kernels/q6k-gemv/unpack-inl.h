// q6k's 6-bit values back into the bytes u the q8k kernels read
// (common/q6k.h): per block, for the GEMV (into registers), and per
// super-block into q8k's own layout, for the GEMM (which then runs the q8k
// GEMM kernel over a row group unpacked once per pass).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/common/q6k.h"
#include "kernels/common/q8k.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qkv {
namespace q6k_unpack {
// Internal linkage: each kernel file compiles its own copy.
namespace {

#if defined(__wasm_simd128__)
// A row's u[16..31] from its A bytes and its nibbles in the low half of n's
// bytes: the nibble under A's top two bits moved down to bits 4-5. The
// 16-bit shifts are single instructions where 8-bit ones are emulated, and
// the masks drop the bits they bring over from the neighbouring byte.
inline v128_t high_half(v128_t n, v128_t a) {
  return wasm_v128_or(wasm_v128_and(n, wasm_i8x16_const_splat(0x0F)),
                      wasm_v128_and(wasm_u16x8_shr(a, 2), wasm_i8x16_const_splat(0x30)));
}

// The 4 rows' 32 bytes u of one block (its 96 bytes at `block`): u[r][0]
// holds row r's first 16 (A_r's low 6 bits), u[r][1] its last 16 (N's
// nibble under A_r's top 2 bits, moved down to bits 4-5).
inline void unpack_block(const uint8_t* block, v128_t u[kQ6KRowGroup][2]) {
  const v128_t low6 = wasm_i8x16_const_splat(0x3F);
  for (size_t pair = 0; pair < kQ6KRowGroup / 2; ++pair) {
    const v128_t n = wasm_v128_load(block + (kQ6KRowGroup + pair) * kQ6KHalf);
    const v128_t a = wasm_v128_load(block + 2 * pair * kQ6KHalf);
    const v128_t b = wasm_v128_load(block + (2 * pair + 1) * kQ6KHalf);
    u[2 * pair][0] = wasm_v128_and(a, low6);
    u[2 * pair][1] = high_half(n, a);
    u[2 * pair + 1][0] = wasm_v128_and(b, low6);
    u[2 * pair + 1][1] = high_half(wasm_u16x8_shr(n, 4), b);
  }
}
#endif

// One block's 4 rows of u in q8k's block layout (row r at u + 32 r).
inline void unpack_block_bytes(const uint8_t* block, uint8_t* u) {
#if defined(__wasm_simd128__)
  v128_t v[kQ6KRowGroup][2];
  unpack_block(block, v);
  for (size_t r = 0; r < kQ6KRowGroup; ++r) {
    wasm_v128_store(u + r * kQ8KBlock, v[r][0]);
    wasm_v128_store(u + r * kQ8KBlock + kQ6KHalf, v[r][1]);
  }
#else
  for (size_t r = 0; r < kQ6KRowGroup; ++r) q6k_unpack_row(block, r, u + r * kQ8KBlock);
#endif
}

// A q6k row group's k values as a q8k row group (common/q8k.h: the same u
// and sub-scales, mins and dmin 0), in this thread's buffers, valid until
// its next call.
struct Q8KGroup {
  const int8_t* data;
  const float* scales;
};
inline Q8KGroup group_as_q8k(size_t k, const uint8_t* data, const float* scales) {
  thread_local std::vector<uint8_t> q8k_data;
  thread_local std::vector<float> q8k_scales;
  const size_t supers = q8k_supers(k);
  q8k_data.resize(std::max(q8k_data.size(), supers * kQ8KGroupBytes));
  q8k_scales.resize(std::max(q8k_scales.size(), supers * kQ8KGroupFloats));
  for (size_t s = 0; s < supers; ++s) {
    const uint8_t* g = data + s * kQ6KGroupBytes;
    uint8_t* out = q8k_data.data() + s * kQ8KGroupBytes;
    for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b)
      unpack_block_bytes(g + b * kQ6KBlockBytes, out + b * kQ8KRowGroup * kQ8KBlock);
    std::memcpy(out + kQ8KGroupScOffset, g + kQ6KGroupScOffset, kQ8KGroupMnOffset - kQ8KGroupScOffset);
    std::memset(out + kQ8KGroupMnOffset, 0, kQ8KGroupBytes - kQ8KGroupMnOffset);
    float* fs = q8k_scales.data() + s * kQ8KGroupFloats;
    std::memcpy(fs, scales + s * kQ6KGroupFloats, kQ6KRowGroup * sizeof(float));
    std::fill(fs + kQ8KRowGroup, fs + kQ8KGroupFloats, 0.0f);
  }
  return {reinterpret_cast<const int8_t*>(q8k_data.data()), q8k_scales.data()};
}

}  // namespace
}  // namespace q6k_unpack
}  // namespace qkv
