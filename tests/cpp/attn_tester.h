// Builder-style tester for the f32 attention kernels, in the manner of
// XNNPACK's testers: AttnTester().n_head(8).n_head_kv(2).n_q(7).Test(engines).
// It lays Q/K/V/out out in memory as a model would (optionally with gaps
// between tokens, a head-major KV cache with spare slots, a fused-QKV-like Q),
// fills every gap with NaN so a stray read poisons the result, and compares
// f32_attention_with() against a double-precision reference written out here.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/common/f16.h"
#include "kernels/f32-attn/attn.h"

namespace qkv {

struct AttnEngine {
  const char* name;
  AttnUkernels ukernels;
};

// Every fused microkernel (all run through the same driver), each paired with
// a probs kernel so both probs kernels are covered too.
inline std::vector<AttnEngine> attn_engines() {
  return {{"scalar", {f32_attn_ukernel__scalar, f32_attn_probs_ukernel__scalar}},
          {"1x64", {f32_attn_ukernel_1x64__simd, f32_attn_probs_ukernel__simd}},
          {"4x64", {f32_attn_ukernel_4x64__simd, f32_attn_probs_ukernel__simd}},
          {"simd", {f32_attn_ukernel__simd, f32_attn_probs_ukernel__simd}}};
}

// Buffers plus the AttnParams that point into them. Not copyable: the params
// hold pointers into the vectors (moving keeps them valid).
struct AttnProblem {
  AttnParams params;
  // k and v as floats (for an f16 problem: the f16 values, exactly), and the
  // f16 bits the kernels read when params.kv_dtype is kF16.
  std::vector<float> q, k, v, out, probs, key_mask;
  std::vector<uint16_t> k16, v16;
  AttnProblem() = default;
  AttnProblem(AttnProblem&&) = default;
  AttnProblem(const AttnProblem&) = delete;
  AttnProblem& operator=(const AttnProblem&) = delete;
};

// softmax(QKᵀ·scale + mask)·V in double with explicit loops, over K and V
// given as floats in p's layout (p.k and p.v are not read, so an f16 problem
// passes its values converted). Stored key t sits at position p.kv_pos0 + t;
// the causal and window masks are applied key by key. A row with every key
// masked yields zeros (the kernels' documented behaviour).
inline void reference_attention(const AttnParams& p, const float* k_all, const float* v_all,
                                std::vector<double>* out, std::vector<double>* probs) {
  const size_t group = p.n_head / p.n_head_kv;
  out->assign(p.n_q * p.n_head * p.head_dim, 0.0);
  probs->assign(p.n_head * p.n_q * p.n_kv, 0.0);
  std::vector<double> s(p.n_kv);
  for (size_t h = 0; h < p.n_head; ++h) {
    const float* k = k_all + h / group * p.kv_head_stride;
    const float* v = v_all + h / group * p.kv_head_stride;
    for (size_t i = 0; i < p.n_q; ++i) {
      const float* q = p.q + i * p.q_token_stride + h * p.head_dim;
      double max_score = -std::numeric_limits<double>::infinity();
      for (size_t t = 0; t < p.n_kv; ++t) {
        const size_t q_pos = p.q_pos0 + i, k_pos = p.kv_pos0 + t;
        const bool hidden =
            (p.causal && k_pos > q_pos) ||
            (p.causal && p.window != 0 && k_pos <= q_pos && q_pos - k_pos >= p.window) ||
            (!p.causal && p.window != 0 && (k_pos > q_pos ? k_pos - q_pos : q_pos - k_pos) >= p.window) ||
            (p.key_mask != nullptr && std::isinf(p.key_mask[t]));
        if (hidden) {
          s[t] = -std::numeric_limits<double>::infinity();
          continue;
        }
        double dot = 0;
        for (size_t d = 0; d < p.head_dim; ++d) dot += double(q[d]) * k[t * p.kv_token_stride + d];
        s[t] = dot * p.scale + (p.key_mask != nullptr ? p.key_mask[t] : 0.0);
        max_score = std::max(max_score, s[t]);
      }
      if (std::isinf(max_score)) continue;  // fully masked: zeros
      double sum = 0;
      for (size_t t = 0; t < p.n_kv; ++t) sum += std::isinf(s[t]) ? 0.0 : std::exp(s[t] - max_score);
      double* prow = probs->data() + (h * p.n_q + i) * p.n_kv;
      double* orow = out->data() + (i * p.n_head + h) * p.head_dim;
      for (size_t t = 0; t < p.n_kv; ++t) {
        prow[t] = std::isinf(s[t]) ? 0.0 : std::exp(s[t] - max_score) / sum;
        for (size_t d = 0; d < p.head_dim; ++d) orow[d] += prow[t] * v[t * p.kv_token_stride + d];
      }
    }
  }
}

class AttnTester {
 public:
  AttnTester& n_head(size_t value) {
    n_head_ = value;
    return *this;
  }
  AttnTester& n_head_kv(size_t value) {
    n_head_kv_ = value;
    return *this;
  }
  AttnTester& head_dim(size_t value) {
    head_dim_ = value;
    return *this;
  }
  AttnTester& n_q(size_t value) {
    n_q_ = value;
    return *this;
  }
  AttnTester& q_pos0(size_t value) {
    q_pos0_ = value;
    return *this;
  }
  // Sliding window: 0 = none; causal: i - j < window; not causal: |i - j| < window.
  AttnTester& window(size_t value) {
    window_ = value;
    return *this;
  }
  // Position of stored key 0 (a windowed cache that dropped older keys).
  AttnTester& kv_pos0(size_t value) {
    kv_pos0_ = value;
    return *this;
  }
  // K and V stored as f16 (Q, out and the reference stay f32).
  AttnTester& kv_f16(bool value) {
    kv_f16_ = value;
    return *this;
  }
  // Keys available; 0 means q_pos0 + n_q - kv_pos0 (the causal minimum).
  AttnTester& n_kv(size_t value) {
    n_kv_ = value;
    return *this;
  }
  AttnTester& causal(bool value) {
    causal_ = value;
    return *this;
  }
  // Floats between consecutive tokens beyond the heads (e.g. K and V of a fused QKV row).
  AttnTester& q_gap(size_t value) {
    q_gap_ = value;
    return *this;
  }
  AttnTester& out_gap(size_t value) {
    out_gap_ = value;
    return *this;
  }
  // Floats after each token's head_dim values in the KV cache.
  AttnTester& kv_gap(size_t value) {
    kv_gap_ = value;
    return *this;
  }
  // KV cache as [head][capacity][dim] (true) or [token][head][dim] (false).
  AttnTester& kv_head_major(bool value) {
    kv_head_major_ = value;
    return *this;
  }
  // Spare (unwritten, NaN) cache slots after the n_kv used ones, head-major only.
  AttnTester& kv_spare(size_t value) {
    kv_spare_ = value;
    return *this;
  }
  // Keys t with masked(t) get -inf in key_mask (every key gets an entry, 0 otherwise).
  AttnTester& mask_keys(std::vector<size_t> keys) {
    masked_keys_ = std::move(keys);
    use_mask_ = true;
    return *this;
  }
  // Q and K entries are uniform in [-magnitude, magnitude]: scores of a few
  // units and up make softmax peaky, which is what the tests want.
  AttnTester& magnitude(float value) {
    magnitude_ = value;
    return *this;
  }
  // Round Q and K entries to integers. With a power-of-4 head_dim the scale
  // is a power of 2, so scores are exact in f32 however large: the error left
  // is the kernels' own (exp, sums), which the tolerances below bound.
  AttnTester& integer_inputs(bool value) {
    integer_inputs_ = value;
    return *this;
  }
  AttnTester& with_probs(bool value) {
    with_probs_ = value;
    return *this;
  }
  AttnTester& seed(unsigned value) {
    seed_ = value;
    return *this;
  }
  // Looser bounds for huge scores (see ExtremeScoresStayFinite).
  AttnTester& tolerance(double out, double probs) {
    out_tolerance_ = out;
    prob_tolerance_ = probs;
    return *this;
  }

