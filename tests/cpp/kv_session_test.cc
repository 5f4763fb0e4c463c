// Sessions over the grown, f16 and windowed KV caches: on the llama-tiny and
// gpt2-tiny fixtures, an f16 cache against the f32 one, truncation against
// the uninterrupted run and windowed prefill against windowed decoding; on a
// random tiny LLaMA, a 32768-position session and the up-front refusal of
// one that does not fit. (The windowed cache against an independent masked
// reference: gpt2_model_test's SlidingWindowCacheEqualsMaskedReference and
// f32_attn_test's WindowedRowsMatchReference.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "kernels/gemm/gemm.h"
#include "models/llama.h"

namespace qkv {
namespace {

using namespace fixtures;

std::shared_ptr<const Model> load(const char* folder, const std::string& config_text = "") {
  std::unique_ptr<Model> loaded;
  const Status s = load_folder(folder, WeightType::kF32, &loaded, config_text);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::shared_ptr<const Model>(std::move(loaded));
}

// llama-tiny's config.json with another max_position_embeddings.
std::string llama_tiny_config(size_t positions) {
  std::string text = read_file(fixture("llama-tiny/config.json"));
  const std::string key = "\"max_position_embeddings\": 128";
  const size_t at = text.find(key);
  EXPECT_NE(at, std::string::npos);
  return text.replace(at, key.size(), "\"max_position_embeddings\": " + std::to_string(positions));
}

std::vector<int32_t> some_ids(size_t n, size_t vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(n);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % vocab);
  return ids;
}

// Prefill's logits at every position, then `steps` decode steps (feeding
// ids_after), each step's logits appended.
std::vector<float> run(const std::shared_ptr<const Model>& model, const SessionOptions& o,
                       const std::vector<int32_t>& prompt, const std::vector<int32_t>& ids_after) {
  Session s(model, nullptr, o);
  Status st = s.append(prompt.data(), prompt.size(), true);
  EXPECT_TRUE(st.ok()) << st.message();
  std::vector<float> out = s.all_logits();
  for (int32_t id : ids_after) {
    st = s.append(&id, 1);
    EXPECT_TRUE(st.ok()) << st.message();
    out.insert(out.end(), s.logits(), s.logits() + model->dims().n_vocab);
  }
  return out;
}

// f16 keeps 11 significant bits: rounding moves each K and V entry by at
// most u = 2^-11 (≈ 4.9e-4) of itself. Scores q·k move by at most u·|q|·|k|,
// attention outputs (averages of V) by u·max|V| plus what the scores' change
// does to the weights, and the two layers' residual streams carry that to the
// logits roughly linearly: a few u times the logits' scale (max |logit| is
// 14-23 here), i.e. 0.01-0.05 (printed below). 32u·max|logit| leaves room
// without admitting a wrong cache (a shifted or stale key moves logits by O(1)).
TEST(KvCacheSession, F16CacheLogitsCloseToF32) {
  for (const char* folder : {"llama-tiny", "gpt2-tiny"}) {
    SCOPED_TRACE(folder);
    const std::shared_ptr<const Model> model = load(folder);
    ASSERT_NE(model, nullptr);
    const size_t vocab = model->dims().n_vocab, n_ctx = model->dims().n_ctx;  // 128 and 64
    const std::vector<int32_t> prompt = some_ids(n_ctx / 2, vocab, 1), after = some_ids(n_ctx / 2, vocab, 2);
    SessionOptions f32, f16;
    f16.kv_dtype = KvDtype::kF16;
    const std::vector<float> want = run(model, f32, prompt, after), got = run(model, f16, prompt, after);
    ASSERT_EQ(got.size(), want.size());
    double worst = 0, scale = 0, differs = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, double(std::fabs(got[i] - want[i])));
      scale = std::max(scale, double(std::fabs(want[i])));
      differs += got[i] != want[i];
    }
    std::printf("%s: f16 cache max |logit - f32 cache's| %.3g (max |logit| %.3g, u·max = %.3g)\n", folder,
                worst, scale, scale / 2048);
    EXPECT_LE(worst, 32.0 / 2048 * scale);
    EXPECT_GT(differs, 0);  // the f16 cache really was used
  }
}

