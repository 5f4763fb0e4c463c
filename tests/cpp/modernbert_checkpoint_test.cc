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

  // Hidden states of sequences `ids` (packed, `lengths`) from the fixture
  // loaded with config.json text `config` ("" = the fixture's), on `pool`.
  static std::vector<float> encode(const std::vector<int32_t>& ids, const std::vector<size_t>& lengths,
                                   ThreadPool* pool, const std::string& config = "") {
    std::unique_ptr<Model> loaded;
    const Status s = load_folder(kFolder, WeightType::kF32, &loaded, config);
    EXPECT_TRUE(s.ok()) << s.message();
    std::shared_ptr<const Model> model = std::move(loaded);
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
