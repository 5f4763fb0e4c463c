// The BERT encoder through ModelLoader on tests/fixtures/bert-tiny
// (gen_bert.py): last hidden states of single sequences (one a sentence pair
// with token types), a batch packed without padding, and attention
// probabilities, against PyTorch.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "checkpoint_fixtures.h"

namespace qkv {
namespace {

using namespace fixtures;

std::vector<int32_t> ints_of(const JsonValue& list) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < list.size(); ++i) out.push_back(static_cast<int32_t>(*list.at(i).as_int64()));
  return out;
}

// Largest |got - want| over a [tokens][dim] JSON array.
double max_error(const float* got, const JsonValue& want) {
  double worst = 0;
  for (size_t t = 0; t < want.size(); ++t) {
    for (size_t i = 0; i < want.at(t).size(); ++i) {
      worst = std::max(worst, std::fabs(got[t * want.at(t).size() + i] - *want.at(t).at(i).as_double()));
    }
  }
  return worst;
}

class BertCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    std::unique_ptr<Model> loaded;
    const Status s = load_folder("bert-tiny", WeightType::kF32, &loaded);
    ASSERT_TRUE(s.ok()) << s.message();
    model_ = std::move(loaded);
    ASSERT_TRUE(parse_json(read_file(fixture("bert-tiny/reference.json")), "reference.json", &ref_).ok());
  }

  Status encode(const std::vector<int32_t>& ids, const std::vector<int32_t>* types, std::vector<size_t> lengths,
                std::vector<float>* hidden, float* const* probs = nullptr) const {
    hidden->assign(ids.size() * model_->dims().n_embd, 0.0f);
    EncodeRequest r;
    r.ids = ids.data();
    r.token_types = types != nullptr ? types->data() : nullptr;
    r.lengths = lengths.data();
    r.n_seqs = lengths.size();
    r.hidden = hidden->data();
    r.attention_probs = probs;
    return model_->encode(nullptr, r);
  }

  std::unique_ptr<Model> model_;
  JsonValue ref_;
};

TEST_F(BertCheckpoint, HiddenStatesMatchPyTorch) {
  ASSERT_TRUE(model_->is_encoder());
  const JsonValue* inputs = ref_.find("inputs");
  ASSERT_GE(inputs->size(), 6u);
  for (size_t i = 0; i < inputs->size(); ++i) {
    const std::vector<int32_t> ids = ints_of(*inputs->at(i).find("ids"));
    const std::vector<int32_t> types = ints_of(*inputs->at(i).find("token_type_ids"));
    std::vector<float> hidden;
    const Status s = encode(ids, &types, {ids.size()}, &hidden);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_LE(max_error(hidden.data(), *inputs->at(i).find("last_hidden_state")), 1e-4) << "input " << i;
  }
}

// Sequences packed back to back give each one's own states: nothing leaks
// across sequences (what a padded batch's attention mask guarantees).
TEST_F(BertCheckpoint, PackedBatchEqualsSingleSequences) {
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
    EXPECT_LE(max_error(hidden.data() + offset * model_->dims().n_embd, want), 1e-4) << "sequence " << j;
    offset += lengths[j];
  }
}

TEST_F(BertCheckpoint, AttentionProbabilitiesMatchPyTorch) {
  const JsonValue* att = ref_.find("attention");
  const JsonValue& input = ref_.find("inputs")->at(*att->find("input")->as_uint64());
  const std::vector<int32_t> ids = ints_of(*input.find("ids"));
  const std::vector<int32_t> types = ints_of(*input.find("token_type_ids"));
  const ModelDims& d = model_->dims();
  const size_t n = ids.size();
  std::vector<std::vector<float>> probs(d.n_layer, std::vector<float>(d.n_head * n * n));
  std::vector<float*> per_layer;
  for (auto& p : probs) per_layer.push_back(p.data());
  std::vector<float> hidden;
  ASSERT_TRUE(encode(ids, &types, {n}, &hidden, per_layer.data()).ok());
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

TEST_F(BertCheckpoint, BadRequestsAreNamed) {
  std::vector<float> hidden;
  const std::vector<int32_t> ids = {101, 7592, 102};
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
  KvCache cache;
  Activations act;
  EXPECT_EQ(model_->forward(nullptr, cache, act, ForwardRequest()).code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace qkv