// Truncating and appending again gives exactly the uninterrupted run: the
// rows before the cut are untouched and the rest rewritten.
TEST(KvCacheSession, TruncateThenAppendEqualsUninterrupted) {
  for (const char* folder : {"llama-tiny", "gpt2-tiny"}) {
    for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
      SCOPED_TRACE(testing::Message() << folder << " " << kv_dtype_name(dtype));
      const std::shared_ptr<const Model> model = load(folder);
      ASSERT_NE(model, nullptr);
      const size_t vocab = model->dims().n_vocab;
      const std::vector<int32_t> a = some_ids(30, vocab, 3), b = some_ids(20, vocab, 4),
                                 c = some_ids(25, vocab, 5);
      SessionOptions o;
      o.kv_dtype = dtype;
      Session straight(model, nullptr, o), detour(model, nullptr, o);
      ASSERT_TRUE(straight.append(a.data(), a.size()).ok());
      ASSERT_TRUE(straight.append(b.data(), b.size(), true).ok());
      ASSERT_TRUE(detour.append(a.data(), a.size()).ok());
      ASSERT_TRUE(detour.append(c.data(), c.size()).ok());
      const std::vector<float> before(detour.logits(), detour.logits() + vocab);
      ASSERT_TRUE(detour.truncate(30).ok());
      EXPECT_EQ(detour.position(), 30u);
      EXPECT_EQ(detour.tokens(), a);
      ASSERT_TRUE(detour.append(b.data(), b.size(), true).ok());
      EXPECT_EQ(detour.all_logits(), straight.all_logits());
      EXPECT_NE(before, std::vector<float>(detour.logits(), detour.logits() + vocab));
      // Rolling back decode steps (rejected draft tokens) and redoing them.
      for (size_t i = 0; i < 6; ++i) ASSERT_TRUE(detour.append(&c[i], 1).ok());
      ASSERT_TRUE(detour.truncate(50).ok());
      for (size_t i = 0; i < 6; ++i) ASSERT_TRUE(straight.append(&c[i], 1).ok());
      for (size_t i = 0; i < 6; ++i) ASSERT_TRUE(detour.append(&c[i], 1).ok());
      EXPECT_EQ(std::vector<float>(detour.logits(), detour.logits() + vocab),
                std::vector<float>(straight.logits(), straight.logits() + vocab));
      const Status past = detour.truncate(57);
      EXPECT_EQ(past.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(detour.position(), 56u);
    }
  }
}

// The prompt cache (web/src/prompt-cache.ts) relies on this: a position's
// logits hardly depend on how the tokens before it went in (one prefill, two
// chunks, or one decode step each): only the order of float sums differs
// (GEMM tiles against the GEMV, the attention kernels), so they agree to float
// rounding, 1e-6 of the logits' scale, and a chat turn on a reused cache
// matches a fresh session. With q8 weights too, because the q8 GEMM rounds
// each token's activations to 8 bits exactly as the q8 GEMV does.
TEST(KvCacheSession, HowAPromptIsSplitHardlyChangesLogits) {
  for (const char* folder : {"llama-tiny", "gpt2-tiny"}) {
    for (WeightType type : {WeightType::kF32, WeightType::kF16, WeightType::kQ8}) {
      SCOPED_TRACE(testing::Message() << folder << " " << weight_type_name(type));
      std::unique_ptr<Model> loaded;
      const Status s = load_folder(folder, type, &loaded);
      ASSERT_TRUE(s.ok()) << s.message();
      const std::shared_ptr<const Model> model(std::move(loaded));
      const size_t vocab = model->dims().n_vocab;
      const std::vector<int32_t> ids = some_ids(40, vocab, 6);
      Session whole(model, nullptr), split(model, nullptr), stepped(model, nullptr);
      ASSERT_TRUE(whole.append(ids.data(), ids.size()).ok());
      ASSERT_TRUE(split.append(ids.data(), 7).ok());
      ASSERT_TRUE(split.append(ids.data() + 7, ids.size() - 7).ok());
      for (int32_t id : ids) ASSERT_TRUE(stepped.append(&id, 1).ok());
      double scale = 0, split_error = 0, step_error = 0;
      for (size_t i = 0; i < vocab; ++i) {
        scale = std::max(scale, double(std::fabs(whole.logits()[i])));
        split_error = std::max(split_error, double(std::fabs(split.logits()[i] - whole.logits()[i])));
        step_error = std::max(step_error, double(std::fabs(stepped.logits()[i] - whole.logits()[i])));
      }
      std::printf("%s %s: max |logit difference| split %.3g, stepped %.3g (max |logit| %.3g)\n", folder,
                  weight_type_name(type), split_error, step_error, scale);
      // q8 too: prefill (the q8 GEMM) quantizes each token's activations exactly as decode (the q8 GEMV)
      // does.
      EXPECT_LE(split_error, 1e-6 * scale);
      EXPECT_LE(step_error, 1e-6 * scale);
    }
  }
}