  size_t kv_count() const { return n_kv_ != 0 ? n_kv_ : q_pos0_ + n_q_ - kv_pos0_; }

  AttnProblem Make() const {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const size_t n_kv = kv_count();
    AttnProblem pb;
    AttnParams& p = pb.params;
    p.n_head = n_head_;
    p.n_head_kv = n_head_kv_;
    p.head_dim = head_dim_;
    p.scale = 1.0f / std::sqrt(static_cast<float>(head_dim_));
    p.n_q = n_q_;
    p.q_pos0 = q_pos0_;
    p.n_kv = n_kv;
    p.causal = causal_;
    p.window = window_;
    p.kv_pos0 = kv_pos0_;
    const size_t width = n_head_ * head_dim_;
    p.q_token_stride = width + q_gap_;
    p.out_token_stride = width + out_gap_;
    if (kv_head_major_) {
      p.kv_token_stride = head_dim_ + kv_gap_;
      p.kv_head_stride = (n_kv + kv_spare_) * p.kv_token_stride;
    } else {
      p.kv_token_stride = n_head_kv_ * head_dim_ + kv_gap_;
      p.kv_head_stride = head_dim_;
    }
    const size_t kv_size = kv_head_major_ ? n_head_kv_ * p.kv_head_stride : n_kv * p.kv_token_stride;
    pb.q.assign(n_q_ * p.q_token_stride, nan);
    pb.k.assign(kv_size, nan);
    pb.v.assign(kv_size, nan);
    pb.out.assign(n_q_ * p.out_token_stride, nan);

    std::mt19937 rng(seed_);
    std::uniform_real_distribution<float> qk_dist(-magnitude_, magnitude_);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
    auto qk = [&] { return integer_inputs_ ? std::round(qk_dist(rng)) : qk_dist(rng); };
    for (size_t i = 0; i < n_q_; ++i) {
      for (size_t c = 0; c < width; ++c) pb.q[i * p.q_token_stride + c] = qk();
    }
    for (size_t hk = 0; hk < n_head_kv_; ++hk) {
      for (size_t t = 0; t < n_kv; ++t) {
        for (size_t d = 0; d < head_dim_; ++d) {
          const size_t at = hk * p.kv_head_stride + t * p.kv_token_stride + d;
          pb.k[at] = qk();
          pb.v[at] = unit(rng);
          if (kv_f16_) {  // the values the f16 cache holds
            pb.k[at] = f16_to_f32(f32_to_f16(pb.k[at]));
            pb.v[at] = f16_to_f32(f32_to_f16(pb.v[at]));
          }
        }
      }
    }
    if (use_mask_) {
      pb.key_mask.assign(n_kv, 0.0f);
      for (size_t t : masked_keys_) pb.key_mask.at(t) = -std::numeric_limits<float>::infinity();
      p.key_mask = pb.key_mask.data();
    }
    if (with_probs_) {
      pb.probs.assign(n_head_ * n_q_ * n_kv, nan);
      p.probs = pb.probs.data();
    }
    p.q = pb.q.data();
    p.k = pb.k.data();
    p.v = pb.v.data();
    if (kv_f16_) {  // NaN gaps stay NaN
      for (float x : pb.k) pb.k16.push_back(f32_to_f16(x));
      for (float x : pb.v) pb.v16.push_back(f32_to_f16(x));
      p.kv_dtype = KvDtype::kF16;
      p.k = pb.k16.data();
      p.v = pb.v16.data();
    }
    p.out = pb.out.data();
    return pb;
  }

