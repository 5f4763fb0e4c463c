// Highway f16 panel conversion: the f16 GEMV's widening (kernels/gemm/simd-inl.h)
// and one multiply by 2^112 per vector.
#include "kernels/f16-f32-panel/panel.h"
#include "kernels/gemm/simd-inl.h"

namespace qkv {

void f16_f32_panel_ukernel__simd(size_t rows, const uint16_t* src, size_t src_stride, float* dst) {
  using namespace gemm_simd;  // NOLINT(build/namespaces): D, V, hn, load_f16_scaled
  const D d;
  const size_t lanes = hn::Lanes(d);
  const V scale = hn::Set(d, 0x1.0p112f);
  for (size_t i = 0; i < rows; ++i, src += src_stride, dst += 2 * lanes) {
    V lo, hi;
    load_f16_scaled(d, src, lo, hi);
    hn::StoreU(hn::Mul(lo, scale), d, dst);
    hn::StoreU(hn::Mul(hi, scale), d, dst + lanes);
  }
}

}  // namespace qkv
