// Relaxed-SIMD q4k GEMV: simd.cc's passes with the relaxed q4 block loop
// (q4-gemv/relaxed-inl.h), so the relaxed q4 GEMV's bits, and so SIMD128's.
#if defined(__wasm_relaxed_simd__)
#include <algorithm>

#include "kernels/common/q4k.h"
#include "kernels/q4-gemv/relaxed-inl.h"
#include "kernels/q4k-gemv/expand-inl.h"
#include "kernels/q4k-gemv/gemv.h"

namespace qkv {

void q4k_gemv_ukernel__relaxed(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                               const int8_t* x, const float* x_scales, const float* x_sums, const float* bias,
                               float* y) {
  constexpr size_t kSuperQ = kQ4RowGroup * kQ4KBlocksPerSuper * kQ4BlockBytes;
  alignas(16) float s[2 * kQ4RowGroup * kQ4KBlocksPerSuper];
  for (size_t r0 = 0; r0 < rows; r0 += kQ4RowGroup) {
    v128_t facc = wasm_f32x4_const_splat(0.0f);
    for (size_t sb = 0; sb < q4k_supers(k); ++sb, data += kSuperQ, scales += kQ4KGroupScaleBytes) {
      q4k_expand::expand(scales, s);
      const size_t b = sb * kQ4KBlocksPerSuper;
      facc = q4_relaxed::q4_group_blocks(kQ4KBlocksPerSuper, data, s, x + b * kQ4BlockSize, x_scales + b,
                                         x_sums + b, facc);
    }
    q4_relaxed::store_group(facc, std::min(kQ4RowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
#endif
