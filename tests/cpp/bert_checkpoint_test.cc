// The BERT encoder through ModelLoader on tests/fixtures/bert-tiny and
// roberta-tiny (gen_bert.py): last hidden states of single sequences (one a
// sentence pair), a batch packed without padding, and attention
// probabilities, against PyTorch; RoBERTa's positions and config checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "runtime/encoder.h"

namespace qkv {
namespace {

using namespace fixtures;

// Runs each test on bert-tiny and on roberta-tiny (positions from pad_token_id + 1).
class BertCheckpoint : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::unique_ptr<Model> loaded;
    const std::string folder = GetParam();
    const Status s = load_folder(folder, WeightType::kF32, &loaded);
    ASSERT_TRUE(s.ok()) << s.message();
    model_ = std::move(loaded);
    ASSERT_TRUE(Encoder::create(model_, folder, nullptr, &encoder_).ok());
    ASSERT_TRUE(parse_json(read_file(fixture(folder + "/reference.json")), "reference.json", &ref_).ok());
  }

  static EncoderInput input(const std::vector<int32_t>& ids, const std::vector<int32_t>* types,
                            const std::vector<size_t>& lengths) {
    EncoderInput in;
    in.ids = ids.data();
    in.n_ids = ids.size();
    in.token_types = types != nullptr ? types->data() : nullptr;
    in.lengths = lengths.data();
    in.n_seqs = lengths.size();
    return in;
  }

  Status encode(const std::vector<int32_t>& ids, const std::vector<int32_t>* types,
                const std::vector<size_t>& lengths, std::vector<float>* hidden) const {
    return encoder_->encode(input(ids, types, lengths), hidden);
  }

  std::shared_ptr<const Model> model_;
  std::unique_ptr<Encoder> encoder_;
  JsonValue ref_;
};

TEST_P(BertCheckpoint, HiddenStatesMatchPyTorch) {
  ASSERT_NE(model_->encoder(), nullptr);
  EXPECT_EQ(model_->decoder(), nullptr);
  EXPECT_EQ(capabilities_of(*model_), std::vector<std::string>{"encode"});
  const JsonValue* inputs = ref_.find("inputs");
  ASSERT_GE(inputs->size(), 6u);
  for (size_t i = 0; i < inputs->size(); ++i) {
    const std::vector<int32_t> ids = ints_of(*inputs->at(i).find("ids"));
    const std::vector<int32_t> types = ints_of(*inputs->at(i).find("token_type_ids"));
    std::vector<float> hidden;
    const Status s = encode(ids, &types, {ids.size()}, &hidden);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_LE(max_rows_error(hidden.data(), *inputs->at(i).find("last_hidden_state")), 1e-4) << "input " << i;
  }
}

// Sequences packed back to back give each one's own states: nothing leaks
// across sequences (what a padded batch's attention mask guarantees).
TEST_P(BertCheckpoint, PackedBatchEqualsSingleSequences) {
  const JsonValue* inputs = ref_.find("inputs");
  std::vector<int32_t> ids, types;
  std::vector<size_t> lengths;
  const size_t picks[] = {1, 2, 4};
  for (size_t i : picks) {
    const std::vector<int32_t> one = ints_of(*inputs->at(i).find("ids"));
    const std::vector<int32_t> one_types = ints_of(*inputs->at(i).find("token_type_ids"));
    ids.insert(ids.end(), one.begin(), one.end());
    types.insert(types.end(), one_types.begin(), one_types.end());
    lengths.push_back(one.size());
  }
  std::vector<float> hidden;
  ASSERT_TRUE(encode(ids, &types, lengths, &hidden).ok());
  size_t offset = 0;
  for (size_t j = 0; j < 3; ++j) {
    const JsonValue& want = *inputs->at(picks[j]).find("last_hidden_state");
    EXPECT_LE(max_rows_error(hidden.data() + offset * model_->dims().n_embd, want), 1e-4) << "sequence " << j;
    offset += lengths[j];
  }
}

