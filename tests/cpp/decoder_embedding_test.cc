// Decoders as embedding models through ModelLoader and Encoder, on
// tests/fixtures/qwen3-embed-tiny (Qwen3-Embedding: a Qwen3ForCausalLM
// config, Qwen3Model tensor names, last-token pooling) and
// embeddinggemma-tiny (EmbeddingGemma: Gemma3TextModel with
// use_bidirectional_attention), against gen_embed.py's PyTorch references.
// The sentence-transformers Dense modules run in web/src (tests/js).
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

double max_error(const float* got, const JsonValue& want) {
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::fabs(got[i] - *want.at(i).as_double()));
  return worst;
}

EncoderInput input(const std::vector<int32_t>& ids, const std::vector<size_t>& lengths) {
  EncoderInput in;
  in.ids = ids.data();
  in.n_ids = ids.size();
  in.lengths = lengths.data();
  in.n_seqs = lengths.size();
  return in;
}

// Every case of reference.json embedded in one packed batch with `pooling`
// and normalization; returns the worst error against the references.
double batch_error(LoadedEncoder& m, Pooling pooling) {
  const JsonValue& cases = *m.ref.find("cases");
  std::vector<int32_t> ids;
  std::vector<size_t> lengths;
  for (size_t c = 0; c < cases.size(); ++c) {
    const std::vector<int32_t> one = ints_of(*cases.at(c).find("ids"));
    ids.insert(ids.end(), one.begin(), one.end());
    lengths.push_back(one.size());
  }
  std::vector<float> pooled;
  const Status s = m.encoder->embed(input(ids, lengths), pooling, true, &pooled);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return INFINITY;
  const size_t dim = m.model->dims().n_embd;
  double worst = 0;
  for (size_t c = 0; c < cases.size(); ++c) {
    worst = std::max(worst, max_error(pooled.data() + c * dim, *cases.at(c).find("embedding")));
  }
  return worst;
}

double hidden_error(LoadedEncoder& m) {
  const JsonValue& hidden = *m.ref.find("hidden");
  const std::vector<int32_t> ids = ints_of(*hidden.find("ids"));
  std::vector<float> states;
  const Status s = m.encoder->encode(input(ids, {ids.size()}), &states);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return INFINITY;
  const JsonValue& rows = *hidden.find("last_hidden_state");
  double worst = 0;
  for (size_t t = 0; t < rows.size(); ++t) {
    worst = std::max(worst, max_error(states.data() + t * m.model->dims().n_embd, rows.at(t)));
  }
  return worst;
}

TEST(Qwen3Embedding, BaseModelCheckpointEmbedsAndGenerates) {
  LoadedEncoder m;
  ASSERT_NO_FATAL_FAILURE(load_encoder("qwen3-embed-tiny", &m));
  // Qwen3Model's names ("layers.0...") mark a checkpoint saved for embeddings.
  EXPECT_EQ(capabilities_of(*m.model), (std::vector<std::string>{"generate", "encode"}));
  EXPECT_LE(hidden_error(m), 1e-4);
}

// Each text's own last token in a packed batch of different lengths; the
// first token would be another vector (the reference's checks record how far).
TEST(Qwen3Embedding, LastTokenPoolingOfAPackedBatchMatchesPyTorch) {
  LoadedEncoder m;
  ASSERT_NO_FATAL_FAILURE(load_encoder("qwen3-embed-tiny", &m));
  EXPECT_LE(batch_error(m, Pooling::kLastToken), 1e-4);
  EXPECT_GT(batch_error(m, Pooling::kCls), 1e-2);
  EXPECT_GT(*m.ref.find("checks")->find("first_token_instead_of_last")->as_double(), 1e-2);
}

// qwen3-embed-tiny's tensors renamed as Qwen3ForCausalLM saves them ("model.layers.0...").
Status load_with_causal_lm_names(const std::string& config, std::unique_ptr<Model>* model) {
  const std::string bytes = read_file(fixture("qwen3-embed-tiny/model.safetensors"));
  std::unique_ptr<ModelLoader> loader;
  QKV_RETURN_IF_ERROR(ModelLoader::create(config, WeightType::kF32, nullptr, &loader));
  uint64_t header_length = 0;
  QKV_RETURN_IF_ERROR(safetensors_header_length(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                                "m", &header_length));
  SafetensorsHeader header;
  QKV_RETURN_IF_ERROR(
      parse_safetensors_header(std::string_view(bytes).substr(8, header_length), bytes.size(), "m", &header));
  for (TensorEntry& t : header.tensors) t.name = "model." + t.name;
  std::vector<TensorRead> reads;
  QKV_RETURN_IF_ERROR(loader->add_tensors("m", header.tensors, &reads));
  QKV_RETURN_IF_ERROR(stream_reads(*loader, reads, bytes));
  return loader->finish(model);
}

