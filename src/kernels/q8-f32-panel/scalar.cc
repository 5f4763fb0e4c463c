// Plain-loop q8 panel dequantization (the only form; see panel.h).
#include <algorithm>

#include "kernels/gemm/packed_layout.h"
#include "kernels/q8-f32-panel/panel.h"

namespace qkv {

void q8_f32_panel_ukernel__scalar(size_t nc, size_t k, size_t k0, size_t kc, const int8_t* q,
                                  const float* scales, float* panel) {
  const size_t nr = gemm_nr();
  for (size_t j = 0; j < nr; ++j) {
    if (j >= nc) {
      for (size_t i = 0; i < kc; ++i) panel[i * nr + j] = 0.0f;
      continue;
    }
    for (size_t i0 = 0; i0 < kc; i0 += kQ8BlockSize) {
      const size_t at = q8_grouped_block(j, (k0 + i0) / kQ8BlockSize, k);
      const int8_t* qb = q + at * kQ8BlockSize;
      const float scale = scales[at];
      for (size_t i = i0; i < std::min(kc, i0 + kQ8BlockSize); ++i)
        panel[i * nr + j] = scale * float(qb[i - i0]);
    }
  }
}

}  // namespace qkv
