// Highway q6k GEMV: one row group (4 rows) per pass; each block's 6-bit
// values unpacked in registers (unpack-inl.h), then the q8k GEMV's integer
// and float steps (q8k-gemv/group-inl.h), so its bits.
#include <algorithm>

#include "kernels/q6k-gemv/gemv.h"
#include "kernels/q6k-gemv/unpack-inl.h"
#include "kernels/q8k-gemv/group-inl.h"

namespace qkv {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using q8k_simd::D32;
using q8k_simd::D4;

#if HWY_TARGET == HWY_WASM
// The block's 32 ordered values of x as int16, the even positions apart from
// the odd ones: [even of 0-15, odd of 0-15, even of 16-31, odd of 16-31].
HWY_INLINE void load_x_even_odd(const int8_t* x, v128_t* out) {
  const v128_t x0 = wasm_v128_load(x), x1 = wasm_v128_load(x + 16);
  out[0] = wasm_i16x8_shr(wasm_i16x8_shl(x0, 8), 8);
  out[1] = wasm_i16x8_shr(x0, 8);
  out[2] = wasm_i16x8_shr(wasm_i16x8_shl(x1, 8), 8);
  out[3] = wasm_i16x8_shr(x1, 8);
}

// One row's u · x: a its A bytes (u[0..15] in the low 6 bits), u1 its
// u[16..31]. Each 16-bit lane's two bytes are split into even and odd
// positions (a mask, a shift) rather than widened, so a pair dot product's
// 32-bit lane sums 4 consecutive positions, one sub-block's: lanes [lo, hi,
// lo, hi] (combine_rows<true>). Same exact integers as q8k's row_block.
HWY_INLINE v128_t row_block(v128_t a, v128_t u1, const v128_t* x) {
  const v128_t low6 = wasm_i16x8_const_splat(0x3F), low8 = wasm_i16x8_const_splat(0xFF);
  const v128_t p0 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_v128_and(a, low6), x[0]),
                                   wasm_i32x4_dot_i16x8(wasm_v128_and(wasm_u16x8_shr(a, 8), low6), x[1]));
  const v128_t p1 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_v128_and(u1, low8), x[2]),
                                   wasm_i32x4_dot_i16x8(wasm_u16x8_shr(u1, 8), x[3]));
  return wasm_i32x4_add(p0, p1);
}
#endif

// The 4 rows' exact integer parts of one block (q8k_simd::group_block's).
HWY_INLINE hn::Vec<D32> group_block(const uint8_t* block, const int8_t* x, const int8_t* sc,
                                    const int32_t* offsets) {
#if HWY_TARGET == HWY_WASM
  v128_t xs[4];
  load_x_even_odd(x, xs);
  v128_t r[kQ6KRowGroup];
  for (size_t pair = 0; pair < kQ6KRowGroup / 2; ++pair) {
    const v128_t n = wasm_v128_load(block + (kQ6KRowGroup + pair) * kQ6KHalf);
    const v128_t a = wasm_v128_load(block + 2 * pair * kQ6KHalf);
    const v128_t b = wasm_v128_load(block + (2 * pair + 1) * kQ6KHalf);
    r[2 * pair] = row_block(a, q6k_unpack::high_half(n, a), xs);
    r[2 * pair + 1] = row_block(b, q6k_unpack::high_half(wasm_u16x8_shr(n, 4), b), xs);
  }
  return q8k_simd::combine_rows<true>(r, sc, offsets);
#else
  HWY_ALIGN uint8_t u[kQ6KRowGroup * kQ8KBlock];
  q6k_unpack::unpack_block_bytes(block, u);
  return q8k_simd::group_block(reinterpret_cast<const int8_t*>(u), x, sc, offsets);
#endif
}

}  // namespace

void q6k_gemv_ukernel__simd(size_t rows, size_t k, const uint8_t* data, const float* scales,
                            const int8_t* x_ordered, const int32_t* x_offsets, const float* x_scales,
                            const float* bias, float* y) {
  const D4 df;
  for (size_t r0 = 0; r0 < rows; r0 += kQ6KRowGroup) {
    auto facc = hn::Zero(df);
    for (size_t s = 0; s < q8k_supers(k); ++s, data += kQ6KGroupBytes, scales += kQ6KGroupFloats) {
      const auto d = hn::LoadU(df, scales);
      const int8_t* sc = reinterpret_cast<const int8_t*>(data + kQ6KGroupScOffset);
      for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
        const size_t xb = s * (kQ8KSuperBlock / kQ8KBlock) + b;
        const auto a = group_block(data + b * kQ6KBlockBytes, x_ordered + xb * kQ8KBlock,
                                   sc + b * kQ8KGroupScBlock, x_offsets + 2 * xb);
        facc = q8k_simd::block_add(a, nullptr, 0, d, d, false, x_scales[xb], 0.0f, facc);
      }
    }
    q8k_simd::store_group(facc, std::min(kQ6KRowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
