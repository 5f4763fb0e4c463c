// The ModernBERT encoder through ModelLoader on tests/fixtures/modernbert-tiny
// (gen_modernbert.py): last hidden states against PyTorch, one thread and
// three, packed batches, and ModernBertConfig's keys and defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "core/thread_pool.h"
#include "models/modernbert.h"
#include "runtime/encoder.h"

namespace qkv {
namespace {

using namespace fixtures;

constexpr const char* kFolder = "modernbert-tiny";

class ModernBertCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        parse_json(read_file(fixture(std::string(kFolder) + "/reference.json")), "reference.json", &ref_)
            .ok());
  }

  // The fixture loaded with config.json text `config` ("" = the fixture's).
  static std::shared_ptr<const Model> load(const std::string& config = "") {
    std::unique_ptr<Model> loaded;
    const Status s = load_folder(kFolder, WeightType::kF32, &loaded, config);
    EXPECT_TRUE(s.ok()) << s.message();
    return std::move(loaded);
  }

  // Hidden states of sequences `ids` (packed, `lengths`) on `pool`.
  static std::vector<float> encode(const std::shared_ptr<const Model>& model, const std::vector<int32_t>& ids,
                                   const std::vector<size_t>& lengths, ThreadPool* pool) {
    std::unique_ptr<Encoder> encoder;
    EXPECT_TRUE(Encoder::create(model, kFolder, pool, &encoder).ok());
    EncoderInput in;
    in.ids = ids.data();
    in.n_ids = ids.size();
    in.lengths = lengths.data();
    in.n_seqs = lengths.size();
    std::vector<float> hidden;
    const Status e = encoder->encode(in, &hidden);
    EXPECT_TRUE(e.ok()) << e.message();
    return hidden;
  }
  static std::vector<float> encode(const std::vector<int32_t>& ids, const std::vector<size_t>& lengths,
                                   ThreadPool* pool, const std::string& config = "") {
    return encode(load(config), ids, lengths, pool);
  }

  const JsonValue& input(size_t i) const { return ref_.find("inputs")->at(i); }

  JsonValue ref_;
};

TEST_F(ModernBertCheckpoint, HiddenStatesMatchPyTorchOnOneAndThreeThreads) {
  ThreadPool pool(3);
  for (size_t i = 0; i < ref_.find("inputs")->size(); ++i) {
    const std::vector<int32_t> ids = ints_of(*input(i).find("ids"));
    const std::vector<float> one = encode(ids, {ids.size()}, nullptr);
    EXPECT_LE(max_rows_error(one.data(), *input(i).find("last_hidden_state")), 1e-4) << "input " << i;
    EXPECT_EQ(encode(ids, {ids.size()}, &pool), one) << "input " << i;
  }
}

// Sequences packed back to back give each one's own states: neither the
// window nor the positions (from 0 in each sequence) leak across them.
TEST_F(ModernBertCheckpoint, PackedBatchEqualsSingleSequences) {
  std::vector<int32_t> ids;
  std::vector<size_t> lengths;
  const size_t picks[] = {3, 1, 4};
  for (size_t i : picks) {
    const std::vector<int32_t> one = ints_of(*input(i).find("ids"));
    ids.insert(ids.end(), one.begin(), one.end());
    lengths.push_back(one.size());
  }
  const std::vector<float> hidden = encode(ids, lengths, nullptr);
  size_t offset = 0;
  for (size_t j = 0; j < 3; ++j) {
    EXPECT_LE(max_rows_error(hidden.data() + offset * 32, *input(picks[j]).find("last_hidden_state")), 1e-4)
        << j;
    offset += lengths[j];
  }
}

// transformers 5 writes the RoPE bases as rope_parameters per layer kind and
// the kinds as layer_types: the same model.
TEST_F(ModernBertCheckpoint, RopeParametersAndLayerTypesLayout) {
  std::string config = read_file(fixture(std::string(kFolder) + "/config.json"));
  config = with_key(config, "global_rope_theta", "");
  config = with_key(config, "local_rope_theta", "");
  config = with_key(config, "rope_parameters",
                    R"({"full_attention": {"rope_type": "default", "rope_theta": 160000.0},
                        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}})");
  config = with_key(config, "layer_types",
                    R"(["full_attention", "sliding_attention", "sliding_attention", "full_attention"])");
  const std::vector<int32_t> ids = ints_of(*input(4).find("ids"));
  EXPECT_LE(
      max_rows_error(encode(ids, {ids.size()}, nullptr, config).data(), *input(4).find("last_hidden_state")),
      1e-4);
}

