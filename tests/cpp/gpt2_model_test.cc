// The GPT-2 forward pass against a plain double-precision GPT-2 written in
// this file, on random weights installed through the model's tensor slots,
// and the KV-cache path against full recomputation.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "gemm_tester.h"  // q8_spec_roundtrip
#include "kernels/gemm/gemm.h"
#include "models/gpt2.h"
#include "runtime/session.h"

namespace qkv {
namespace {

struct RandomGpt2 {
  WeightType type = WeightType::kF32;
  Gpt2Config config;
  std::shared_ptr<Gpt2Model> model;
  // Weights by slot name, in checkpoint layout, as the packed type represents them.
  std::map<std::string, std::vector<float>> tensors;
};

RandomGpt2 make_model(WeightType type, unsigned seed, size_t n_ctx = 40) {
  RandomGpt2 m;
  m.type = type;
  m.config.n_vocab = 97;
  m.config.n_ctx = n_ctx;
  m.config.n_embd = 32;
  m.config.n_head = 4;
  m.config.n_layer = 2;
  m.model = std::make_shared<Gpt2Model>(m.config);
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.3f);
  for (TensorSlot& slot : m.model->slots()) {
    size_t count = 1;
    for (size_t d : slot.shape) count *= d;
    std::vector<float> data(count);
    for (float& v : data) v = dist(rng);
    if (slot.name.find("ln_") != std::string::npos && slot.name.find("weight") != std::string::npos) {
      for (float& v : data) v += 1.0f;
    }
    if (slot.kind == TensorSlot::Kind::kF32) {
      float* dst = static_cast<float*>(m.model->store().allocate(count * sizeof(float)));
      std::copy(data.begin(), data.end(), dst);
      *slot.f32 = dst;
    } else {
      const bool nk = slot.kind == TensorSlot::Kind::kLinearNK;
      const size_t n = nk ? slot.shape[0] : slot.shape[1], k = nk ? slot.shape[1] : slot.shape[0];
      void* packed = m.model->store().allocate(packed_weights_bytes(type, n, k));
      float* scales = static_cast<float*>(m.model->store().allocate(packed_scales_bytes(type, n, k) + 4));
      EXPECT_TRUE(pack_weights(data.data(), SourceType::kF32, nk ? SourceLayout::kNK : SourceLayout::kKN, n,
                               k, type, packed, scales, nullptr)
                      .ok());
      slot.linear->w = PackedWeights{type, n, k, packed, scales};
      // What the kernels see: read the represented weights back row by row.
      std::vector<int32_t> rows(n);
      for (size_t i = 0; i < n; ++i) rows[i] = static_cast<int32_t>(i);
      std::vector<float> nk_data(n * k);
      EXPECT_TRUE(packed_weights_gather_rows(slot.linear->w, rows.data(), n, nk_data.data()).ok());
      for (size_t r = 0; r < n; ++r) {
        for (size_t c = 0; c < k; ++c) data[nk ? r * k + c : c * n + r] = nk_data[r * k + c];
      }
    }
    m.tensors[slot.name] = data;
  }
  return m;
}

// Plain GPT-2 in double: returns logits [n, vocab]. windows (per layer, if
// given): query i attends keys j <= i with i - j < window (0 = every key).
std::vector<double> reference_logits(const RandomGpt2& m, const std::vector<int32_t>& ids,
                                     const std::vector<size_t>& windows = {}) {
  const Gpt2Config& c = m.config;
  const size_t n = ids.size(), e = c.n_embd, hd = e / c.n_head;
  auto t = [&](const std::string& name) -> const std::vector<float>& { return m.tensors.at(name); };
  std::vector<double> x(n * e);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < e; ++j)
      x[i * e + j] = t("wte.weight")[ids[i] * e + j] + t("wpe.weight")[i * e + j];
  auto layernorm = [&](const std::vector<double>& in, const std::string& p) {
    std::vector<double> out(in.size());
    for (size_t i = 0; i < n; ++i) {
      double mean = 0, var = 0;
      for (size_t j = 0; j < e; ++j) mean += in[i * e + j] / e;
      for (size_t j = 0; j < e; ++j) var += (in[i * e + j] - mean) * (in[i * e + j] - mean) / e;
      for (size_t j = 0; j < e; ++j)
        out[i * e + j] =
            (in[i * e + j] - mean) / std::sqrt(var + c.layer_norm_epsilon) * t(p + ".weight")[j] +
            t(p + ".bias")[j];
    }
    return out;
  };
  // The input of a product with q8 weights is rounded to q8 too, row by row
  // (the q8 spec, written independently in gemm_tester.h), as the kernels do.
  auto as_multiplied = [&](const std::vector<double>& in, size_t k) {
    if (m.type != WeightType::kQ8) return in;
    std::vector<double> out(in.size());
    for (size_t i = 0; i < in.size() / k; ++i) {
      const std::vector<double> row =
          q8_spec_roundtrip(std::vector<float>(in.begin() + i * k, in.begin() + (i + 1) * k));
      std::copy(row.begin(), row.end(), out.begin() + i * k);
    }
    return out;
  };
  // Conv1D: y = x · W[in, out] + b
  auto conv1d = [&](const std::vector<double>& x_in, size_t k, const std::string& p) {
    const std::vector<double> in = as_multiplied(x_in, k);
    const std::vector<float>& w = t(p + ".weight");
    const size_t out_n = w.size() / k;
    std::vector<double> y(n * out_n);
    for (size_t i = 0; i < n; ++i)
      for (size_t o = 0; o < out_n; ++o) {
        double s = t(p + ".bias")[o];
        for (size_t j = 0; j < k; ++j) s += in[i * k + j] * w[j * out_n + o];
        y[i * out_n + o] = s;
      }
    return y;
  };
  for (size_t l = 0; l < c.n_layer; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    const std::vector<double> qkv = conv1d(layernorm(x, p + "ln_1"), e, p + "attn.c_attn");
    std::vector<double> attn(n * e, 0.0);
    const size_t window = windows.empty() ? 0 : windows[l];
    for (size_t h = 0; h < c.n_head; ++h)
      for (size_t i = 0; i < n; ++i) {
        std::vector<double> s(i + 1, -INFINITY);
        double mx = -1e300, sum = 0;
        const size_t first = window != 0 && i + 1 > window ? i + 1 - window : 0;
        for (size_t j = first; j <= i; ++j) {
          double dot = 0;
          for (size_t d = 0; d < hd; ++d)
            dot += qkv[i * 3 * e + h * hd + d] * qkv[j * 3 * e + e + h * hd + d];
          s[j] = dot / std::sqrt(double(hd));
          mx = std::max(mx, s[j]);
        }
        for (double& v : s) sum += v = std::exp(v - mx);  // exp(-inf) = 0 outside the window
        for (size_t j = first; j <= i; ++j)
          for (size_t d = 0; d < hd; ++d)
            attn[i * e + h * hd + d] += s[j] / sum * qkv[j * 3 * e + 2 * e + h * hd + d];
      }
    const std::vector<double> proj = conv1d(attn, e, p + "attn.c_proj");
    for (size_t i = 0; i < x.size(); ++i) x[i] += proj[i];
    std::vector<double> ff = conv1d(layernorm(x, p + "ln_2"), e, p + "mlp.c_fc");
    for (double& v : ff) v = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    const std::vector<double> down = conv1d(ff, 4 * e, p + "mlp.c_proj");
    for (size_t i = 0; i < x.size(); ++i) x[i] += down[i];
  }
  const std::vector<double> xf = as_multiplied(layernorm(x, "ln_f"), e);
  std::vector<double> logits(n * c.n_vocab);
  for (size_t i = 0; i < n; ++i)
    for (size_t v = 0; v < c.n_vocab; ++v) {
      double s = 0;
      for (size_t j = 0; j < e; ++j) s += xf[i * e + j] * t("wte.weight")[v * e + j];
      logits[i * c.n_vocab + v] = s;
    }
  return logits;
}