// The pooling head against PyTorch's pooled padded batch: mean and [CLS],
// plain and normalized (mean and CLS differ by ~0.1 here, so a mix-up fails).
TEST_P(BertCheckpoint, PooledEmbeddingsMatchPyTorch) {
  const JsonValue& batch = *ref_.find("batch");
  const JsonValue& ids_rows = *batch.find("input_ids");
  const JsonValue& mask_rows = *batch.find("attention_mask");
  const JsonValue& type_rows = *batch.find("token_type_ids");
  std::vector<int32_t> ids, types;
  std::vector<size_t> lengths;
  for (size_t b = 0; b < ids_rows.size(); ++b) {
    size_t length = 0;
    for (size_t t = 0; t < mask_rows.at(b).size(); ++t) {
      if (*mask_rows.at(b).at(t).as_int64() == 0) continue;
      ids.push_back(static_cast<int32_t>(*ids_rows.at(b).at(t).as_int64()));
      types.push_back(static_cast<int32_t>(*type_rows.at(b).at(t).as_int64()));
      ++length;
    }
    lengths.push_back(length);
  }
  const struct {
    Pooling pooling;
    bool normalize;
    const char* key;
  } cases[] = {{Pooling::kMean, false, "mean_pooled"},
               {Pooling::kMean, true, "mean_pooled_normalized"},
               {Pooling::kCls, false, "cls_pooled"},
               {Pooling::kCls, true, "cls_pooled_normalized"}};
  for (const auto& c : cases) {
    std::vector<float> pooled;
    ASSERT_TRUE(encoder_->embed(input(ids, &types, lengths), c.pooling, c.normalize, &pooled).ok()) << c.key;
    ASSERT_EQ(pooled.size(), lengths.size() * model_->dims().n_embd);
    EXPECT_LE(max_rows_error(pooled.data(), *batch.find(c.key)), 1e-4) << c.key;
  }
  // 'none' keeps every token; normalized, each row has unit length.
  std::vector<float> rows;
  ASSERT_TRUE(encoder_->embed(input(ids, &types, lengths), Pooling::kNone, true, &rows).ok());
  ASSERT_EQ(rows.size(), ids.size() * model_->dims().n_embd);
  for (size_t t = 0; t < ids.size(); ++t) {
    double norm = 0;
    for (size_t i = 0; i < model_->dims().n_embd; ++i)
      norm += rows[t * model_->dims().n_embd + i] * rows[t * model_->dims().n_embd + i];
    EXPECT_NEAR(norm, 1.0, 1e-5) << "token " << t;
  }
  // 'max' against the largest value of each dimension over the sequence's
  // token rows, taken here from the plain 'none' rows (checked against
  // PyTorch above through mean and [CLS]); then scaled as F.normalize does.
  std::vector<float> plain;
  ASSERT_TRUE(encoder_->embed(input(ids, &types, lengths), Pooling::kNone, false, &plain).ok());
  const size_t n_embd = model_->dims().n_embd;
  for (bool normalize : {false, true}) {
    std::vector<float> pooled;
    ASSERT_TRUE(encoder_->embed(input(ids, &types, lengths), Pooling::kMax, normalize, &pooled).ok());
    ASSERT_EQ(pooled.size(), lengths.size() * n_embd);
    size_t first = 0;
    for (size_t s = 0; s < lengths.size(); first += lengths[s], ++s) {
      std::vector<double> want(n_embd, -1e30);
      for (size_t t = first; t < first + lengths[s]; ++t) {
        for (size_t i = 0; i < n_embd; ++i)
          want[i] = std::max(want[i], static_cast<double>(plain[t * n_embd + i]));
      }
      double norm = 0;
      for (double v : want) norm += v * v;
      const double scale = normalize ? 1.0 / std::sqrt(norm) : 1.0;
      double worst = 0;
      for (size_t i = 0; i < n_embd; ++i)
        worst = std::max(worst, std::abs(pooled[s * n_embd + i] - want[i] * scale));
      EXPECT_LE(worst, 1e-6) << "sequence " << s << (normalize ? " normalized" : "");
    }
  }
  // Max differs from mean here, so a head that ignored the name would fail.
  std::vector<float> mean, max;
  ASSERT_TRUE(encoder_->embed(input(ids, &types, lengths), Pooling::kMean, false, &mean).ok());
  ASSERT_TRUE(encoder_->embed(input(ids, &types, lengths), Pooling::kMax, false, &max).ok());
  double gap = 0;
  for (size_t i = 0; i < mean.size(); ++i)
    gap = std::max(gap, static_cast<double>(std::abs(mean[i] - max[i])));
  EXPECT_GT(gap, 0.1);
}

