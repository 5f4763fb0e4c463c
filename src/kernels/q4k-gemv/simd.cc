// Highway q4k GEMV: one row group (4 rows) per pass; per super-block its
// scales expanded into q4's form on the stack (expand-inl.h), then q4's block
// loop over it (q4_group_blocks in q4-gemv/group-inl.h), so q4's bits.
#include <algorithm>

#include "kernels/common/q4k.h"
#include "kernels/q4-gemv/group-inl.h"
#include "kernels/q4k-gemv/expand-inl.h"
#include "kernels/q4k-gemv/gemv.h"

namespace qkv {

void q4k_gemv_ukernel__simd(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                            const int16_t* x_form, const float* x_scales, const float* x_sums,
                            const float* bias, float* y) {
  constexpr size_t kSuperQ = kQ4RowGroup * kQ4KBlocksPerSuper * kQ4BlockBytes;
  HWY_ALIGN float s[2 * kQ4RowGroup * kQ4KBlocksPerSuper];
  for (size_t r0 = 0; r0 < rows; r0 += kQ4RowGroup) {
    auto facc = hwy::HWY_NAMESPACE::Zero(q4_simd::D4());
    for (size_t sb = 0; sb < q4k_supers(k); ++sb, data += kSuperQ, scales += kQ4KGroupScaleBytes) {
      q4k_expand::expand(scales, s);
      const size_t b = sb * kQ4KBlocksPerSuper;
      facc = q4_simd::q4_group_blocks(kQ4KBlocksPerSuper, data, s, x_form + b * kQ4BlockSize, x_scales + b,
                                      x_sums + b, facc);
    }
    q4_simd::store_group(facc, std::min(kQ4RowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