const std::vector<int32_t> kIds = {5, 17, 96, 0, 33, 33, 8, 71, 2, 64, 13};

TEST(Gpt2Model, LogitsMatchAPlainReference) {
  for (WeightType type : {WeightType::kF32, WeightType::kF16, WeightType::kQ8}) {
    RandomGpt2 m = make_model(type, 1);
    Session session(m.model, nullptr);
    ASSERT_TRUE(session.append(kIds.data(), kIds.size(), true).ok());
    const std::vector<double> ref = reference_logits(m, kIds);
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i)
      worst = std::max(worst, std::fabs(session.all_logits()[i] - ref[i]));
    EXPECT_LT(worst, 1e-4) << weight_type_name(type);
  }
}

TEST(Gpt2Model, KvCacheDecodingEqualsRecomputation) {
  RandomGpt2 m = make_model(WeightType::kF32, 2);
  ThreadPool pool(3);
  Session full(m.model, &pool), stepwise(m.model, &pool);
  ASSERT_TRUE(full.append(kIds.data(), kIds.size(), true).ok());
  ASSERT_TRUE(stepwise.append(kIds.data(), 4).ok());
  for (size_t i = 4; i < kIds.size(); ++i) {
    ASSERT_TRUE(stepwise.append(&kIds[i], 1).ok());
    for (size_t v = 0; v < m.config.n_vocab; ++v) {
      ASSERT_NEAR(stepwise.logits()[v], full.all_logits()[i * m.config.n_vocab + v], 2e-5) << i;
    }
  }
}

