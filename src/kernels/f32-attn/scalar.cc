#include <cmath>
#include <limits>

#include "kernels/f32-attn/attn.h"

namespace qkv {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float score(const AttnUkernelArgs& a, const float* q, size_t t) {
  const float* k = a.k + t * a.kv_token_stride;
  float dot = 0.0f;
  for (size_t d = 0; d < a.head_dim; ++d) dot += q[d] * k[d];
  return dot * a.scale + (a.key_mask != nullptr ? a.key_mask[t] : 0.0f);
}

}  // namespace

void f32_attn_ukernel__scalar(const AttnUkernelArgs& a) {
  for (size_t r = 0; r < a.n_rows; ++r) {
    float acc[kAttnMaxHeadDim] = {};
    float max_score = kNegInf;
    float sum = 0.0f;
    for (size_t t = 0; t < a.kv_len[r]; ++t) {
      const float s = score(a, a.q[r], t);
      // Skipping masked keys outright keeps exp(-inf - -inf) = NaN out of a
      // row that is masked so far.
      if (s == kNegInf) continue;
      if (s > max_score) {
        const float rescale = std::exp(max_score - s);
        for (size_t d = 0; d < a.head_dim; ++d) acc[d] *= rescale;
        sum *= rescale;
        max_score = s;
      }
      const float p = std::exp(s - max_score);
      sum += p;
      const float* v = a.v + t * a.kv_token_stride;
      for (size_t d = 0; d < a.head_dim; ++d) acc[d] += p * v[d];
    }
    const float inv_sum = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (size_t d = 0; d < a.head_dim; ++d) a.out[r][d] = acc[d] * inv_sum;
  }
}

void f32_attn_probs_ukernel__scalar(const AttnUkernelArgs& a) {
  for (size_t r = 0; r < a.n_rows; ++r) {
    float* probs = a.probs[r];
    const size_t len = a.kv_len[r];
    float max_score = kNegInf;
    for (size_t t = 0; t < len; ++t) {
      probs[t] = score(a, a.q[r], t);
      max_score = std::fmax(max_score, probs[t]);
    }
    float sum = 0.0f;
    for (size_t t = 0; t < len; ++t) {
      probs[t] = probs[t] == kNegInf ? 0.0f : std::exp(probs[t] - max_score);
      sum += probs[t];
    }
    const float inv_sum = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (size_t t = 0; t < len; ++t) probs[t] *= inv_sum;
    for (size_t t = len; t < a.n_kv; ++t) probs[t] = 0.0f;

    float acc[kAttnMaxHeadDim] = {};
    for (size_t t = 0; t < len; ++t) {
      const float* v = a.v + t * a.kv_token_stride;
      for (size_t d = 0; d < a.head_dim; ++d) acc[d] += probs[t] * v[d];
    }
    for (size_t d = 0; d < a.head_dim; ++d) a.out[r][d] = acc[d];
  }
}

}  // namespace qkv
