// The masked-LM heads (models/heads/masked_lm.h) through ModelLoader and Encoder::masked_lm
// on tests/fixtures/{bert,roberta,distilbert,modernbert}-mlm-tiny, against PyTorch
// (gen_fill_mask.py): the logits at the mask positions only. Each fixture also records the
// head computed wrong (bias dropped, transform LayerNorm skipped, RoBERTa's untied decoder
// replaced by the tied embeddings): qkv must be far from those, so the comparison can fail.
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

constexpr double kTolerance = 2e-4;
constexpr double kVariantGap = 100 * kTolerance;

// One sequence of `ids` (whose length *n holds) as an EncoderInput.
EncoderInput one_sequence(const std::vector<int32_t>& ids, const size_t* n) {
  EncoderInput in;
  in.ids = ids.data();
  in.n_ids = *n;
  in.lengths = n;
  in.n_seqs = 1;
  return in;
}

// Largest |qkv - field| over every case's masks at its logit_ids.
double error_vs(LoadedEncoder& m, const char* field) {
  const JsonValue& cases = *m.ref.find("cases");
  double worst = 0;
  for (size_t c = 0; c < cases.size(); ++c) {
    const JsonValue& one = cases.at(c);
    const std::vector<int32_t> ids = ints_of(*one.find("ids"));
    const std::vector<int32_t> at = ints_of(*one.find("mask_positions"));
    const std::vector<int32_t> vocab_ids = ints_of(*one.find("logit_ids"));
    const std::vector<size_t> positions(at.begin(), at.end());
    const size_t n = ids.size();
    const EncoderInput in = one_sequence(ids, &n);
    std::vector<float> logits;
    const Status s = m.encoder->masked_lm(in, positions.data(), positions.size(), &logits);
    EXPECT_TRUE(s.ok()) << s.message();
    const size_t v = m.model->dims().n_vocab;
    EXPECT_EQ(logits.size(), positions.size() * v);
    const JsonValue& want = *one.find(field);
    for (size_t r = 0; r < want.size() && (r + 1) * v <= logits.size(); ++r) {
      for (size_t i = 0; i < vocab_ids.size(); ++i) {
        worst = std::max(worst, std::fabs(logits[r * v + vocab_ids[i]] - *want.at(r).at(i).as_double()));
      }
    }
  }
  return worst;
}

void expect_head_matches(const std::string& folder, const std::vector<std::string>& variants) {
  LoadedEncoder m;
  load_encoder(folder, &m);
  EXPECT_EQ(capabilities_of(*m.model), (std::vector<std::string>{"encode", "fill-mask"}));
  EXPECT_LT(error_vs(m, "logits"), kTolerance) << folder;
  for (const std::string& v : variants) EXPECT_GT(error_vs(m, (v + "_logits").c_str()), kVariantGap) << v;
}

TEST(MlmCheckpoint, BertHeadMatchesPyTorch) { expect_head_matches("bert-mlm-tiny", {"no_bias", "no_norm"}); }

TEST(MlmCheckpoint, RobertaUntiedDecoderMatchesPyTorch) {
  expect_head_matches("roberta-mlm-tiny", {"no_bias", "no_norm", "tied"});
}

TEST(MlmCheckpoint, RobertaTiedByConfigReadsTheEmbeddings) {
  // The same checkpoint with tie_word_embeddings true: the decoder is the word embeddings,
  // lm_head.decoder.weight is ignored, and the logits are the "tied" variant's.
  LoadedEncoder m;
  load_encoder("roberta-mlm-tiny", &m,
               with_key(read_file(fixture("roberta-mlm-tiny/config.json")), "tie_word_embeddings", "true"));
  EXPECT_LT(error_vs(m, "tied_logits"), kTolerance);
  EXPECT_GT(error_vs(m, "logits"), kVariantGap);
}

TEST(MlmCheckpoint, DistilBertHeadMatchesPyTorch) {
  expect_head_matches("distilbert-mlm-tiny", {"no_bias", "no_norm"});
}

TEST(MlmCheckpoint, ModernBertHeadMatchesPyTorch) {
  expect_head_matches("modernbert-mlm-tiny", {"no_bias", "no_norm"});
}

TEST(MlmCheckpoint, MissingHeadTensorsAreNamedAtLoad) {
  // distilbert-sst2-tiny's checkpoint has a classifier, no vocab_transform.
  std::unique_ptr<Model> model;
  const std::string config = with_key(read_file(fixture("distilbert-sst2-tiny/config.json")), "architectures",
                                      "[\"DistilBertForMaskedLM\"]");
  const Status s = load_folder("distilbert-sst2-tiny", WeightType::kF32, &model, config);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("vocab_transform.weight"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("vocab_projector.bias"), std::string::npos) << s.message();
}

TEST(MlmCheckpoint, UntiedConfigNeedsTheDecoderWeight) {
  // bert-mlm-tiny saved its decoder tied (no cls.predictions.decoder.weight): untied by config, the
  // loader names the missing tensor instead of reading the embeddings.
  std::unique_ptr<Model> model;
  const std::string config =
      with_key(read_file(fixture("bert-mlm-tiny/config.json")), "tie_word_embeddings", "false");
  const Status s = load_folder("bert-mlm-tiny", WeightType::kF32, &model, config);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("cls.predictions.decoder.weight"), std::string::npos) << s.message();
}

TEST(MlmCheckpoint, ModelWithoutHeadOrBadPositionsIsRefused) {
  LoadedEncoder m;
  load_encoder("bert-mlm-tiny", &m);
  const std::vector<int32_t> ids = {101, 103, 102};
  const size_t n = ids.size();
  const EncoderInput in = one_sequence(ids, &n);
  std::vector<float> logits;
  const size_t outside = 3;
  EXPECT_EQ(m.encoder->masked_lm(in, &outside, 1, &logits).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.encoder->masked_lm(in, nullptr, 0, &logits).code(), StatusCode::kInvalidArgument);
  const size_t one = 1;
  EXPECT_TRUE(m.encoder->masked_lm(in, &one, 1, &logits).ok());  // still usable

  LoadedEncoder classifier;
  load_encoder("distilbert-sst2-tiny", &classifier);
  EXPECT_EQ(classifier.encoder->masked_lm(in, &one, 1, &logits).code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace qkv