// Windowed layers on llama-tiny (context raised to 1024 so the windows drop
// rows): prefill in 128-token chunks and token-by-token decoding agree, and
// the first `window` positions equal full attention (nothing to mask yet).
TEST(KvCacheSession, WindowedPrefillEqualsWindowedDecoding) {
  const std::shared_ptr<const Model> model = load("llama-tiny", llama_tiny_config(1024));
  ASSERT_NE(model, nullptr);
  const size_t vocab = model->dims().n_vocab, n = 400;
  const std::vector<int32_t> ids = some_ids(n, vocab, 6);
  for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
    SessionOptions o;
    o.kv_dtype = dtype;
    o.layer_windows = {9, 150};
    Session prefill(model, nullptr, o), decode(model, nullptr, o), full(model, nullptr);
    ASSERT_TRUE(prefill.append(ids.data(), n, true).ok());
    ASSERT_TRUE(full.append(ids.data(), n, true).ok());
    double worst = 0, masked_apart = 0;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(decode.append(&ids[i], 1).ok());
      for (size_t v = 0; v < vocab; ++v) {
        const float want = prefill.all_logits()[i * vocab + v];
        worst = std::max(worst, double(std::fabs(decode.logits()[v] - want)));
        if (dtype == KvDtype::kF32 && i < 9) ASSERT_EQ(want, full.all_logits()[i * vocab + v]) << i;
        masked_apart = std::max(masked_apart, double(std::fabs(full.all_logits()[i * vocab + v] - want)));
      }
    }
    EXPECT_LE(worst, 2e-4) << kv_dtype_name(dtype);  // chunked vs one-row kernels: f32 rounding only
    EXPECT_GT(masked_apart, 0.05);                   // the windows do mask
    EXPECT_LE(prefill.cache().bytes(), decode.cache().bytes() + 1024 * 2 * 2 * 16 * 4);
  }
}

// A tiny LLaMA with random weights (one full layer, one with a 64-key
// window; one head of 8) and a 32768-position context.
std::shared_ptr<const Model> random_llama(size_t n_ctx) {
  LlamaConfig c;
  c.architecture = "LlamaForCausalLM";
  c.n_vocab = 50;
  c.n_ctx = n_ctx;
  c.n_embd = 16;
  c.n_layer = 2;
  c.n_head = 1;
  c.n_head_kv = 1;
  c.head_dim = 8;
  c.n_ff = 32;
  auto model = std::make_shared<LlamaModel>(c);
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 0.3f);
  for (TensorSlot& slot : model->slots()) {
    size_t count = 1;
    for (size_t d : slot.shape) count *= d;
    std::vector<float> data(count);
    for (float& v : data) v = dist(rng) + (slot.name.find("norm") != std::string::npos ? 1.0f : 0.0f);
    if (slot.kind == TensorSlot::Kind::kF32) {
      float* dst = static_cast<float*>(model->store().allocate(count * sizeof(float)));
      std::copy(data.begin(), data.end(), dst);
      *slot.f32 = dst;
      continue;
    }
    const size_t n = slot.shape[0], k = slot.shape[1];
    void* packed = model->store().allocate(packed_weights_bytes(WeightType::kF32, n, k));
    EXPECT_TRUE(pack_weights(data.data(), SourceType::kF32, SourceLayout::kNK, n, k, WeightType::kF32, packed,
                             nullptr, nullptr)
                    .ok());
    slot.linear->w = PackedWeights{WeightType::kF32, n, k, packed, nullptr};
  }
  return model;
}

