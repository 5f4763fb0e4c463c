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
// q8k_simd::row_block on one row's unpacked u (lanes [lo, lo, hi, hi]).
HWY_INLINE v128_t row_block(const v128_t* u, const v128_t* x16) {
  const v128_t a = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(u[0]), x16[0]),
                                  wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(u[0]), x16[1]));
  const v128_t b = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(u[1]), x16[2]),
                                  wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(u[1]), x16[3]));
  return wasm_i32x4_add(a, b);
}
#endif

// The 4 rows' exact integer parts of one block (q8k_simd::group_block's).
HWY_INLINE hn::Vec<D32> group_block(const uint8_t* block, const int8_t* x, const int8_t* sc,
                                    const int32_t* offsets) {
#if HWY_TARGET == HWY_WASM
  v128_t u[kQ6KRowGroup][2];
  q6k_unpack::unpack_block(block, u);
  const q8k_simd::X16 x16 = q8k_simd::load_x(x);
  const v128_t r[kQ6KRowGroup] = {row_block(u[0], x16.v), row_block(u[1], x16.v), row_block(u[2], x16.v),
                                  row_block(u[3], x16.v)};
  return q8k_simd::combine_rows(r, sc, offsets);
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
