// ggml Q5_K / Q6_K rows -> q8k super-blocks (to_q8k.h).
#include "kernels/ggml/to_q8k.h"

#include "kernels/common/f16.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"

namespace qkv {
namespace ggml {

void q5_K_to_q8k_row(const void* blocks, int64_t k, Q8KSuper* out) {
  const BlockQ5_K* x = static_cast<const BlockQ5_K*>(blocks);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    Q8KSuper& o = out[i];
    o.d = f16_to_f32(x[i].d.bits());
    o.dmin = f16_to_f32(x[i].dmin.bits());
    for (int b = 0; b < 8; ++b) {
      uint8_t sc, mn;
      get_scale_min_k4(b, x[i].scales, &sc, &mn);
      o.sc[2 * b] = o.sc[2 * b + 1] = static_cast<int8_t>(sc);  // 6 bits: fits
      o.mn[b] = static_cast<int8_t>(mn);
      // Sub-block b: low (b even) or high (b odd) nibbles of run b / 2, bit b of qh.
      const uint8_t* run = x[i].qs + 32 * (b / 2);
      const int shift = 4 * (b % 2);
      for (int l = 0; l < 32; ++l) {
        o.q[32 * b + l] = static_cast<int8_t>(((run[l] >> shift) & 0x0F) | ((x[i].qh[l] >> b) & 1) << 4);
      }
    }
  }
}

void q6_K_to_q8k_row(const void* blocks, int64_t k, Q8KSuper* out) {
  const BlockQ6_K* x = static_cast<const BlockQ6_K*>(blocks);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    Q8KSuper& o = out[i];
    o.d = f16_to_f32(x[i].d.bits());
    o.dmin = 0.0f;
    for (int j = 0; j < 16; ++j) o.sc[j] = x[i].scales[j];
    for (int b = 0; b < 8; ++b) o.mn[b] = 0;
    // Each half of 128 values: ql's 64 bytes and qh's 32, as dequantize_row_q6_K reads them.
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = x[i].ql + 64 * h;
      const uint8_t* qh = x[i].qh + 32 * h;
      int8_t* q = o.q + 128 * h;
      for (int l = 0; l < 32; ++l) {
        q[l] = static_cast<int8_t>(((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32);
        q[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32);
        q[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32);
        q[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32);
      }
    }
  }
}

}  // namespace ggml
}  // namespace qkv
