// Highway f32 GEMM microkernel: MR = 1..kGemmMr rows, each holding NR = 2 vectors
// of accumulators; one broadcast of A per row and k serves both vectors.
#include <hwy/highway.h>

#include "kernels/f32-gemm/gemm.h"
#include "kernels/gemm/simd-inl.h"

namespace qkv {
namespace {

using namespace gemm_simd;  // NOLINT(build/namespaces): D, V, hn and the row helpers

template <size_t MR>
HWY_INLINE void gemm_rows(size_t nc, size_t kc, const float* a, size_t a_stride, const float* w,
                          size_t w_stride, const float* bias, float* c, size_t c_stride, bool accumulate) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  V acc0[MR], acc1[MR];
  for (size_t m = 0; m < MR; ++m) acc0[m] = acc1[m] = hn::Zero(d);
  for (size_t k = 0; k < kc; ++k) {
    const V b0 = hn::LoadU(d, w);
    const V b1 = hn::LoadU(d, w + lanes);
    w += w_stride;
    for (size_t m = 0; m < MR; ++m) {
      const V x = hn::Set(d, a[m * a_stride + k]);
      acc0[m] = madd(x, b0, acc0[m]);
      acc1[m] = madd(x, b1, acc1[m]);
    }
  }
  V init0 = hn::Zero(d), init1 = hn::Zero(d);
  if (!accumulate && bias != nullptr) load_row(d, bias, nc, init0, init1);
  for (size_t m = 0; m < MR; ++m) {
    if (accumulate) load_row(d, c + m * c_stride, nc, init0, init1);
    store_row(d, hn::Add(acc0[m], init0), hn::Add(acc1[m], init1), nc, c + m * c_stride);
  }
}

// gemm_rows<mr> for a runtime mr in 1..MR.
template <size_t MR>
HWY_INLINE void gemm_rows_upto(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                               const float* w, size_t w_stride, const float* bias, float* c, size_t c_stride,
                               bool accumulate) {
  if constexpr (MR > 1) {
    if (mr < MR)
      return gemm_rows_upto<MR - 1>(mr, nc, kc, a, a_stride, w, w_stride, bias, c, c_stride, accumulate);
  }
  gemm_rows<MR>(nc, kc, a, a_stride, w, w_stride, bias, c, c_stride, accumulate);
}

}  // namespace

void f32_gemm_ukernel_4xnr__simd(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                 const float* panel, size_t panel_stride, const float* bias, float* c,
                                 size_t c_stride, bool accumulate) {
  gemm_rows_upto<kGemmMr>(mr, nc, kc, a, a_stride, panel, panel_stride, bias, c, c_stride, accumulate);
}

}  // namespace qkv