TEST_P(BertCheckpoint, AttentionProbabilitiesMatchPyTorch) {
  const JsonValue* att = ref_.find("attention");
  const JsonValue& input = ref_.find("inputs")->at(*att->find("input")->as_uint64());
  const std::vector<int32_t> ids = ints_of(*input.find("ids"));
  const std::vector<int32_t> types = ints_of(*input.find("token_type_ids"));
  const ModelDims& d = model_->dims();
  const size_t n = ids.size();
  std::vector<std::vector<float>> probs;
  ASSERT_TRUE(encoder_->attention(ids.data(), n, &probs).ok());
  ASSERT_EQ(probs.size(), d.n_layer);
  const JsonValue* want = att->find("probs");  // [layer][head][q][k]
  double worst = 0;
  for (size_t l = 0; l < d.n_layer; ++l) {
    for (size_t h = 0; h < d.n_head; ++h) {
      for (size_t q = 0; q < n; ++q) {
        for (size_t k = 0; k < n; ++k) {
          const double w = *want->at(l).at(h).at(q).at(k).as_double();
          worst = std::max(worst, std::fabs(probs[l][(h * n + q) * n + k] - w));
        }
      }
    }
  }
  EXPECT_LE(worst, 1e-5);
}

TEST_P(BertCheckpoint, BadRequestsAreNamed) {
  std::vector<float> hidden;
  const std::vector<int32_t> ids = {0, 7, 2};
  const std::vector<int32_t> types = {0, 2, 0};
  Status s = encode(ids, &types, {3}, &hidden);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("token type 2"), std::string::npos) << s.message();
  s = encode(ids, nullptr, {0, 3}, &hidden);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  const std::vector<int32_t> bad_id = {101, 40000, 102};
  s = encode(bad_id, nullptr, {3}, &hidden);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("40000"), std::string::npos) << s.message();
  std::vector<int32_t> long_ids(model_->dims().n_ctx + 1, 100);
  s = encode(long_ids, nullptr, {long_ids.size()}, &hidden);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = encode(ids, nullptr, {2}, &hidden);  // lengths that do not add up to the ids
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("add up to 2 tokens, not 3"), std::string::npos) << s.message();
  s = Session::require_decoder(*model_, GetParam());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("is an encoder"), std::string::npos) << s.message();
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BertCheckpoint, ::testing::Values("bert-tiny", "roberta-tiny"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param) == "bert-tiny" ? "Bert" : "Roberta";
                         });

std::string roberta_config() { return read_file(fixture("roberta-tiny/config.json")); }

