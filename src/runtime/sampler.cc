#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "kernels/f32-argmax/argmax.h"

namespace qkv {
namespace {

// An index in [0, count) drawn with probability weight_at(i) / sum of them,
// or count when rounding leaves the draw past the last one.
template <class WeightAt>
size_t draw(size_t count, WeightAt weight_at, Pcg32& rng) {
  double sum = 0.0;
  for (size_t i = 0; i < count; ++i) sum += weight_at(i);
  const double target = static_cast<double>(rng.uniform()) * sum;
  double acc = 0.0;
  for (size_t i = 0; i < count; ++i) {
    acc += weight_at(i);
    if (target < acc) return i;
  }
  return count;
}

}  // namespace

Status validate_sampling_options(const SamplingOptions& o) {
  if (!(o.temperature > 0.0f) || !std::isfinite(o.temperature)) {
    return Status::invalid_argument("temperature must be a finite number > 0, got " +
                                    std::to_string(o.temperature));
  }
  if (!(o.top_p > 0.0f && o.top_p <= 1.0f)) {
    return Status::invalid_argument("top_p must be in (0, 1], got " + std::to_string(o.top_p));
  }
  if (!(o.repetition_penalty > 0.0f) || !std::isfinite(o.repetition_penalty)) {
    return Status::invalid_argument("repetition_penalty must be a finite number > 0, got " +
                                    std::to_string(o.repetition_penalty));
  }
  return Status::ok_status();
}

void Pcg32::reseed(uint64_t init_state, uint64_t init_sequence) {
  state_ = 0;
  inc_ = (init_sequence << 1u) | 1u;
  next();
  state_ += init_state;
  next();
}

uint32_t Pcg32::next() {
  const uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

Sampler::Sampler(size_t n_vocab) : n_vocab_(n_vocab), idx_(n_vocab), val_(n_vocab), penalized_(n_vocab, 0) {}

int32_t Sampler::sample(float* logits, const SamplingOptions& o, const int32_t* seen, size_t n_seen,
                        Pcg32& rng) {
  const size_t n = n_vocab_;
  if (o.repetition_penalty != 1.0f) {
    // As Hugging Face: each distinct seen token once, shrinking its logit
    // toward "less likely" whatever its sign.
    for (size_t i = 0; i < n_seen; ++i) {
      const int32_t t = seen[i];
      if (t < 0 || static_cast<size_t>(t) >= n || penalized_[t]) continue;
      penalized_[t] = 1;
      float& l = logits[t];
      l = l < 0.0f ? l * o.repetition_penalty : l / o.repetition_penalty;
    }
    for (size_t i = 0; i < n_seen; ++i) {
      if (seen[i] >= 0 && static_cast<size_t>(seen[i]) < n) penalized_[seen[i]] = 0;
    }
  }
  if (!o.do_sample) return static_cast<int32_t>(f32_argmax_ukernel__simd(n, logits));
  // Softmax weights at this temperature, relative to the best logit; NaN
  // logits get no mass.
  const float inv_t = 1.0f / o.temperature;
  const float max_logit = logits[f32_argmax_ukernel__simd(n, logits)];
  auto weight = [&](float logit) { return std::isnan(logit) ? 0.0f : std::exp((logit - max_logit) * inv_t); };
  const bool all_tokens = o.top_k == 0 || o.top_k >= n;
  if (all_tokens && o.top_p >= 1.0f) {
    // Every token is a candidate: no ranking needed, one pass in id order.
    const size_t i = draw(
        n, [&](size_t j) { return weight(logits[j]); }, rng);
    return static_cast<int32_t>(i < n ? i : f32_argmax_ukernel__simd(n, logits));
  }
  // Candidates best first: the top_k, or for top_p alone the fewest best
  // tokens that hold top_p of the whole mass. Ranking all n tokens is what
  // top_p needs in the worst case, but the nucleus is usually a few dozen, so
  // the ranked prefix grows until it covers it (a full sort of a 50k
  // vocabulary cost 14 ms a token).
  double total = 0.0;
  if (all_tokens) {
    for (size_t i = 0; i < n; ++i) total += weight(logits[i]);
  }
  size_t count = 0, keep = 0;
  for (size_t ranked = all_tokens ? std::min<size_t>(64, n) : o.top_k;; ranked = std::min(n, ranked * 8)) {
    count = f32_topk(n, logits, ranked, idx_.data(), val_.data());
    double candidates = 0.0;
    for (size_t i = 0; i < count; ++i) candidates += weight(val_[i]);
    const double mass = all_tokens ? total : candidates;
    // top_p: the smallest prefix whose mass reaches top_p (at least one token).
    keep = count;
    bool covered = o.top_p >= 1.0f;
    if (!covered) {
      double cumulative = 0.0;
      for (size_t i = 0; i < count && !covered; ++i) {
        cumulative += weight(val_[i]) / mass;
        if (cumulative >= o.top_p) {
          keep = i + 1;
          covered = true;
        }
      }
    }
    if (covered || count == n || !all_tokens) break;
  }
  const size_t i = draw(
      keep, [&](size_t j) { return weight(val_[j]); }, rng);
  return idx_[i < keep ? i : 0];
}

}  // namespace qkv