// Sliding-window layers through the KV cache (which drops the rows no query
// sees, so positions well past window - 1 + chunk exercise it) against the
// reference's explicit window mask: prefill in 128-token chunks, decoding
// one token at a time, f32 and f16 storage, truncating and re-appending.
TEST(Gpt2Model, SlidingWindowCacheEqualsMaskedReference) {
  RandomGpt2 m = make_model(WeightType::kF32, 5, 300);
  std::vector<int32_t> ids(290);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 37 + 11) % 97);
  const size_t vocab = m.config.n_vocab;
  for (const std::vector<size_t>& windows : {std::vector<size_t>{7, 0}, std::vector<size_t>{1, 130}}) {
    const std::vector<double> ref = reference_logits(m, ids, windows);
    const std::vector<double> full = reference_logits(m, ids);
    for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
      SCOPED_TRACE(testing::Message()
                   << "windows " << windows[0] << "," << windows[1] << " " << kv_dtype_name(dtype));
      // f16 K/V: 32 u·max|logit| with u = 2^-11, the bound argued in
      // KvCacheSession.F16CacheLogitsCloseToF32.
      double scale = 0;
      for (double r : ref) scale = std::max(scale, std::fabs(r));
      const double tol = dtype == KvDtype::kF32 ? 1e-4 : 32.0 / 2048 * scale;
      SessionOptions o;
      o.kv_dtype = dtype;
      o.layer_windows = windows;
      Session prefill(m.model, nullptr, o);
      ASSERT_TRUE(prefill.append(ids.data(), ids.size(), true).ok());
      double worst = 0, masked_apart = 0;
      for (size_t i = 0; i < ref.size(); ++i) {
        worst = std::max(worst, std::fabs(prefill.all_logits()[i] - ref[i]));
        masked_apart = std::max(masked_apart, std::fabs(full[i] - ref[i]));
      }
      EXPECT_LT(worst, tol);
      EXPECT_GT(masked_apart, 10 * tol);  // the window changes the result: the test can fail
      Session decode(m.model, nullptr, o);
      ASSERT_TRUE(decode.append(ids.data(), 3).ok());
      for (size_t i = 3; i < ids.size(); ++i) {
        if (i == 200) {  // roll back 4 tokens and redo them
          ASSERT_TRUE(decode.truncate(196).ok());
          for (size_t j = 196; j < 200; ++j) ASSERT_TRUE(decode.append(&ids[j], 1).ok());
        }
        ASSERT_TRUE(decode.append(&ids[i], 1).ok());
        for (size_t v = 0; v < vocab; ++v) ASSERT_NEAR(decode.logits()[v], ref[i * vocab + v], tol) << i;
      }
    }
  }
}

TEST(Gpt2Model, AttentionProbabilitiesAreCausalDistributions) {
  RandomGpt2 m = make_model(WeightType::kF32, 3);
  Session session(m.model, nullptr);
  std::vector<std::vector<float>> probs;
  ASSERT_TRUE(session.attention(kIds.data(), kIds.size(), &probs).ok());
  const size_t n = kIds.size();
  ASSERT_EQ(probs.size(), m.config.n_layer);
  for (const std::vector<float>& layer : probs)
    for (size_t h = 0; h < m.config.n_head; ++h)
      for (size_t i = 0; i < n; ++i) {
        double sum = 0;
        for (size_t j = 0; j < n; ++j) {
          const float p = layer[(h * n + i) * n + j];
          if (j > i) EXPECT_EQ(p, 0.0f);
          sum += p;
        }
        EXPECT_NEAR(sum, 1.0, 1e-5);
      }
}

TEST(Session, RejectsBadIdsAndOverlongInputWithoutChangingState) {
  RandomGpt2 m = make_model(WeightType::kF32, 4);
  Session session(m.model, nullptr);
  ASSERT_TRUE(session.append(kIds.data(), 3).ok());
  const int32_t bad[] = {1, 97};
  Status s = session.append(bad, 2);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("token id 97 at position 1"), std::string::npos) << s.message();
  EXPECT_EQ(session.position(), 3u);
  std::vector<int32_t> many(38, 1);
  s = session.append(many.data(), many.size());
  EXPECT_NE(s.message().find("exceed the model's context of 40 tokens"), std::string::npos) << s.message();
  EXPECT_EQ(session.position(), 3u);
  ASSERT_TRUE(session.append(many.data(), 37).ok());
  EXPECT_EQ(session.position(), 40u);
}

}  // namespace
}  // namespace qkv
