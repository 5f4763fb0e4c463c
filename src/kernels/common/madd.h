// madd(a, b, c) = a * b + c on Highway float vectors, for the f32 kernels'
// inner loops. Where the build has WebAssembly relaxed SIMD (the qkv-relaxed
// flavours, -mrelaxed-simd) it is f32x4.relaxed_madd: the engine may fuse it
// into one FMA (V8 does on x86 with FMA3) or keep the multiply's rounding, so
// results may differ from the unfused SIMD128 build by that one rounding per
// term. Elsewhere it is hn::MulAdd: fused on native AVX2/AVX-512, a multiply
// then an add on plain SIMD128 (which has no FMA).
#pragma once

#include <hwy/highway.h>

#if defined(__wasm_relaxed_simd__) && HWY_TARGET == HWY_WASM
#include <wasm_simd128.h>

#include <type_traits>
#define QKV_RELAXED_MADD 1
#else
#define QKV_RELAXED_MADD 0
#endif

namespace qkv {

template <class V>
HWY_INLINE V madd(V a, V b, V c) {
#if QKV_RELAXED_MADD
  if constexpr (std::is_same_v<hwy::HWY_NAMESPACE::TFromV<V>, float>) {
    return V{wasm_f32x4_relaxed_madd(a.raw, b.raw, c.raw)};
  }
#endif
  return hwy::HWY_NAMESPACE::MulAdd(a, b, c);
}

}  // namespace qkv
