#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "attn_tester.h"
#include "core/thread_pool.h"

namespace qkv {
namespace {

const size_t kHeadDims[] = {4, 8, 32, 64, 80, 128};
// 1 and 7 stay inside one block of 4 rows and one key block; 64 fills a key
// block exactly; 1000 crosses many key blocks and ends in a ragged one.
const size_t kLengths[] = {1, 7, 64, 1000};

std::vector<AttnEngine> fused_engines() { return attn_engines(); }

// Probs kernels are reached through the driver when params.probs is set; the
// scalar and SIMD ones are paired with the first and last engines.
std::vector<AttnEngine> probs_engines() {
  std::vector<AttnEngine> all = attn_engines();
  return {all.front(), all.back()};
}

TEST(F32Attn, CausalPrefillMatchesReference) {
  for (size_t head_dim : kHeadDims) {
    for (size_t n : kLengths) {
      AttnTester()
          .n_head(2)
          .n_head_kv(2)
          .head_dim(head_dim)
          .n_q(n)
          .seed(unsigned(n + head_dim))
          .Test(fused_engines());
    }
  }
}

TEST(F32Attn, NonCausalMatchesReference) {
  for (size_t head_dim : kHeadDims) {
    for (size_t n : kLengths) {
      AttnTester().causal(false).n_head(2).n_head_kv(1).head_dim(head_dim).n_q(n).Test(fused_engines());
    }
  }
  // Queries and keys of different lengths: a cross-attention-like shape.
  AttnTester().causal(false).n_head(3).n_head_kv(3).head_dim(32).n_q(5).n_kv(131).Test(fused_engines());
  AttnTester().causal(false).n_head(3).n_head_kv(3).head_dim(32).n_q(130).n_kv(3).Test(fused_engines());
}

TEST(F32Attn, QueryBlockAtAnOffset) {
  for (size_t q_pos0 : {1, 3, 63, 64, 100, 999}) {
    for (size_t n_q : {1, 2, 5, 17, 64}) {
      AttnTester().n_head(2).head_dim(64).q_pos0(q_pos0).n_q(n_q).Test(fused_engines());
    }
  }
  // More keys than the causal minimum: the ones after the last query stay hidden.
  AttnTester().n_head(2).head_dim(80).q_pos0(40).n_q(9).n_kv(300).Test(fused_engines());
}

TEST(F32Attn, GroupedQueryHeads) {
  const size_t kGroups[][2] = {{8, 2}, {12, 4}, {4, 1}, {6, 2}};
  for (const auto& g : kGroups) {
    for (size_t n : {1, 7, 66}) {
      AttnTester().n_head(g[0]).n_head_kv(g[1]).head_dim(32).n_q(n).Test(fused_engines());
      AttnTester().n_head(g[0]).n_head_kv(g[1]).head_dim(64).q_pos0(50).n_q(n).Test(fused_engines());
      AttnTester().causal(false).n_head(g[0]).n_head_kv(g[1]).head_dim(96).n_q(n).n_kv(n + 5).Test(
          fused_engines());
    }
  }
}

TEST(F32Attn, StridedLayouts) {
  for (size_t head_dim : {8, 64, 80}) {
    // Q rows of a fused QKV projection: each token's Q is followed by its K and V.
    AttnTester()
        .n_head(4)
        .n_head_kv(2)
        .head_dim(head_dim)
        .n_q(37)
        .q_gap(8 * head_dim)
        .out_gap(12)
        .Test(fused_engines());
    // Head-major KV cache with padded token rows and spare slots after n_kv.
    AttnTester().n_head(4).n_head_kv(2).head_dim(head_dim).n_q(37).kv_gap(4).kv_spare(29).Test(
        fused_engines());
    // Token-major KV ([token][head][dim]) with a gap after each token.
    AttnTester().n_head(6).n_head_kv(3).head_dim(head_dim).n_q(37).kv_head_major(false).kv_gap(20).Test(
        fused_engines());
    // Decode over a head-major cache with spare capacity.
    AttnTester()
        .n_head(6)
        .n_head_kv(3)
        .head_dim(head_dim)
        .q_pos0(200)
        .n_q(1)
        .kv_spare(55)
        .kv_gap(4)
        .q_gap(2 * 6 * head_dim)
        .Test(fused_engines());
  }
}

TEST(F32Attn, ExtremeScoresStayFinite) {
  // Scores spread over hundreds: most weights underflow to 0 and the running
  // max keeps jumping. Integer inputs keep the dot products exact, but the
  // kernels fold scale·log2(e) into Q, which rounds each scaled score by
  // ~|score|·6e-8; at |score| ~ 300 that shifts a weight by ~1e-4 relative
  // (seen: 2.4e-5 on wasm, where MulAdd is not fused), hence the looser bound.
  for (size_t n : {7, 200}) {
    AttnTester()
        .n_head(2)
        .head_dim(64)
        .n_q(n)
        .magnitude(30.0f)
        .integer_inputs(true)
        .tolerance(2e-4, 2e-4)
        .Test(fused_engines());
    AttnTester()
        .n_head(2)
        .head_dim(64)
        .n_q(n)
        .magnitude(30.0f)
        .integer_inputs(true)
        .with_probs(true)
        .tolerance(2e-4, 2e-4)
        .Test(probs_engines());
  }
}

// Runs p with the default SIMD kernels and returns out without its gaps.
std::vector<float> run(const AttnParams& p, ThreadPool* pool = nullptr) {
  std::vector<float> result(p.n_q * p.n_head * p.head_dim);
  std::vector<float> out(p.n_q * p.out_token_stride);
  AttnParams copy = p;
  copy.out = out.data();
  EXPECT_TRUE(f32_attention(pool, copy).ok());
  for (size_t i = 0; i < p.n_q; ++i) {
    std::copy(out.begin() + i * p.out_token_stride,
              out.begin() + i * p.out_token_stride + p.n_head * p.head_dim,
              result.begin() + i * p.n_head * p.head_dim);
  }
  return result;
}

TEST(F32Attn, DecodeEqualsLastRowOfPrefill) {
  const size_t kShapes[][3] = {{12, 12, 64}, {8, 2, 64}, {4, 1, 128}, {2, 2, 80}, {3, 3, 4}};
  for (const auto& s : kShapes) {
    for (size_t n : {1, 2, 65, 300}) {
      SCOPED_TRACE(testing::Message()
                   << "n_head=" << s[0] << "/" << s[1] << " head_dim=" << s[2] << " n=" << n);
      AttnProblem pb = AttnTester().n_head(s[0]).n_head_kv(s[1]).head_dim(s[2]).n_q(n).Make();
      const std::vector<float> full = run(pb.params);
      AttnParams decode = pb.params;
      decode.n_q = 1;
      decode.q_pos0 = n - 1;
      decode.q = pb.params.q + (n - 1) * pb.params.q_token_stride;
      const std::vector<float> last = run(decode);
      const size_t width = s[0] * s[2];
      for (size_t c = 0; c < width; ++c) ASSERT_NEAR(last[c], full[(n - 1) * width + c], 1e-5) << c;
    }
  }
}

TEST(F32Attn, ChunkedPrefillEqualsFullPrefill) {
  AttnProblem pb = AttnTester().n_head(4).n_head_kv(2).head_dim(64).n_q(203).Make();
  const std::vector<float> full = run(pb.params);
  const size_t width = 4 * 64;
  for (size_t begin = 0, chunk = 1; begin < 203; begin += chunk, chunk = chunk * 3 + 1) {
    AttnParams part = pb.params;
    part.q_pos0 = begin;
    part.n_q = std::min<size_t>(chunk, 203 - begin);
    part.n_kv = begin + part.n_q;  // only what a growing cache would hold
    part.q = pb.params.q + begin * pb.params.q_token_stride;
    const std::vector<float> got = run(part);
    for (size_t c = 0; c < part.n_q * width; ++c) ASSERT_NEAR(got[c], full[begin * width + c], 1e-5) << begin;
  }
}

TEST(F32Attn, ProbsMatchReferenceAndFusedOutput) {
  for (bool causal : {true, false}) {
    for (size_t head_dim : {4, 32, 64, 80}) {
      for (size_t n : {1, 7, 64, 333}) {
        AttnTester t;
        t.causal(causal).n_head(4).n_head_kv(2).head_dim(head_dim).n_q(n).with_probs(true);
        t.Test(probs_engines());
        AttnProblem pb = t.Make();
        AttnParams fused = pb.params;
        fused.probs = nullptr;
        const std::vector<float> with_probs = run(pb.params), without = run(fused);
        for (size_t c = 0; c < with_probs.size(); ++c) ASSERT_NEAR(with_probs[c], without[c], 1e-5) << c;
      }
    }
  }
  // Decode with probabilities over a long cache, and a query block at an offset.
  AttnTester().n_head(2).head_dim(64).q_pos0(700).n_q(1).with_probs(true).Test(probs_engines());
  AttnTester().n_head(8).n_head_kv(2).head_dim(32).q_pos0(70).n_q(9).n_kv(100).with_probs(true).Test(
      probs_engines());
}

TEST(F32Attn, KeyMaskHidesPaddedKeys) {
  // An encoder batch padded from 45 to 64 keys, plus two masked keys inside.
  std::vector<size_t> masked = {3, 17};
  for (size_t t = 45; t < 64; ++t) masked.push_back(t);
  for (size_t head_dim : {8, 64}) {
    AttnTester().causal(false).n_head(4).head_dim(head_dim).n_q(64).mask_keys(masked).Test(fused_engines());
    AttnTester().causal(false).n_head(4).head_dim(head_dim).n_q(64).mask_keys(masked).with_probs(true).Test(
        probs_engines());
    AttnTester().n_head(4).head_dim(head_dim).n_q(64).mask_keys(masked).Test(fused_engines());
  }
  // Every other key of a 1000-key encoder row.
  std::vector<size_t> odd;
  for (size_t t = 1; t < 1000; t += 2) odd.push_back(t);
  AttnTester().causal(false).n_head(2).head_dim(32).n_q(5).n_kv(1000).mask_keys(odd).Test(fused_engines());
}

TEST(F32Attn, FullyMaskedRowGivesZeros) {
  // Causal with key 0 masked: query 0 sees only key 0, so its row is fully
  // masked; the reference gives zeros there and real values elsewhere.
  for (size_t n : {1, 5, 70}) {
    AttnTester().n_head(2).head_dim(32).n_q(n).mask_keys({0}).Test(fused_engines());
    AttnTester().n_head(2).head_dim(32).n_q(n).mask_keys({0}).with_probs(true).Test(probs_engines());
  }
  // Every key masked: all outputs and probabilities are exactly zero.
  for (const AttnEngine& engine : attn_engines()) {
    for (bool with_probs : {false, true}) {
      std::vector<size_t> all(150);
      for (size_t t = 0; t < all.size(); ++t) all[t] = t;
      AttnProblem pb = AttnTester()
                           .causal(false)
                           .n_head(2)
                           .head_dim(64)
                           .n_q(6)
                           .n_kv(150)
                           .mask_keys(all)
                           .with_probs(with_probs)
                           .Make();
      ASSERT_TRUE(f32_attention_with(nullptr, pb.params, engine.ukernels).ok());
      for (float x : pb.out) ASSERT_EQ(x, 0.0f) << engine.name;
      for (float x : pb.probs) ASSERT_EQ(x, 0.0f) << engine.name;
    }
  }
}

TEST(F32Attn, ThreadedEqualsOneThreadBitForBit) {
  ThreadPool pool(4);
  const size_t kShapes[][4] = {// n_head, n_head_kv, n_q, q_pos0
                               {12, 12, 300, 0},
                               {8, 2, 77, 0},
                               {12, 12, 1, 500},
                               {8, 2, 1, 500},
                               {4, 4, 33, 90}};
  for (const auto& s : kShapes) {
    for (bool with_probs : {false, true}) {
      AttnProblem pb = AttnTester()
                           .n_head(s[0])
                           .n_head_kv(s[1])
                           .head_dim(64)
                           .n_q(s[2])
                           .q_pos0(s[3])
                           .with_probs(with_probs)
                           .Make();
      const std::vector<float> one = run(pb.params);
      const std::vector<float> probs_one = pb.probs;
      const std::vector<float> four = run(pb.params, &pool);
      EXPECT_EQ(one, four) << "n_head=" << s[0] << " n_q=" << s[2] << " probs=" << with_probs;
      EXPECT_EQ(probs_one, pb.probs);
    }
  }
  // The threaded run is also correct, not just self-consistent.
  AttnTester().n_head(12).head_dim(64).n_q(130).Test(fused_engines(), &pool);
}

// f16 K/V: the reference reads the same f16 values as floats, so the kernels'
// tolerances are unchanged; every kernel, head size and key-block shape.
TEST(F32Attn, F16KvMatchesReference) {
  for (size_t head_dim : kHeadDims) {
    for (size_t n : kLengths) {
      AttnTester().kv_f16(true).n_head(2).head_dim(head_dim).n_q(n).seed(unsigned(n)).Test(fused_engines());
      // Decode: one query over the cache.
      AttnTester().kv_f16(true).n_head(4).n_head_kv(2).head_dim(head_dim).q_pos0(n).n_q(1).Test(
          fused_engines());
    }
  }
  AttnTester().kv_f16(true).causal(false).n_head(3).head_dim(32).n_q(5).n_kv(131).Test(fused_engines());
  AttnTester().kv_f16(true).n_head(6).n_head_kv(3).head_dim(20).n_q(37).kv_gap(4).kv_spare(29).Test(
      fused_engines());
  AttnTester().kv_f16(true).n_head(6).n_head_kv(3).head_dim(64).n_q(37).kv_head_major(false).kv_gap(20).Test(
      fused_engines());
  AttnTester()
      .kv_f16(true)
      .n_head(8)
      .n_head_kv(2)
      .head_dim(32)
      .q_pos0(70)
      .n_q(9)
      .n_kv(100)
      .with_probs(true)
      .Test(probs_engines());
  AttnTester()
      .kv_f16(true)
      .causal(false)
      .n_head(4)
      .head_dim(64)
      .n_q(64)
      .mask_keys({0, 5, 63})
      .Test(fused_engines());
}

// Sliding windows: row i sees keys j <= i with i - j < window, checked
// against the reference's key-by-key mask; windows shorter than, equal to and
// longer than a key block, rows split across key blocks, GQA groups (rows of
// one 4-row block with different windows), a cache that dropped old keys
// (kv_pos0 > 0), f16, and probabilities (zeros outside the window).
TEST(F32Attn, WindowedRowsMatchReference) {
  const size_t windows[] = {1, 3, 64, 100, 1000};
  for (size_t window : windows) {
    for (size_t head_dim : {size_t{8}, size_t{64}, size_t{80}}) {
      for (size_t n : {size_t{1}, size_t{7}, size_t{130}}) {
        AttnTester()
            .window(window)
            .n_head(2)
            .head_dim(head_dim)
            .n_q(n)
            .seed(unsigned(window + n))
            .Test(fused_engines());
        AttnTester().window(window).n_head(8).n_head_kv(2).head_dim(head_dim).q_pos0(150).n_q(n).Test(
            fused_engines());
        AttnTester().window(window).kv_f16(true).n_head(3).head_dim(head_dim).q_pos0(77).n_q(n).Test(
            fused_engines());
        // Keys before q_pos0 + 1 - window were dropped from the cache.
        const size_t q_pos0 = 300, kv_pos0 = q_pos0 + 1 > window ? q_pos0 + 1 - window : 0;
        AttnTester()
            .window(window)
            .n_head(4)
            .n_head_kv(2)
            .head_dim(head_dim)
            .q_pos0(q_pos0)
            .kv_pos0(kv_pos0)
            .n_q(n)
            .kv_spare(5)
            .Test(fused_engines());
      }
      AttnTester().window(window).n_head(2).head_dim(head_dim).q_pos0(40).n_q(30).with_probs(true).Test(
          probs_engines());
      AttnTester()
          .window(window)
          .kv_f16(true)
          .n_head(2)
          .head_dim(head_dim)
          .q_pos0(250)
          .kv_pos0(window > 250 ? 0 : 251 - window)
          .n_q(9)
          .with_probs(true)
          .Test(probs_engines());
    }
  }
}

// Bidirectional windows (EmbeddingGemma's sliding layers): row i sees keys j
// with |i - j| < window, against the reference's key-by-key mask; windows of
// one key, shorter and longer than a key block, GQA, a key mask on top, f16,
// probabilities, and queries at an offset among more keys.
TEST(F32Attn, BidirectionalWindowMatchesReference) {
  for (size_t window : {size_t{1}, size_t{3}, size_t{64}, size_t{100}, size_t{1000}}) {
    for (size_t head_dim : {size_t{8}, size_t{64}, size_t{80}}) {
      for (size_t n : {size_t{1}, size_t{7}, size_t{130}}) {
        AttnTester()
            .causal(false)
            .window(window)
            .n_head(2)
            .head_dim(head_dim)
            .n_q(n)
            .seed(unsigned(window + n))
            .Test(fused_engines());
        AttnTester().causal(false).window(window).n_head(8).n_head_kv(2).head_dim(head_dim).n_q(n).Test(
            fused_engines());
        AttnTester()
            .causal(false)
            .window(window)
            .kv_f16(true)
            .n_head(3)
            .head_dim(head_dim)
            .q_pos0(20)
            .n_q(n)
            .n_kv(n + 50)
            .Test(fused_engines());
      }
      AttnTester()
          .causal(false)
          .window(window)
          .n_head(2)
          .head_dim(head_dim)
          .n_q(70)
          .mask_keys({0, 33, 69})
          .Test(fused_engines());
      AttnTester().causal(false).window(window).n_head(2).head_dim(head_dim).n_q(30).with_probs(true).Test(
          probs_engines());
    }
  }
}

// A window as long as the context changes nothing: bit-identical to full attention.
TEST(F32Attn, WindowCoveringEveryKeyEqualsFullAttention) {
  AttnProblem pb = AttnTester().n_head(4).n_head_kv(2).head_dim(64).n_q(200).Make();
  ASSERT_TRUE(f32_attention(nullptr, pb.params).ok());
  const std::vector<float> full = pb.out;
  pb.params.window = 200;
  ASSERT_TRUE(f32_attention(nullptr, pb.params).ok());
  EXPECT_EQ(pb.out, full);
}

// Each invalid field gives invalid_argument with a message naming it.
TEST(F32Attn, RejectsInvalidParams) {
  AttnProblem pb = AttnTester().n_head(8).n_head_kv(2).head_dim(32).n_q(4).Make();
  const AttnParams good = pb.params;
  ASSERT_TRUE(f32_attention(nullptr, good).ok());
  struct Case {
    const char* field;
    void (*edit)(AttnParams&);
  };
  const Case cases[] = {
      {"n_head", [](AttnParams& p) { p.n_head = 0; }},
      {"n_head_kv", [](AttnParams& p) { p.n_head_kv = 0; }},
      {"n_head_kv (3) must divide n_head (8)", [](AttnParams& p) { p.n_head_kv = 3; }},
      {"head_dim (30)", [](AttnParams& p) { p.head_dim = 30; }},
      {"head_dim (0)", [](AttnParams& p) { p.head_dim = 0; }},
      {"head_dim (260)", [](AttnParams& p) { p.head_dim = 260; }},
      {"scale", [](AttnParams& p) { p.scale = 0; }},
      {"scale", [](AttnParams& p) { p.scale = std::numeric_limits<float>::quiet_NaN(); }},
      {"n_q", [](AttnParams& p) { p.n_q = 0; }},
      {"n_kv", [](AttnParams& p) { p.n_kv = 0; }},
      {"n_kv (4) must be at least q_pos0 + n_q (1 + 4)", [](AttnParams& p) { p.q_pos0 = 1; }},
      {"n_kv (3)", [](AttnParams& p) { p.n_kv = 3; }},
      {"kv_pos0 applies to causal attention only",
       [](AttnParams& p) {
         p.causal = false;
         p.q_pos0 = 1;
         p.kv_pos0 = 1;
         p.window = 2;
       }},
      {"n_kv (4) must be at least q_pos0 + n_q (1 + 4) for a bidirectional window",
       [](AttnParams& p) {
         p.causal = false;
         p.q_pos0 = 1;
         p.window = 2;
       }},
      {"keys before kv_pos0 (1) are missing",
       [](AttnParams& p) {
         p.q_pos0 = 1;
         p.kv_pos0 = 1;
       }},
      {"keys before kv_pos0 (1) are missing",
       [](AttnParams& p) {
         p.q_pos0 = 1;
         p.kv_pos0 = 1;
         p.window = 3;
       }},
      {"kv_pos0 (2) must not exceed q_pos0 (1)",
       [](AttnParams& p) {
         p.q_pos0 = 1;
         p.kv_pos0 = 2;
         p.window = 1;
       }},
      {"unknown kv_dtype", [](AttnParams& p) { p.kv_dtype = static_cast<KvDtype>(7); }},
      {"q is null", [](AttnParams& p) { p.q = nullptr; }},
      {"k is null", [](AttnParams& p) { p.k = nullptr; }},
      {"v is null", [](AttnParams& p) { p.v = nullptr; }},
      {"out is null", [](AttnParams& p) { p.out = nullptr; }},
      {"q_token_stride (0)", [](AttnParams& p) { p.q_token_stride = 0; }},
      {"out_token_stride (255)", [](AttnParams& p) { p.out_token_stride = 255; }},
      {"kv_token_stride (16)", [](AttnParams& p) { p.kv_token_stride = 16; }},
      {"kv_head_stride (0)", [](AttnParams& p) { p.kv_head_stride = 0; }},
      {"n_kv (2147483648) must be below 2^31",
       [](AttnParams& p) {
         p.causal = false;
         p.n_kv = size_t{1} << 31;
       }},
      // Sizes whose product overflows on 32-bit wasm and on 64-bit hosts alike.
      {"probs size",
       [](AttnParams& p) {
         static float sink;
         p.probs = &sink;
         p.causal = false;
         p.n_q = SIZE_MAX / 512;
         p.n_kv = size_t{1} << 20;
       }},
  };
  for (const Case& c : cases) {
    AttnParams p = good;
    c.edit(p);
    const Status s = f32_attention(nullptr, p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(s.message().find(c.field), std::string::npos) << "want '" << c.field << "' in: " << s.message();
  }
  // Non-causal attention has no n_kv >= q_pos0 + n_q requirement.
  AttnParams encoder = good;
  encoder.causal = false;
  encoder.q_pos0 = 100;
  EXPECT_TRUE(f32_attention(nullptr, encoder).ok());
}

}  // namespace
}  // namespace qkv