TEST(KvCacheSession, A32kPositionSessionRunsAndGrowsAsUsed) {
  constexpr size_t kPositions = 32768;
  const std::shared_ptr<const Model> model = random_llama(kPositions);
  SessionOptions o;
  o.layer_windows = {0, 64};
  Session session(model, nullptr, o);
  EXPECT_EQ(session.max_positions(), kPositions);
  const std::vector<int32_t> ids = some_ids(kPositions, 50, 10);
  // 1000 positions take memory for ~1000 (one grain and doubling), not 32768.
  ASSERT_TRUE(session.append(ids.data(), 1000).ok());
  const size_t row = 2 * 8 * sizeof(float);  // K and V of one head
  EXPECT_LE(session.cache().bytes(), row * (1024 + 64 - 1 + Session::kPrefillChunk));
  Status s = session.append(ids.data() + 1000, kPositions - 1001);
  ASSERT_TRUE(s.ok()) << s.message();
  s = session.append(&ids[kPositions - 1], 1);  // a decode step at position 32767
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(session.position(), kPositions);
  for (size_t v = 0; v < 50; ++v) ASSERT_TRUE(std::isfinite(session.logits()[v]));
  EXPECT_EQ(session.cache().bytes(), row * (kPositions + 64 - 1 + Session::kPrefillChunk));
  // The context is full: one more is refused and nothing changes.
  s = session.append(&ids[0], 1);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("context of 32768 tokens"), std::string::npos) << s.message();
  EXPECT_EQ(session.position(), kPositions);
  // Going back 10 positions and on again equals the straight decode step.
  const std::vector<float> last(session.logits(), session.logits() + 50);
  ASSERT_TRUE(session.truncate(kPositions - 10).ok());
  ASSERT_TRUE(session.append(ids.data() + kPositions - 10, 10).ok());
  for (size_t v = 0; v < 50; ++v) EXPECT_NEAR(session.logits()[v], last[v], 1e-4);
}

TEST(KvCacheSession, ARequestThatDoesNotFitIsRefusedUpFront) {
  const std::shared_ptr<const Model> model = random_llama(32768);
  const size_t row = 2 * 8 * sizeof(float);
  SessionOptions o;
  o.layer_windows = {0, 64};
  o.max_cache_bytes = row * (20000 + 64 - 1 + Session::kPrefillChunk);  // 20000 positions
  Session session(model, nullptr, o);
  const std::vector<int32_t> ids = some_ids(32768, 50, 11);
  Status s = session.append(ids.data(), ids.size());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("32768 positions need"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("20000 positions fit"), std::string::npos) << s.message();
  EXPECT_EQ(session.position(), 0u);
  EXPECT_EQ(session.cache().bytes(), 0u);  // refused before allocating anything
  s = session.reserve(20001);
  EXPECT_NE(s.message().find("20000 positions fit"), std::string::npos) << s.message();
  // What fits still runs (f16 halves the rows: twice the positions would fit).
  ASSERT_TRUE(session.append(ids.data(), 300).ok());
  o.kv_dtype = KvDtype::kF16;
  Session half(model, nullptr, o);
  s = half.reserve(32768);
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(KvCacheSession, BadOptionsAreRefusedByEveryCall) {
  const std::shared_ptr<const Model> model = random_llama(100);
  SessionOptions o;
  o.max_positions = 101;
  Session too_long(model, nullptr, o);
  const int32_t id = 1;
  Status s = too_long.append(&id, 1);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("a context of 101 positions exceeds the model's 100 (max_position_embeddings)"),
            std::string::npos)
      << s.message();
  o.max_positions = 0;
  o.layer_windows = {0};
  s = Session(model, nullptr, o).append(&id, 1);
  EXPECT_NE(s.message().find("1 layer windows for 2 layers"), std::string::npos) << s.message();
  // A session limit below the model's context.
  o.layer_windows = {};
  o.max_positions = 10;
  Session short_session(model, nullptr, o);
  const std::vector<int32_t> ids = some_ids(11, 50, 12);
  s = short_session.append(ids.data(), 11);
  EXPECT_NE(s.message().find("exceed the session's limit of 10 tokens"), std::string::npos) << s.message();
  EXPECT_TRUE(short_session.append(ids.data(), 10).ok());
}

}  // namespace
}  // namespace qkv
