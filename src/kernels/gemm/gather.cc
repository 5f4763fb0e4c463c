// Row lookups in PackedWeights (embedding tables shared with the LM head).
#include <string>

#include "kernels/common/f16.h"
#include "kernels/common/q4k.h"
#include "kernels/gemm/gemm.h"

namespace qkv {
namespace {

// Row r of a q8 or q8h matrix: value c is scale * q, the scale as f32 (q8h's
// f16 converted exactly): ggml's dequantize_row_q8_0 for a Q8_0 row.
template <class Scale>
void q8_row_values(const void* data, const Scale* scales, size_t k, size_t r, float* out) {
  const int8_t* q = static_cast<const int8_t*>(data);
  for (size_t c = 0; c < k; ++c) {
    const size_t block = q8_grouped_block(r, c / kQ8BlockSize, k);
    out[c] = q8_scale(scales[block]) * q[block * kQ8BlockSize + c % kQ8BlockSize];
  }
}

}  // namespace

Status packed_weights_gather_rows(const PackedWeights& w, const int32_t* ids, size_t n_ids, float* out) {
  for (size_t i = 0; i < n_ids; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= w.n) {
      return Status::invalid_argument("token id " + std::to_string(ids[i]) + " at position " +
                                      std::to_string(i) + " is outside the vocabulary [0, " +
                                      std::to_string(w.n) + ")");
    }
  }
  const size_t nr = gemm_nr(), k = w.k;
  for (size_t i = 0; i < n_ids; ++i) {
    const size_t r = static_cast<size_t>(ids[i]);
    float* dst = out + i * k;
    // Output feature r is column r % NR of panel r / NR.
    const PanelLocation at = gemm_panel_location(r / nr, w.n, k);
    const size_t base = at.offset + r % nr, stride = at.row_stride;
    switch (w.type) {
      case WeightType::kF32: {
        const float* src = static_cast<const float*>(w.data) + base;
        for (size_t c = 0; c < k; ++c) dst[c] = src[c * stride];
        break;
      }
      case WeightType::kF16: {
        const uint16_t* src = static_cast<const uint16_t*>(w.data) + base;
        for (size_t c = 0; c < k; ++c) dst[c] = f16_to_f32(src[c * stride]);
        break;
      }
      case WeightType::kQ8:
        q8_row_values(w.data, w.scales_as<float>(), k, r, dst);
        break;
      case WeightType::kQ8H:
        q8_row_values(w.data, w.scales_as<uint16_t>(), k, r, dst);
        break;
      case WeightType::kQ4: {
        // The row's blocks, dequantized as q4_to_f32_row__scalar (common/q4.h).
        const uint8_t* nibbles = static_cast<const uint8_t*>(w.data);
        for (size_t c = 0; c < k; ++c) {
          const size_t b = c / kQ4BlockSize, s = q4_grouped_d(r, b, k);
          const float* scales = w.scales_as<float>();
          const float dq =
              scales[s] * static_cast<float>(q4_nibble(nibbles + q4_grouped_block(r, b, k) * kQ4BlockBytes,
                                                       c % kQ4BlockSize));
          dst[c] = dq + scales[s + kQ4RowGroup];
        }
        break;
      }
      case WeightType::kQ8K: {
        for (size_t c = 0; c < k; ++c) dst[c] = q8k_value(w.data, w.scales_as<float>(), k, r, c);
        break;
      }
      case WeightType::kQ6K: {
        q6k_row_values(w.data, w.scales_as<float>(), k, r, dst);
        break;
      }
      case WeightType::kQ4K: {
        q4k_row_values(w.data, w.scales_as<uint8_t>(), k, r, dst);
        break;
      }
    }
  }
  return Status::ok_status();
}

}  // namespace qkv
