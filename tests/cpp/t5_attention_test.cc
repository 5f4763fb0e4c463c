// t5_attention (models/t5_attention.h) against plain loops in double: scores
// q·k plus the bias of each (head, relative-position bucket), softmax, times
// v. Sizes past the microkernels' 64-key blocks and queries past position 0
// (a decoder step over a cache), which the tiny checkpoints do not reach; the
// probabilities too, when asked for.
#include "models/t5_attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/thread_pool.h"

namespace qkv {
namespace {

struct Case {
  size_t n_head, head_dim, n_q, q_pos0, n_kv;
  bool causal;
  size_t num_buckets, max_distance;
};

// out[i][h][d] in double, keys 0 .. n_kv - 1 (0 .. q_pos0 + i when causal),
// and probs[h][i][t] (0 past a causal query).
std::vector<double> reference(const Case& c, const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<float>& bias,
                              std::vector<double>* probs) {
  std::vector<double> out(c.n_q * c.n_head * c.head_dim, 0.0);
  probs->assign(c.n_head * c.n_q * c.n_kv, 0.0);
  for (size_t i = 0; i < c.n_q; ++i) {
    const size_t pos = c.q_pos0 + i, len = c.causal ? pos + 1 : c.n_kv;
    for (size_t h = 0; h < c.n_head; ++h) {
      std::vector<double> s(len);
      for (size_t t = 0; t < len; ++t) {
        double dot = 0;
        for (size_t d = 0; d < c.head_dim; ++d)
          dot += double(q[(i * c.n_head + h) * c.head_dim + d]) * k[(t * c.n_head + h) * c.head_dim + d];
        const int64_t rel = static_cast<int64_t>(t) - static_cast<int64_t>(pos);
        const size_t b = t5_relative_position_bucket(rel, !c.causal, c.num_buckets, c.max_distance);
        s[t] = dot + bias[b * c.n_head + h];
      }
      const double top = *std::max_element(s.begin(), s.end());
      double sum = 0;
      for (double& x : s) sum += (x = std::exp(x - top));
      for (size_t t = 0; t < len; ++t) {
        (*probs)[(h * c.n_q + i) * c.n_kv + t] = s[t] / sum;
        for (size_t d = 0; d < c.head_dim; ++d)
          out[(i * c.n_head + h) * c.head_dim + d] += s[t] / sum * v[(t * c.n_head + h) * c.head_dim + d];
      }
    }
  }
  return out;
}

TEST(T5Attention, MatchesPlainLoops) {
  const Case cases[] = {
      {4, 64, 100, 0, 100, false, 32, 128},  // encoder: two key blocks, logarithmic buckets
      {6, 8, 30, 50, 80, true, 16, 20},      // decoder chunk at 50..79: distances past max_distance
      {3, 16, 1, 140, 141, true, 32, 128},   // one decoding step over a long cache
  };
  ThreadPool pool(3);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  // Each case's inputs and call, kept for running all three in one batch.
  struct Kept {
    std::vector<float> q, k, v, table, out;
    std::vector<double> want;
    T5AttentionParams params;
  };
  std::vector<Kept> kept;
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "heads " << c.n_head << " head_dim " << c.head_dim << " n_q " << c.n_q
                                    << " q_pos0 " << c.q_pos0 << " n_kv " << c.n_kv);
    const size_t width = c.n_head * c.head_dim;
    std::vector<float> q(c.n_q * width), k(c.n_kv * width), v(c.n_kv * width), bias(c.num_buckets * c.n_head);
    for (auto* a : {&q, &k, &v, &bias})
      for (float& x : *a) x = normal(rng);
    for (float& x : bias) x *= 4.0f;  // a bias that dominates some rows
    std::vector<double> want_probs;
    const std::vector<double> want = reference(c, q, k, v, bias, &want_probs);
    // The relative positions the call reads: -(q_pos0 + n_q - 1) .. the first query's last key.
    const int64_t first = -static_cast<int64_t>(c.q_pos0 + c.n_q - 1);
    const size_t len = (c.causal ? 0 : c.n_kv - 1 - c.q_pos0) + c.q_pos0 + c.n_q;
    std::vector<float> table(c.n_head * len);
    t5_fill_bias_table(bias.data(), c.n_head, c.num_buckets, c.max_distance, !c.causal, first, len,
                       table.data());
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::vector<float> out(c.n_q * width, -1.0f), out_with_probs(c.n_q * width, -1.0f);
      std::vector<float> probs(want_probs.size(), -1.0f);
      T5AttentionParams a;
      a.n_head = c.n_head;
      a.head_dim = c.head_dim;
      a.n_q = c.n_q;
      a.q_pos0 = c.q_pos0;
      a.n_kv = c.n_kv;
      a.causal = c.causal;
      a.bias = table.data();
      a.bias_first = first;
      a.bias_len = len;
      a.q = q.data();
      a.q_token_stride = width;
      a.k = k.data();
      a.v = v.data();
      a.kv_head_stride = c.head_dim;  // heads side by side in each token's row
      a.kv_token_stride = width;
      a.out = out.data();
      a.out_token_stride = width;
      ASSERT_TRUE(t5_attention(p, a).ok());
      a.out = out_with_probs.data();
      a.probs = probs.data();
      ASSERT_TRUE(t5_attention(p, a).ok());
      double worst = 0, worst_with_probs = 0, worst_probs = 0;
      for (size_t i = 0; i < out.size(); ++i) {
        worst = std::max(worst, std::fabs(out[i] - want[i]));
        worst_with_probs = std::max(worst_with_probs, std::fabs(out_with_probs[i] - want[i]));
      }
      for (size_t i = 0; i < probs.size(); ++i)
        worst_probs = std::max(worst_probs, std::fabs(probs[i] - want_probs[i]));
      EXPECT_LE(worst, 1e-5) << (p ? "pool" : "no pool");
      EXPECT_LE(worst_with_probs, 1e-5) << (p ? "pool" : "no pool");
      EXPECT_LE(worst_probs, 1e-6) << (p ? "pool" : "no pool");
      if (p != nullptr) {
        a.probs = nullptr;
        kept.push_back({std::move(q), std::move(k), std::move(v), std::move(table), {}, want, a});
      }
    }
  }
  // t5_attention_batch: the three calls' rows in one pass over the pool.
  std::vector<T5AttentionParams> batch;
  for (Kept& e : kept) {
    e.out.assign(e.want.size(), -1.0f);
    e.params.out = e.out.data();
    batch.push_back(e.params);
  }
  ASSERT_TRUE(t5_attention_batch(&pool, batch.data(), batch.size()).ok());
  for (const Kept& e : kept) {
    double worst = 0;
    for (size_t i = 0; i < e.out.size(); ++i) worst = std::max(worst, std::fabs(e.out[i] - e.want[i]));
    EXPECT_LE(worst, 1e-5) << "batched";
  }
}

TEST(T5Attention, BadParamsAreRefused) {
  std::vector<float> buf(64, 0.0f);
  T5AttentionParams a;
  a.n_head = 1;
  a.head_dim = 6;  // not a multiple of 4
  a.n_q = a.n_kv = 2;
  a.bias = buf.data();
  a.bias_first = -1;
  a.bias_len = 3;
  a.q = a.out = buf.data();
  a.k = a.v = buf.data();
  EXPECT_EQ(t5_attention(nullptr, a).code(), StatusCode::kInvalidArgument);
  a.head_dim = 4;
  a.causal = true;
  a.q_pos0 = 1;  // queries at 1..2 past the last key 1
  EXPECT_EQ(t5_attention(nullptr, a).code(), StatusCode::kInvalidArgument);
  a.q_pos0 = 0;
  ASSERT_TRUE(t5_attention(nullptr, a).ok());
  a.bias_first = 0;  // the second query's key 0 (relative -1) is not in the table
  EXPECT_EQ(t5_attention(nullptr, a).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qkv
