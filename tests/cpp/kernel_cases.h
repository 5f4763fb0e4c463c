// What the kernel tests share: the awkward sizes they sweep and the tables
// of each family's forms (scalar reference, SIMD), so a new form of a kernel
// or a new awkward length is added in one place.
//   for (const auto& k : kF32AddKernels) for (size_t n : sweep_sizes({65537})) ...
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <vector>

#include "kernels/cvt/cvt.h"
#include "kernels/f16-f32-panel/panel.h"
#include "kernels/f32-add/add.h"
#include "kernels/f32-argmax/argmax.h"
#include "kernels/f32-geglu/geglu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "kernels/f32-rmsnorm/rmsnorm.h"
#include "kernels/f32-rope/rope.h"
#include "kernels/f32-silu/silu.h"
#include "kernels/f32-softmax/softmax.h"
#include "kernels/f32-swiglu/swiglu.h"
#include "kernels/q8/quant.h"

namespace qkv {

// 1, every remainder of the widest vector (16 f32 lanes with AVX-512), and
// one, two and four vectors and a q8 block with one value short or over.
inline constexpr size_t kTailSizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127};

// kTailSizes followed by `more`.
inline std::vector<size_t> tail_sizes_and(std::initializer_list<size_t> more) {
  std::vector<size_t> sizes(std::begin(kTailSizes), std::end(kTailSizes));
  sizes.insert(sizes.end(), more.begin(), more.end());
  return sizes;
}

// The usual sweep of a row kernel: kTailSizes, GPT-2's width 768, 1000, the
// prime 4099, then `more` (a vocabulary, a row past 64K, ...).
inline std::vector<size_t> sweep_sizes(std::initializer_list<size_t> more = {}) {
  std::vector<size_t> sizes = tail_sizes_and({768, 1000, 4099});
  sizes.insert(sizes.end(), more.begin(), more.end());
  return sizes;
}

// One form of a kernel, named for SCOPED_TRACE.
template <class Fn>
struct NamedKernel {
  const char* name;
  Fn fn;
};

inline const NamedKernel<F32AddUkernelFn> kF32AddKernels[] = {{"scalar", f32_add_ukernel__scalar},
                                                              {"simd", f32_add_ukernel__simd}};
inline const NamedKernel<F32ArgmaxUkernelFn> kF32ArgmaxKernels[] = {{"scalar", f32_argmax_ukernel__scalar},
                                                                    {"simd", f32_argmax_ukernel__simd}};
inline const NamedKernel<F32LayerNormUkernelFn> kF32LayerNormKernels[] = {
    {"scalar", f32_layernorm_ukernel__scalar}, {"simd", f32_layernorm_ukernel__simd}};
inline const NamedKernel<F32RmsNormUkernelFn> kF32RmsNormKernels[] = {{"scalar", f32_rmsnorm_ukernel__scalar},
                                                                      {"simd", f32_rmsnorm_ukernel__simd}};
inline const NamedKernel<F32RopeUkernelFn> kF32RopeKernels[] = {{"scalar", f32_rope_ukernel__scalar},
                                                                {"simd", f32_rope_ukernel__simd}};
inline const NamedKernel<F32SiluUkernelFn> kF32SiluKernels[] = {{"scalar", f32_silu_ukernel__scalar},
                                                                {"simd", f32_silu_ukernel__simd}};
inline const NamedKernel<F32SoftmaxUkernelFn> kF32SoftmaxKernels[] = {{"scalar", f32_softmax_ukernel__scalar},
                                                                      {"simd", f32_softmax_ukernel__simd}};
inline const NamedKernel<F32SwigluUkernelFn> kF32SwigluKernels[] = {{"scalar", f32_swiglu_ukernel__scalar},
                                                                    {"simd", f32_swiglu_ukernel__simd}};
inline const NamedKernel<F32GegluUkernelFn> kF32GegluKernels[] = {{"scalar", f32_geglu_ukernel__scalar},
                                                                  {"simd", f32_geglu_ukernel__simd}};
inline const NamedKernel<F32GegluUkernelFn> kF32GegluErfKernels[] = {
    {"scalar", f32_geglu_erf_ukernel__scalar}, {"simd", f32_geglu_erf_ukernel__simd}};
inline const NamedKernel<F16ToF32UkernelFn> kF16ToF32Kernels[] = {{"scalar", f16_to_f32_ukernel__scalar},
                                                                  {"simd", f16_to_f32_ukernel__simd}};
inline const NamedKernel<F16ToF32UkernelFn> kBf16ToF32Kernels[] = {{"scalar", bf16_to_f32_ukernel__scalar},
                                                                   {"simd", bf16_to_f32_ukernel__simd}};
inline const NamedKernel<F32ToF16UkernelFn> kF32ToF16Kernels[] = {{"scalar", f32_to_f16_ukernel__scalar},
                                                                  {"simd", f32_to_f16_ukernel__simd}};
inline const NamedKernel<F16F32PanelUkernelFn> kF16F32PanelKernels[] = {
    {"scalar", f16_f32_panel_ukernel__scalar}, {"simd", f16_f32_panel_ukernel__simd}};

// q8 rows: a quantizer and its dequantizer, tested as a pair.
struct Q8RowKernels {
  const char* name;
  F32ToQ8RowFn quantize;
  Q8ToF32RowFn dequantize;
};
inline const Q8RowKernels kQ8RowKernels[] = {{"scalar", f32_to_q8_row__scalar, q8_to_f32_row__scalar},
                                             {"simd", f32_to_q8_row__simd, q8_to_f32_row__simd}};

}  // namespace qkv