// roberta-tiny's config.json with `from` (once) replaced by `to`.
std::string roberta_config_with(const std::string& from, const std::string& to) {
  std::string text = roberta_config();
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Status create(const std::string& config) {
  std::unique_ptr<ModelLoader> loader;
  return ModelLoader::create(config, WeightType::kF32, nullptr, &loader);
}

TEST(RobertaCheckpoint, ContextIsPositionsAfterThePaddingId) {
  std::unique_ptr<Model> model;
  ASSERT_TRUE(load_folder("roberta-tiny", WeightType::kF32, &model).ok());
  JsonValue ref;
  ASSERT_TRUE(parse_json(read_file(fixture("roberta-tiny/reference.json")), "reference.json", &ref).ok());
  EXPECT_EQ(model->dims().n_ctx, *ref.find("positions")->find("context")->as_uint64());  // 130 - 1 - 1
  EXPECT_EQ(model->dims().n_ctx, 128u);
  EXPECT_STREQ(model->checkpoint_prefix(), "roberta.");
}

// XLMRobertaModel is the same network; RobertaFor* / XLMRobertaFor* checkpoints
// nest it under "roberta." beside their heads.
TEST(RobertaCheckpoint, XlmRobertaAndPrefixedCheckpointsGiveTheSameStates) {
  JsonValue ref;
  ASSERT_TRUE(parse_json(read_file(fixture("roberta-tiny/reference.json")), "reference.json", &ref).ok());
  const JsonValue& input = ref.find("inputs")->at(2);
  const std::vector<int32_t> ids = ints_of(*input.find("ids"));
  const size_t lengths[] = {ids.size()};

  // model.safetensors with every tensor renamed "roberta.<name>" (offsets are relative to the data).
  const std::string bytes = read_file(fixture("roberta-tiny/model.safetensors"));
  ASSERT_GT(bytes.size(), 8u);
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  std::string header = bytes.substr(8, header_length);
  for (const char* name : {"\"embeddings.", "\"encoder.", "\"pooler."}) {
    for (size_t at = header.find(name); at != std::string::npos; at = header.find(name, at + 9)) {
      header.insert(at + 1, "roberta.");
    }
  }
  while (header.size() % 8 != 0) header += ' ';
  std::string prefixed(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(&prefixed[0], &n, 8);
  prefixed += header + bytes.substr(8 + header_length);

  const char* configs[][2] = {
      {"\"RobertaModel\"", "\"XLMRobertaModel\""},
      {"\"RobertaModel\"", "\"RobertaForMultipleChoice\""},  // a head qkv ignores
      {"\"RobertaModel\"", "\"XLMRobertaForMultipleChoice\""},
  };
  for (const auto& c : configs) {
    std::string config = roberta_config_with(c[0], c[1]);
    if (std::string(c[1]).find("XLM") != std::string::npos) {
      config = config.replace(config.find("\"roberta\""), 9, "\"xlm-roberta\"");
    }
    std::unique_ptr<ModelLoader> loader;
    ASSERT_TRUE(ModelLoader::create(config, WeightType::kF32, nullptr, &loader).ok()) << c[1];
    const std::string& file = std::string(c[1]).find("For") != std::string::npos ? prefixed : bytes;
    Status s = load_file(*loader, "model.safetensors", file);
    ASSERT_TRUE(s.ok()) << c[1] << ": " << s.message();
    std::unique_ptr<Model> model;
    s = loader->finish(&model);
    ASSERT_TRUE(s.ok()) << c[1] << ": " << s.message();
    std::unique_ptr<Encoder> encoder;
    ASSERT_TRUE(Encoder::create(std::move(model), c[1], nullptr, &encoder).ok());
    EncoderInput in;
    in.ids = ids.data();
    in.n_ids = ids.size();
    in.lengths = lengths;
    in.n_seqs = 1;
    std::vector<float> hidden;
    ASSERT_TRUE(encoder->encode(in, &hidden).ok());
    EXPECT_LE(max_rows_error(hidden.data(), *input.find("last_hidden_state")), 1e-4) << c[1];
  }
  // A sequence classifier's config needs its head: without the tensors, the loader names them.
  std::string config = roberta_config_with("\"RobertaModel\"", "\"XLMRobertaForSequenceClassification\"");
  std::unique_ptr<ModelLoader> loader;
  ASSERT_TRUE(ModelLoader::create(config, WeightType::kF32, nullptr, &loader).ok());
  ASSERT_TRUE(load_file(*loader, "model.safetensors", prefixed).ok());
  std::unique_ptr<Model> model;
  const Status s = loader->finish(&model);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("classifier.dense.weight"), std::string::npos) << s.message();
}

TEST(RobertaCheckpoint, BadConfigsAreNamed) {
  Status s = create(roberta_config_with("\"pad_token_id\": 1,", ""));
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_EQ(s.message(),
            "config.json: pad_token_id is missing (RoBERTa's positions start at pad_token_id + 1)");
  s = create(roberta_config_with("\"pad_token_id\": 1,", "\"pad_token_id\": 1024,"));
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_EQ(s.message(), "config.json: pad_token_id must be a token id below vocab_size 1024, found 1024");
  s = create(roberta_config_with("\"pad_token_id\": 1,", "\"pad_token_id\": -1,"));
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("pad_token_id must be a token id"), std::string::npos) << s.message();
  s = create(roberta_config_with("\"max_position_embeddings\": 130,", "\"max_position_embeddings\": 2,"));
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_EQ(s.message(),
            "config.json: max_position_embeddings must exceed pad_token_id + 1 = 2 (RoBERTa's context is "
            "max_position_embeddings - pad_token_id - 1), found 2");
  s = create(roberta_config_with("\"use_cache\": true,", "\"use_cache\": true, \"is_decoder\": true,"));
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("is_decoder"), std::string::npos) << s.message();
  // BERT numbers positions from 0: no pad_token_id needed, the whole table is context.
  s = create(roberta_config_with("\"RobertaModel\"", "\"BertModel\""));
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace qkv