// ModernBertForMaskedLM's head (dense, GELU, LayerNorm, the tied decoder
// plus decoder.bias) on every position of one input: its logits at the
// reference's sampled ids and its top 5.
TEST_F(ModernBertCheckpoint, MaskedLmHeadMatchesPyTorch) {
  const JsonValue& mlm = *ref_.find("mlm");
  const std::vector<int32_t> ids =
      ints_of(*input(static_cast<size_t>(*mlm.find("input")->as_double())).find("ids"));
  const std::shared_ptr<const Model> model = load();
  const auto* modernbert = dynamic_cast<const ModernBertModel*>(model.get());
  ASSERT_NE(modernbert, nullptr);
  const std::vector<float> hidden = encode(model, ids, {ids.size()}, nullptr);
  const size_t n_vocab = model->dims().n_vocab, n = ids.size();
  std::vector<float> scratch(n * model->dims().n_embd), logits(n * n_vocab);
  ASSERT_TRUE(modernbert->masked_lm_logits(nullptr, hidden.data(), n, scratch.data(), logits.data()).ok());
  const std::vector<int32_t> vocab_ids = ints_of(*mlm.find("ids"));
  double worst = 0;
  for (size_t t = 0; t < n; ++t) {
    for (size_t j = 0; j < vocab_ids.size(); ++j) {
      const double want = *mlm.find("logits_at_ids")->at(t).at(j).as_double();
      worst = std::max(worst, std::fabs(logits[t * n_vocab + vocab_ids[j]] - want));
    }
    std::vector<int32_t> order(n_vocab);
    for (size_t v = 0; v < n_vocab; ++v) order[v] = static_cast<int32_t>(v);
    const float* row = logits.data() + t * n_vocab;
    std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                      [&](int32_t a, int32_t b) { return row[a] > row[b]; });
    std::vector<int32_t> top(order.begin(), order.begin() + 5),
        want_top = ints_of(mlm.find("top5_ids")->at(t));
    std::sort(top.begin(), top.end());
    std::sort(want_top.begin(), want_top.end());
    EXPECT_EQ(top, want_top) << "position " << t;
  }
  EXPECT_LE(worst, 1e-3);
  // A ModernBertModel checkpoint config: no head, no head tensors needed.
  std::string config = read_file(fixture(std::string(kFolder) + "/config.json"));
  config = with_key(config, "architectures", R"(["ModernBertModel"])");
  const std::shared_ptr<const Model> bare_model = load(config);
  const auto* bare = dynamic_cast<const ModernBertModel*>(bare_model.get());
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->masked_lm_logits(nullptr, hidden.data(), n, scratch.data(), logits.data()).code(),
            StatusCode::kUnsupported);
}

TEST(ModernBertConfig, DefaultsAreModernBertConfigs) {
  const auto c = parse_config<ModernBertConfig>(R"({"model_type": "modernbert"})");
  EXPECT_EQ(c.n_vocab, 50368u);
  EXPECT_EQ(c.n_embd, 768u);
  EXPECT_EQ(c.n_ff, 1152u);
  EXPECT_EQ(c.n_layer, 22u);
  EXPECT_EQ(c.n_head, 12u);
  EXPECT_EQ(c.n_ctx, 8192u);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-5f);
  EXPECT_FALSE(c.norm_bias || c.attention_bias || c.mlp_bias || c.gelu_tanh);
  EXPECT_EQ(c.local_attention, 128u);
  EXPECT_EQ(c.global_rope_theta, 160000.0);
  EXPECT_EQ(c.local_rope_theta, 10000.0);
  EXPECT_EQ(c.classifier_pooling, "cls");
  for (size_t i = 0; i < 22; ++i) {
    EXPECT_EQ(c.local[i], i % 3 != 0) << i;
    EXPECT_EQ(c.local_rope[i], i % 3 != 0) << i;
  }
}

TEST(ModernBertConfig, PatternsAndBases) {
  // The window follows global_attn_every_n_layers, the RoPE base layer_types (as modeling_modernbert.py reads
  // them).
  auto c = parse_config<ModernBertConfig>(
      R"({"model_type": "modernbert", "num_hidden_layers": 3, "global_attn_every_n_layers": 2,
          "layer_types": ["sliding_attention", "full_attention", "full_attention"]})");
  EXPECT_EQ(c.local, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(c.local_rope, (std::vector<bool>{true, false, false}));
  // rope_parameters' rope_theta wins over the top-level key.
  c = parse_config<ModernBertConfig>(
      R"({"model_type": "modernbert", "global_rope_theta": 5.0,
          "rope_parameters": {"full_attention": {"rope_theta": 7.0}}})");
  EXPECT_EQ(c.global_rope_theta, 7.0);
  EXPECT_EQ(c.local_rope_theta, 10000.0);
  // transformers < 5 ran local layers at global_rope_theta when local_rope_theta was null.
  c = parse_config<ModernBertConfig>(
      R"({"model_type": "modernbert", "global_rope_theta": 5.0, "local_rope_theta": null})");
  EXPECT_EQ(c.local_rope_theta, 5.0);
  c = parse_config<ModernBertConfig>(R"({"architectures": ["ModernBertForSequenceClassification"],
                                         "hidden_activation": "gelu_pytorch_tanh", "classifier_pooling": "mean"})");
  EXPECT_TRUE(c.gelu_tanh);
  EXPECT_EQ(c.classifier_pooling, "mean");
}

TEST(ModernBertConfig, BadConfigsAreNamed) {
  const std::string base = R"({"model_type": "modernbert", "num_hidden_layers": 2, )";
  expect_refused(base + R"("hidden_activation": "relu"})", StatusCode::kUnsupported,
                 "config.json: hidden_activation \"relu\" (qkv's ModernBERT runs gelu");
  expect_refused(base + R"("local_attention": 127})", StatusCode::kFormat,
                 "config.json: local_attention must be even");
  expect_refused(base + R"("classifier_pooling": "max"})", StatusCode::kFormat,
                 "classifier_pooling must be \"cls\" or \"mean\", found \"max\"");
  expect_refused(base + R"("rope_scaling": {"rope_type": "dynamic", "factor": 2}})", StatusCode::kUnsupported,
                 "rope_scaling.rope_type \"dynamic\"");
  expect_refused(base + R"("rope_parameters": {"sliding_attention": {"rope_theta": -1}}})",
                 StatusCode::kFormat,
                 "rope_parameters.sliding_attention.rope_theta must be a positive number");
  expect_refused(base + R"("layer_types": ["full_attention", "chunked_attention"]})",
                 StatusCode::kUnsupported, "layer_types[1] \"chunked_attention\"");
  expect_refused(base + R"("hidden_size": 100, "num_attention_heads": 3})", StatusCode::kFormat,
                 "hidden_size 100 is not divisible by num_attention_heads 3");
}

}  // namespace
}  // namespace qkv
