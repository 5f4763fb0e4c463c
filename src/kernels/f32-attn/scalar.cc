#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/common/f16.h"
#include "kernels/f32-attn/attn.h"

namespace qkv {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline float to_f32(float x) { return x; }
inline float to_f32(uint16_t h) { return f16_to_f32(h); }

// K and V of one call, typed: float for the f32 cache, uint16_t (binary16
// bits) for the f16 one.
template <typename T>
struct Kv {
  const T* k;
  const T* v;
  explicit Kv(const AttnUkernelArgs& a) : k(static_cast<const T*>(a.k)), v(static_cast<const T*>(a.v)) {}
};

template <typename T>
float score(const AttnUkernelArgs& a, const Kv<T>& kv, const float* q, size_t t) {
  const T* k = kv.k + t * a.kv_token_stride;
  float dot = 0.0f;
  for (size_t d = 0; d < a.head_dim; ++d) dot += q[d] * to_f32(k[d]);
  return dot * a.scale + (a.key_mask != nullptr ? a.key_mask[t] : 0.0f);
}

template <typename T>
void fused(const AttnUkernelArgs& a) {
  const Kv<T> kv(a);
  for (size_t r = 0; r < a.n_rows; ++r) {
    float acc[kAttnMaxHeadDim] = {};
    float max_score = kNegInf;
    float sum = 0.0f;
    for (size_t t = a.kv_begin[r]; t < a.kv_len[r]; ++t) {
      const float s = score(a, kv, a.q[r], t);
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
      const T* v = kv.v + t * a.kv_token_stride;
      for (size_t d = 0; d < a.head_dim; ++d) acc[d] += p * to_f32(v[d]);
    }
    const float inv_sum = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (size_t d = 0; d < a.head_dim; ++d) a.out[r][d] = acc[d] * inv_sum;
  }
}

template <typename T>
void with_probs(const AttnUkernelArgs& a) {
  const Kv<T> kv(a);
  for (size_t r = 0; r < a.n_rows; ++r) {
    float* probs = a.probs[r];
    const size_t begin = a.kv_begin[r], len = a.kv_len[r];
    for (size_t t = 0; t < begin; ++t) probs[t] = 0.0f;
    float max_score = kNegInf;
    for (size_t t = begin; t < len; ++t) {
      probs[t] = score(a, kv, a.q[r], t);
      max_score = std::fmax(max_score, probs[t]);
    }
    float sum = 0.0f;
    for (size_t t = begin; t < len; ++t) {
      probs[t] = probs[t] == kNegInf ? 0.0f : std::exp(probs[t] - max_score);
      sum += probs[t];
    }
    const float inv_sum = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (size_t t = begin; t < len; ++t) probs[t] *= inv_sum;
    for (size_t t = len; t < a.n_kv; ++t) probs[t] = 0.0f;

    float acc[kAttnMaxHeadDim] = {};
    for (size_t t = begin; t < len; ++t) {
      const T* v = kv.v + t * a.kv_token_stride;
      for (size_t d = 0; d < a.head_dim; ++d) acc[d] += probs[t] * to_f32(v[d]);
    }
    for (size_t d = 0; d < a.head_dim; ++d) a.out[r][d] = acc[d];
  }
}

}  // namespace

void f32_attn_ukernel__scalar(const AttnUkernelArgs& a) {
  if (a.kv_dtype == KvDtype::kF16) return fused<uint16_t>(a);
  return fused<float>(a);
}

void f32_attn_probs_ukernel__scalar(const AttnUkernelArgs& a) {
  if (a.kv_dtype == KvDtype::kF16) return with_probs<uint16_t>(a);
  return with_probs<float>(a);
}

}  // namespace qkv
