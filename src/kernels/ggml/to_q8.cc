// ggml Q8_0 / Q5_0 / Q4_0 rows -> qkv q8 rows (to_q8.h). Value order within
// a block as ggml's dequantize_row_q5_0 / dequantize_row_q4_0 read it.
#include "kernels/ggml/to_q8.h"

#include "kernels/common/f16.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/dequant.h"
#include "kernels/ggml/k4_sub_blocks.h"

namespace qkv {
namespace ggml {

namespace {

// A block's d as q8 keeps it (f32, exact) or as q8h does (the f16 bits).
float scale_from(Half d, float*) { return f16_to_f32(d.bits()); }
uint16_t scale_from(Half d, uint16_t*) { return d.bits(); }

template <class Scale>
size_t q8_0_row(const void* blocks, int64_t k, int8_t* q, Scale* scales) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(blocks);
  size_t min_count = 0;
  for (int64_t b = 0; b < k / kQK8_0; ++b) {
    scales[b] = scale_from(x[b].d, scales);
    for (int j = 0; j < kQK8_0; ++j) {
      q[b * kQK8_0 + j] = x[b].qs[j];
      min_count += x[b].qs[j] == -128;
    }
  }
  return min_count;
}

template <class Scale>
void q5_0_row(const void* blocks, int64_t k, int8_t* q, Scale* scales) {
  const BlockQ5_0* x = static_cast<const BlockQ5_0*>(blocks);
  for (int64_t b = 0; b < k / kQK5_0; ++b) {
    scales[b] = scale_from(x[b].d, scales);
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

template <class Scale>
void q4_0_row(const void* blocks, int64_t k, int8_t* q, Scale* scales) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(blocks);
  for (int64_t b = 0; b < k / kQK4_0; ++b) {
    scales[b] = scale_from(x[b].d, scales);
    int8_t* out = q + b * kQK4_0;
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      out[j] = static_cast<int8_t>((x[b].qs[j] & 0x0F) - 8);
      out[j + kQK4_0 / 2] = static_cast<int8_t>((x[b].qs[j] >> 4) - 8);
    }
  }
}

}  // namespace

size_t q8_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  return q8_0_row(blocks, k, q, scales);
}
void q5_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  q5_0_row(blocks, k, q, scales);
}
void q4_0_to_q8_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  q4_0_row(blocks, k, q, scales);
}
size_t q8_0_to_q8h_row(const void* blocks, int64_t k, int8_t* q, uint16_t* scales) {
  return q8_0_row(blocks, k, q, scales);
}
void q5_0_to_q8h_row(const void* blocks, int64_t k, int8_t* q, uint16_t* scales) {
  q5_0_row(blocks, k, q, scales);
}
void q4_0_to_q8h_row(const void* blocks, int64_t k, int8_t* q, uint16_t* scales) {
  q4_0_row(blocks, k, q, scales);
}

void q5_1_to_q8_offset_row(const void* blocks, int64_t k, int8_t* q, float* d, float* m) {
  const BlockQ5_1* x = static_cast<const BlockQ5_1*>(blocks);
  for (int64_t b = 0; b < k / kQK5_1; ++b) {
    d[b] = f16_to_f32(x[b].d.bits());
    m[b] = f16_to_f32(x[b].m.bits());
    const uint32_t qh = static_cast<uint32_t>(x[b].qh[0]) | static_cast<uint32_t>(x[b].qh[1]) << 8 |
                        static_cast<uint32_t>(x[b].qh[2]) << 16 | static_cast<uint32_t>(x[b].qh[3]) << 24;
    int8_t* out = q + b * kQK5_1;
    for (int j = 0; j < kQK5_1 / 2; ++j) {
      out[j] = static_cast<int8_t>((x[b].qs[j] & 0x0F) | ((qh >> j) & 1) << 4);
      out[j + kQK5_1 / 2] = static_cast<int8_t>((x[b].qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4);
    }
  }
}

void q5_K_to_q8_offset_row(const void* blocks, int64_t k, int8_t* q, float* d, float* m) {
  // Bit 4 of value l of sub-block j is bit j of qh[l].
  for_each_k4_sub_block(static_cast<const BlockQ5_K*>(blocks), k, d, m,
                        [&](const BlockQ5_K& x, int64_t b, int j, const uint8_t* run, int shift) {
                          for (int l = 0; l < 32; ++l) {
                            q[b * 32 + l] =
                                static_cast<int8_t>(((run[l] >> shift) & 0x0F) | ((x.qh[l] >> j) & 1) << 4);
                          }
                        });
}

void q6_K_to_q8_16_row(const void* blocks, int64_t k, int8_t* q, float* scales) {
  const BlockQ6_K* x = static_cast<const BlockQ6_K*>(blocks);
  for (int64_t i = 0; i < k / kQK_K; ++i) {
    const float d = f16_to_f32(x[i].d.bits());
    for (int j = 0; j < 16; ++j) scales[i * 16 + j] = d * static_cast<float>(x[i].scales[j]);
    int8_t* out = q + i * kQK_K;
    // Each half of 128 values: 64 ql bytes, 32 qh bytes. Value l (< 32) and
    // l + 64 share ql[l] (low, high nibble), l + 32 and l + 96 share ql[l + 32];
    // their top two bits are bits 0-1, 4-5, 2-3, 6-7 of qh[l].
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = x[i].ql + 64 * half;
      const uint8_t* qh = x[i].qh + 32 * half;
      int8_t* o = out + 128 * half;
      for (int l = 0; l < 32; ++l) {
        o[l] = static_cast<int8_t>(((ql[l] & 0x0F) | ((qh[l] >> 0) & 3) << 4) - 32);
        o[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4) - 32);
        o[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32);
        o[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32);
      }
    }
  }
}

}  // namespace ggml
}  // namespace qkv
