// The classification heads through ModelLoader and Encoder::classify / classify_tokens on
// tests/fixtures/distilbert-sst2-tiny (DistilBERT's names, pre_classifier + ReLU),
// bert-nli-tiny (pooler + tanh, pairs with token types) and rerank-tiny (XLM-R's
// classifier.dense + tanh, out_proj; one logit) and bert-ner-tiny (a token classifier), against
// PyTorch (gen_classifiers.py); ModernBERT's heads on modernbert-{nli,ner,qa}-tiny
// (gen_modernbert_heads.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "runtime/encoder.h"

namespace qkv {
namespace {

using namespace fixtures;

struct Loaded {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Encoder> encoder;
  JsonValue ref;
};

void load(const std::string& folder, Loaded* out) {
  std::unique_ptr<Model> model;
  const Status s = load_folder(folder, WeightType::kF32, &model);
  ASSERT_TRUE(s.ok()) << s.message();
  out->model = std::move(model);
  ASSERT_TRUE(Encoder::create(out->model, folder, nullptr, &out->encoder).ok());
  ASSERT_TRUE(parse_json(read_file(fixture(folder + "/reference.json")), "reference.json", &out->ref).ok());
}

// The logits of every item of `list` (each with "ids", optional "token_type_ids"), packed in one
// call, against each item's `field`; returns the largest |error|.
double classify_error(Loaded& m, const JsonValue& list, const char* field, bool with_types = true) {
  std::vector<int32_t> ids, types;
  std::vector<size_t> lengths;
  std::vector<float> want;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::vector<int32_t> one = ints_of(*list.at(i).find("ids"));
    const JsonValue* t = list.at(i).find("token_type_ids");
    const std::vector<int32_t> one_types =
        t != nullptr && with_types ? ints_of(*t) : std::vector<int32_t>(one.size());
    ids.insert(ids.end(), one.begin(), one.end());
    types.insert(types.end(), one_types.begin(), one_types.end());
    lengths.push_back(one.size());
    const JsonValue& w = *list.at(i).find(field);
    if (w.is_array()) {
      for (size_t k = 0; k < w.size(); ++k) want.push_back(static_cast<float>(*w.at(k).as_double()));
    } else {
      want.push_back(static_cast<float>(*w.as_double()));
    }
  }
  EncoderInput in;
  in.ids = ids.data();
  in.n_ids = ids.size();
  in.lengths = lengths.data();
  in.n_seqs = lengths.size();
  in.token_types = m.model->encoder()->n_token_types() > 0 ? types.data() : nullptr;
  std::vector<float> logits;
  const Status s = m.encoder->classify(in, &logits);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(logits.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(want.size(), logits.size()); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs(logits[i] - want[i])));
  return worst;
}

TEST(ClassifierCheckpoint, DistilBertHeadMatchesPyTorchAndNeedsItsRelu) {
  Loaded m;
  load("distilbert-sst2-tiny", &m);
  EXPECT_EQ(capabilities_of(*m.model), (std::vector<std::string>{"encode", "classify"}));
  EXPECT_EQ(m.model->encoder()->n_token_types(), 0u);
  EXPECT_EQ(m.model->sequence_classifier()->n_labels(), 2u);
  const JsonValue& inputs = *m.ref.find("inputs");
  EXPECT_LE(classify_error(m, inputs, "logits"), 1e-4);
  EXPECT_GT(classify_error(m, inputs, "no_relu_logits"), 1e-2);
}

TEST(ClassifierCheckpoint, BertPairsNeedTheirTokenTypes) {
  Loaded m;
  load("bert-nli-tiny", &m);
  const JsonValue& pairs = *m.ref.find("pairs");
  EXPECT_LE(classify_error(m, pairs, "logits"), 1e-4);
  EXPECT_LE(classify_error(m, pairs, "no_token_types_logits", false), 1e-4);
  EXPECT_GT(classify_error(m, pairs, "logits", false), 1e-2);
}

TEST(ClassifierCheckpoint, XlmRobertaOneLogitHead) {
  Loaded m;
  load("rerank-tiny", &m);
  EXPECT_EQ(m.model->sequence_classifier()->n_labels(), 1u);
  EXPECT_LE(classify_error(m, *m.ref.find("documents"), "logit"), 1e-4);
}

// Every token's logits of the texts of `texts` (each with "ids" and "logits" [tokens][labels]),
// packed in one call through the token classifier, or the question-answering head when `qa`;
// returns the largest |error|.
double token_logits_error(Loaded& m, const JsonValue& texts, bool qa = false) {
  std::vector<int32_t> ids;
  std::vector<size_t> lengths;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<int32_t> one = ints_of(*texts.at(i).find("ids"));
    ids.insert(ids.end(), one.begin(), one.end());
    lengths.push_back(one.size());
  }
  EncoderInput in;
  in.ids = ids.data();
  in.n_ids = ids.size();
  in.lengths = lengths.data();
  in.n_seqs = lengths.size();
  std::vector<float> logits;
  const Status s = qa ? m.encoder->answer_logits(in, &logits) : m.encoder->classify_tokens(in, &logits);
  EXPECT_TRUE(s.ok()) << s.message();
  const size_t n_labels = qa ? 2 : m.model->token_classifier()->n_labels();
  if (logits.size() != ids.size() * n_labels) {
    ADD_FAILURE() << logits.size() << " logits for " << ids.size() << " tokens";
    return INFINITY;
  }
  double worst = 0;
  size_t row = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const JsonValue& want = *texts.at(i).find("logits");
    for (size_t t = 0; t < want.size(); ++t, ++row) {
      for (size_t k = 0; k < n_labels; ++k)
        worst = std::max(worst, std::fabs(logits[row * n_labels + k] - *want.at(t).at(k).as_double()));
    }
  }
  return worst;
}