// Qwen3-Embedding-8B's config says tie_word_embeddings false but its
// Qwen3Model checkpoint has no lm_head.weight: it loads, embeds, and does not generate.
TEST(Qwen3Embedding, UntiedConfigWithoutAnLmHeadEmbedsOnly) {
  std::string config = read_file(fixture("qwen3-embed-tiny/config.json"));
  const std::string tied = "\"tie_word_embeddings\": true";
  ASSERT_NE(config.find(tied), std::string::npos);
  config.replace(config.find(tied), tied.size(), "\"tie_word_embeddings\": false");
  LoadedEncoder m;
  ASSERT_NO_FATAL_FAILURE(load_encoder("qwen3-embed-tiny", &m, config));
  EXPECT_EQ(capabilities_of(*m.model), std::vector<std::string>{"encode"});
  EXPECT_LE(hidden_error(m), 1e-4);
  // With the "model." names of a causal LM the head is required, and named.
  std::unique_ptr<Model> model;
  const Status s = load_with_causal_lm_names(config, &model);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("lacks 1 tensor(s) the Qwen3ForCausalLM config needs: lm_head.weight"),
            std::string::npos)
      << s.message();
}

TEST(Qwen3Embedding, CausalLmNamesLoadAsADecoderOnly) {
  // The same tensors named as Qwen3ForCausalLM saves them: a generator, no encoder role.
  std::unique_ptr<Model> model;
  const Status s = load_with_causal_lm_names(read_file(fixture("qwen3-embed-tiny/config.json")), &model);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(capabilities_of(*model), std::vector<std::string>{"generate"});
}

TEST(EmbeddingGemma, BidirectionalHiddenStatesMatchPyTorch) {
  LoadedEncoder m;
  ASSERT_NO_FATAL_FAILURE(load_encoder("embeddinggemma-tiny", &m));
  EXPECT_EQ(capabilities_of(*m.model), std::vector<std::string>{"encode"});
  EXPECT_EQ(m.model->decoder(), nullptr);
  EXPECT_LE(hidden_error(m), 1e-4);
  const JsonValue& checks = *m.ref.find("checks");
  EXPECT_GT(*checks.find("causal_instead_of_bidirectional")->as_double(), 1e-2);
  EXPECT_GT(*checks.find("window_ignored")->as_double(), 1e-2);
}

// Dropping the flag runs Gemma 3 causally: other states, so the check above can fail.
TEST(EmbeddingGemma, CausalConfigGivesOtherStates) {
  std::string config = read_file(fixture("embeddinggemma-tiny/config.json"));
  const size_t at = config.find("\"use_bidirectional_attention\": true");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, std::string("\"use_bidirectional_attention\": true").size(),
                 "\"use_bidirectional_attention\": false");
  LoadedEncoder m;
  ASSERT_NO_FATAL_FAILURE(load_encoder("embeddinggemma-tiny", &m, config));
  // A Gemma3TextModel without the flag: a causal decoder that also embeds.
  EXPECT_EQ(capabilities_of(*m.model), (std::vector<std::string>{"generate", "encode"}));
  EXPECT_GT(hidden_error(m), 1e-2);
}

TEST(EmbeddingGemma, PackedBatchEqualsSingleSequences) {
  LoadedEncoder m;
  ASSERT_NO_FATAL_FAILURE(load_encoder("embeddinggemma-tiny", &m));
  const JsonValue& hidden = *m.ref.find("hidden");
  const std::vector<int32_t> mine = ints_of(*hidden.find("ids"));
  std::vector<int32_t> ids = {258, 104, 257};
  ids.insert(ids.end(), mine.begin(), mine.end());
  std::vector<float> states;
  ASSERT_TRUE(m.encoder->encode(input(ids, {3, mine.size()}), &states).ok());
  const JsonValue& rows = *hidden.find("last_hidden_state");
  const size_t dim = m.model->dims().n_embd;
  for (size_t t = 0; t < rows.size(); ++t)
    EXPECT_LE(max_error(states.data() + (3 + t) * dim, rows.at(t)), 1e-4);
}

TEST(EmbeddingGemma, AttentionProbabilitiesRespectTheBidirectionalWindow) {
  LoadedEncoder m;
  ASSERT_NO_FATAL_FAILURE(load_encoder("embeddinggemma-tiny", &m));
  const std::vector<int32_t> ids = ints_of(*m.ref.find("hidden")->find("ids"));
  const size_t n = ids.size(), window = static_cast<size_t>(*m.ref.find("bidirectional_window")->as_int64());
  ASSERT_GT(n, 2 * window);
  std::vector<std::vector<float>> probs;
  ASSERT_TRUE(m.encoder->attention(ids.data(), n, &probs).ok());
  const size_t heads = m.model->dims().n_head;
  for (size_t layer = 0; layer < probs.size(); ++layer) {
    const bool sliding = layer < 2;  // layer_types: sliding, sliding, full
    for (size_t h = 0; h < heads; ++h) {
      for (size_t i = 0; i < n; ++i) {
        double sum = 0;
        for (size_t j = 0; j < n; ++j) {
          const float p = probs[layer][(h * n + i) * n + j];
          sum += p;
          const size_t distance = i > j ? i - j : j - i;
          if (sliding && distance >= window) ASSERT_EQ(p, 0.0f) << layer << " " << i << " " << j;
        }
        ASSERT_NEAR(sum, 1.0, 1e-5);
      }
    }
  }
  // A full layer sees keys after the query (bidirectional): some weight lies above the diagonal.
  double after = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) after += probs[2][i * n + j];
  }
  EXPECT_GT(after, 1.0);
}

}  // namespace
}  // namespace qkv
