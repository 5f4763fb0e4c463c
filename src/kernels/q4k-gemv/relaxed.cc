// Relaxed-SIMD q4k GEMV: simd.cc's passes with the relaxed q4 block loop
// (q4-gemv/relaxed-inl.h), so the relaxed q4 GEMV's bits, and so SIMD128's.
#if defined(__wasm_relaxed_simd__)
#include <algorithm>

#include "kernels/common/q4k.h"
#include "kernels/q4-gemv/relaxed-inl.h"
#include "kernels/q4k-gemv/expand-inl.h"
#include "kernels/q4k-gemv/gemv.h"

namespace qkv {
namespace {

// expand-inl.h's d and m as the relaxed loop's v128_t.
struct RawHalf {
  const q4k_expand::Half& half;
  v128_t d(size_t i) const { return half.d(i).raw; }
  v128_t m(size_t i) const { return half.m(i).raw; }
};

}  // namespace

void q4k_gemv_ukernel__relaxed(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                               const int8_t* x, const float* x_scales, const float* x_sums, const float* bias,
                               float* y) {
  constexpr size_t kHalf = kQ4KBlocksPerSuper / 2, kHalfQ = kQ4RowGroup * kHalf * kQ4BlockBytes;
  for (size_t r0 = 0; r0 < rows; r0 += kQ4RowGroup) {
    v128_t facc = wasm_f32x4_const_splat(0.0f);
    for (size_t sb = 0; sb < q4k_supers(k); ++sb, scales += kQ4KGroupScaleBytes) {
      const q4k_expand::Super s = q4k_expand::load(scales);
      for (const q4k_expand::Half* half : {&s.lo, &s.hi}) {
        facc = q4_relaxed::q4_group_blocks(kHalf, data, RawHalf{*half}, x, x_scales, x_sums, facc);
        data += kHalfQ;
        x += kHalf * kQ4BlockSize;
        x_scales += kHalf;
        x_sums += kHalf;
      }
    }
    x -= k;
    x_scales -= k / kQ4BlockSize;
    x_sums -= k / kQ4BlockSize;
    q4_relaxed::store_group(facc, std::min(kQ4RowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
#endif