TEST(ClassifierCheckpoint, BertTokenHeadMatchesPyTorch) {
  Loaded m;
  load("bert-ner-tiny", &m);
  EXPECT_EQ(capabilities_of(*m.model), (std::vector<std::string>{"encode", "classify-tokens"}));
  EXPECT_EQ(m.model->sequence_classifier(), nullptr);
  EXPECT_LE(token_logits_error(m, *m.ref.find("texts")), 1e-4);
}

TEST(ClassifierCheckpoint, ModernBertSequenceHeadPoolsAsItsConfigSays) {
  Loaded m;
  load("modernbert-nli-tiny", &m);
  EXPECT_EQ(capabilities_of(*m.model), (std::vector<std::string>{"encode", "classify"}));
  EXPECT_EQ(m.model->sequence_classifier()->n_labels(), 3u);
  const JsonValue& inputs = *m.ref.find("inputs");
  // classifier_pooling "mean": far from the logits of the [CLS] row.
  EXPECT_LE(classify_error(m, inputs, "logits"), 1e-4);
  EXPECT_GT(classify_error(m, inputs, "cls_pooling_logits"), 1e-2);
  std::string config = read_file(fixture("modernbert-nli-tiny/config.json"));
  const std::string mean = R"("classifier_pooling": "mean")";
  ASSERT_NE(config.find(mean), std::string::npos);
  config.replace(config.find(mean), mean.size(), R"("classifier_pooling": "cls")");
  std::unique_ptr<Model> cls;
  ASSERT_TRUE(load_folder("modernbert-nli-tiny", WeightType::kF32, &cls, config).ok());
  m.model = std::move(cls);
  ASSERT_TRUE(Encoder::create(m.model, "modernbert-nli-tiny", nullptr, &m.encoder).ok());
  EXPECT_LE(classify_error(m, inputs, "cls_pooling_logits"), 1e-4);
}

TEST(ClassifierCheckpoint, ModernBertTokenAndQuestionAnsweringHeads) {
  // Logits up to ~10 after the prediction head's LayerNorm: 2e-4 is 2e-5 of them (BERT's stay under 1e-4).
  const double tol = 2e-4;
  Loaded ner, qa;
  load("modernbert-ner-tiny", &ner);
  EXPECT_EQ(capabilities_of(*ner.model), (std::vector<std::string>{"encode", "classify-tokens"}));
  EXPECT_LE(token_logits_error(ner, *ner.ref.find("texts")), tol);
  load("modernbert-qa-tiny", &qa);
  EXPECT_EQ(capabilities_of(*qa.model), (std::vector<std::string>{"encode", "question-answering"}));
  EXPECT_EQ(qa.model->token_classifier(), nullptr);
  EXPECT_LE(token_logits_error(qa, *qa.ref.find("texts"), true), tol);
}

TEST(ClassifierCheckpoint, EncoderWithoutHeadRefusesToClassify) {
  std::unique_ptr<Model> model;
  ASSERT_TRUE(load_folder("bert-tiny", WeightType::kF32, &model).ok());
  std::shared_ptr<const Model> shared = std::move(model);
  std::unique_ptr<Encoder> encoder;
  ASSERT_TRUE(Encoder::create(shared, "bert-tiny", nullptr, &encoder).ok());
  const std::vector<int32_t> ids = {101, 102};
  const std::vector<size_t> lengths = {2};
  EncoderInput in;
  in.ids = ids.data();
  in.n_ids = 2;
  in.lengths = lengths.data();
  in.n_seqs = 1;
  std::vector<float> logits;
  EXPECT_EQ(encoder->classify(in, &logits).code(), StatusCode::kUnsupported);
}

TEST(ClassifierCheckpoint, Id2LabelSizesTheHead) {
  std::string config = read_file(fixture("distilbert-sst2-tiny/config.json"));
  // A third label in id2label: the checkpoint's classifier has two rows, which the loader reports.
  const std::string two = R"("1": "POSITIVE")";
  ASSERT_NE(config.find(two), std::string::npos);
  const std::string three = config.replace(config.find(two), two.size(), R"("1": "POSITIVE", "2": "C")");
  std::unique_ptr<Model> model;
  const Status s = load_folder("distilbert-sst2-tiny", WeightType::kF32, &model, three);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("config.json implies [3]"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace qkv
