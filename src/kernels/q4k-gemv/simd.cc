// Highway q4k GEMV: one row group (4 rows) per pass; per super-block, q4's
// block loop (q4_group_blocks in q4-gemv/group-inl.h) over each half, its d
// and m formed in registers from Q4_K's scales (expand-inl.h), so q4's bits.
#include <algorithm>

#include "kernels/common/q4k.h"
#include "kernels/q4-gemv/group-inl.h"
#include "kernels/q4k-gemv/expand-inl.h"
#include "kernels/q4k-gemv/gemv.h"

namespace qkv {

void q4k_gemv_ukernel__simd(size_t rows, size_t k, const uint8_t* data, const uint8_t* scales,
                            const int16_t* x_form, const float* x_scales, const float* x_sums,
                            const float* bias, float* y) {
  constexpr size_t kHalf = kQ4KBlocksPerSuper / 2, kHalfQ = kQ4RowGroup * kHalf * kQ4BlockBytes;
  for (size_t r0 = 0; r0 < rows; r0 += kQ4RowGroup) {
    auto facc = hwy::HWY_NAMESPACE::Zero(q4_simd::D4());
    for (size_t sb = 0; sb < q4k_supers(k); ++sb, scales += kQ4KGroupScaleBytes) {
      const q4k_expand::Super s = q4k_expand::load(scales);
      for (const q4k_expand::Half* half : {&s.lo, &s.hi}) {
        facc = q4_simd::q4_group_blocks(kHalf, data, *half, x_form, x_scales, x_sums, facc);
        data += kHalfQ;
        x_form += kHalf * kQ4BlockSize;
        x_scales += kHalf;
        x_sums += kHalf;
      }
    }
    x_form -= k;
    x_scales -= k / kQ4BlockSize;
    x_sums -= k / kQ4BlockSize;
    q4_simd::store_group(facc, std::min(kQ4RowGroup, rows - r0), bias ? bias + r0 : nullptr, y + r0);
  }
}

}  // namespace qkv
