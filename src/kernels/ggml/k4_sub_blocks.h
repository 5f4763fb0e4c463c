// The 8 sub-blocks of 32 of Q4_K / Q5_K super-blocks in qkv's affine form
// value = d * q + m: d = the super-block's d * the 6-bit scale and
// m = -(dmin * the 6-bit min), both exact in float (f16 times 6 bits). Shared
// by the repacks into q4 (to_q4.cc) and q8 with offsets (to_q8.cc).
#pragma once

#include <cstdint>

#include "kernels/common/f16.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"

namespace qkv {
namespace ggml {

// For the k / 256 super-blocks at x: sets d[b] and m[b] of each sub-block
// b = 8 i + j, then calls values(x[i], b, j, run, shift), `run` being the 32
// bytes of qs whose low (j even, shift 0) or high (j odd, shift 4) nibbles
// hold the sub-block's low 4 bits.
template <typename Block, typename Values>
void for_each_k4_sub_block(const Block* x, int64_t k, float* d, float* m, Values values) {
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float dall = f16_to_f32(x[i].d.bits());
    const float dmin = f16_to_f32(x[i].dmin.bits());
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, mn;
      get_scale_min_k4(j, x[i].scales, &sc, &mn);
      const int64_t b = i * 8 + j;
      d[b] = dall * sc;
      m[b] = -(dmin * mn);
      values(x[i], b, j, x[i].qs + 32 * (j / 2), 4 * (j % 2));
    }
  }
}

}  // namespace ggml
}  // namespace qkv