  // Runs every engine, checking outputs (and probabilities) against the
  // reference and the gaps of out for stray writes.
  void Test(const std::vector<AttnEngine>& engines, ThreadPool* pool = nullptr) const {
    AttnProblem pb = Make();
    const AttnParams& p = pb.params;
    std::vector<double> ref_out, ref_probs;
    reference_attention(p, pb.k.data(), pb.v.data(), &ref_out, &ref_probs);
    for (const AttnEngine& engine : engines) {
      SCOPED_TRACE(testing::Message() << engine.name << " n_head=" << n_head_ << "/" << n_head_kv_
                                      << " head_dim=" << head_dim_ << " n_q=" << n_q_ << " q_pos0=" << q_pos0_
                                      << " n_kv=" << p.n_kv << " causal=" << causal_ << " window=" << window_
                                      << " kv_pos0=" << kv_pos0_ << " kv=" << kv_dtype_name(p.kv_dtype));
      std::fill(pb.out.begin(), pb.out.end(), std::numeric_limits<float>::quiet_NaN());
      ASSERT_TRUE(f32_attention_with(pool, p, engine.ukernels).ok());
      for (size_t i = 0; i < n_q_; ++i) {
        for (size_t c = 0; c < p.out_token_stride; ++c) {
          const float got = pb.out[i * p.out_token_stride + c];
          if (c >= n_head_ * head_dim_) {
            ASSERT_TRUE(std::isnan(got)) << "write into the gap, query " << i << " column " << c;
            continue;
          }
          ASSERT_NEAR(got, ref_out[i * n_head_ * head_dim_ + c], out_tolerance_)
              << "query " << i << " column " << c;
        }
      }
      if (!with_probs_) continue;
      for (size_t e = 0; e < pb.probs.size(); ++e) {
        ASSERT_NEAR(pb.probs[e], ref_probs[e], prob_tolerance_) << "probs entry " << e;
      }
    }
  }

  // Probabilities are at most 1 and computed in f32 from scores of ~10:
  // exp amplifies a score's rounding error (~1e-6) relatively, so 1e-5 holds.
  double prob_tolerance_ = 1e-5;
  // Outputs are probability-weighted averages of V entries in [-1, 1].
  double out_tolerance_ = 2e-5;

 private:
  size_t n_head_ = 1, n_head_kv_ = 1, head_dim_ = 64;
  size_t n_q_ = 1, q_pos0_ = 0, n_kv_ = 0;
  bool causal_ = true;
  size_t window_ = 0, kv_pos0_ = 0;
  bool kv_f16_ = false;
  size_t q_gap_ = 0, out_gap_ = 0, kv_gap_ = 0, kv_spare_ = 0;
  bool kv_head_major_ = true;
  bool use_mask_ = false;
  std::vector<size_t> masked_keys_;
  float magnitude_ = 4.0f;
  bool integer_inputs_ = false;
  bool with_probs_ = false;
  unsigned seed_ = 1;
};

}  // namespace qkv
