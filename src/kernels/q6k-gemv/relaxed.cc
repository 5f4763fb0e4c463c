// Relaxed-SIMD q6k GEMV: simd.cc's passes on the relaxed int8 dot product;
// each block's u unpacked in registers (unpack-inl.h), then the relaxed q8k
// GEMV's integer and float steps (q8k-gemv/relaxed-inl.h), so its bits.
#if defined(__wasm_relaxed_simd__)
#include <algorithm>

#include "kernels/q6k-gemv/gemv.h"
#include "kernels/q6k-gemv/unpack-inl.h"
#include "kernels/q8k-gemv/relaxed-inl.h"

namespace qkv {
namespace {

// The 4 rows' exact integer parts of one block (q8k_relaxed::group_block's).
inline v128_t group_block(const uint8_t* block, const int8_t* x, const int8_t* sc, const int32_t* offsets) {
  v128_t u[kQ6KRowGroup][2];
  q6k_unpack::unpack_block(block, u);
  const v128_t x0 = wasm_v128_load(x), x1 = wasm_v128_load(x + 16);
  v128_t r[kQ6KRowGroup];
  for (size_t i = 0; i < kQ6KRowGroup; ++i) {
    r[i] = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(
        x1, u[i][1], wasm_i32x4_relaxed_dot_i8x16_i7x16_add(x0, u[i][0], wasm_i32x4_const_splat(0)));
  }
  return q8k_relaxed::combine_rows(r, sc, offsets);
}

}  // namespace

void q6k_gemv_ukernel__relaxed(size_t rows, size_t k, const uint8_t* data, const float* scales,
                               const int8_t* x_ordered, const int32_t* x_offsets, const float* x_scales,
                               const float* bias, float* y) {
  for (size_t r0 = 0; r0 < rows; r0 += kQ6KRowGroup) {
    v128_t facc = wasm_f32x4_const_splat(0.0f);
    for (size_t s = 0; s < q8k_supers(k); ++s, data += kQ6KGroupBytes, scales += kQ6KGroupFloats) {
      const v128_t d = wasm_v128_load(scales);
      const int8_t* sc = reinterpret_cast<const int8_t*>(data + kQ6KGroupScOffset);
      for (size_t b = 0; b < kQ8KSuperBlock / kQ8KBlock; ++b) {
        const size_t xb = s * (kQ8KSuperBlock / kQ8KBlock) + b;
        const v128_t a = group_block(data + b * kQ6KBlockBytes, x_ordered + xb * kQ8KBlock,
                                     sc + b * kQ8KGroupScBlock, x_offsets + 2 * xb);
        facc = q8k_relaxed::block_add(a, nullptr, 0, d, d, false, x_scales[xb], 0.0f, facc);
      }
    }
    q8k_relaxed::store_group(facc, std::min(kQ6KRowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
#endif
