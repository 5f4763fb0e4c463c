// q8 activations by sign for the relaxed-SIMD q8 kernels (quant.h).
#if defined(__wasm_relaxed_simd__)
#include <wasm_simd128.h>

#include "kernels/q8/quant.h"

namespace qkv {

void q8_split_signs_row__relaxed(size_t k, const int8_t* q, int8_t* pn) {
  const v128_t zero = wasm_i8x16_const_splat(0);
  for (size_t b = 0; b < q8_blocks(k); ++b, q += kQ8BlockSize, pn += 2 * kQ8BlockSize) {
    for (size_t h = 0; h < kQ8BlockSize; h += 16) {
      const v128_t v = wasm_v128_load(q + h);
      const v128_t p = wasm_i8x16_max(v, zero);
      wasm_v128_store(pn + h, p);
      // p - v is -v for v < 0 and 0 otherwise; saturating, so even -128 stays below 128.
      wasm_v128_store(pn + kQ8BlockSize + h, wasm_i8x16_sub_sat(p, v));
    }
  }
}

}  // namespace qkv
#endif
