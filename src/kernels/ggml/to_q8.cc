// ggml Q8_0 / Q5_0 / Q4_0 rows -> qkv q8 rows (to_q8.h). Value order within
// a block as ggml's dequantize_row_q5_0 / dequantize_row_q4_0 read it.
#include "kernels/ggml/to_q8.h"

#include "kernels/common/f16.h"
#include "kernels/ggml/blocks.h"

namespace qkv {
namespace ggml {

size_t q8_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(blocks);
  size_t min_count = 0;
  for (int64_t b = 0; b < k / kQK8_0; ++b) {
    scales[b] = f16_to_f32(x[b].d.bits());
    for (int j = 0; j < kQK8_0; ++j) {
      q[b * kQK8_0 + j] = x[b].qs[j];
      min_count += x[b].qs[j] == -128;
    }
  }
  return min_count;
}

void q5_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  const BlockQ5_0* x = static_cast<const BlockQ5_0*>(blocks);
  for (int64_t b = 0; b < k / kQK5_0; ++b) {
    scales[b] = f16_to_f32(x[b].d.bits());
    const uint32_t qh = static_cast<uint32_t>(x[b].qh[0]) | static_cast<uint32_t>(x[b].qh[1]) << 8 |
                        static_cast<uint32_t>(x[b].qh[2]) << 16 | static_cast<uint32_t>(x[b].qh[3]) << 24;
    int8_t* out = q + b * kQK5_0;
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const int lo = (x[b].qs[j] & 0x0F) | ((qh >> j) & 1) << 4;
      const int hi = (x[b].qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4;
      out[j] = static_cast<int8_t>(lo - 16);
      out[j + kQK5_0 / 2] = static_cast<int8_t>(hi - 16);
    }
  }
}

void q4_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(blocks);
  for (int64_t b = 0; b < k / kQK4_0; ++b) {
    scales[b] = f16_to_f32(x[b].d.bits());
    int8_t* out = q + b * kQK4_0;
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      out[j] = static_cast<int8_t>((x[b].qs[j] & 0x0F) - 8);
      out[j + kQK4_0 / 2] = static_cast<int8_t>((x[b].qs[j] >> 4) - 8);
    }
  }
}

}  // namespace ggml
}  // namespace qkv
