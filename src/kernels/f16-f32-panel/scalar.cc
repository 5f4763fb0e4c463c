// Plain-loop f16 panel conversion: the oracle for simd.cc.
#include "kernels/common/f16.h"
#include "kernels/f16-f32-panel/panel.h"
#include "kernels/gemm/packed_layout.h"

namespace qkv {

void f16_f32_panel_ukernel__scalar(size_t rows, const uint16_t* src, size_t src_stride, float* dst) {
  const size_t nr = gemm_nr();
  for (size_t i = 0; i < rows; ++i, src += src_stride, dst += nr) {
    for (size_t j = 0; j < nr; ++j) dst[j] = f16_to_f32(src[j]);
  }
}

}  // namespace qkv
