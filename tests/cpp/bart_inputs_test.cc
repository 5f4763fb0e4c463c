// What the BART family refuses, by name, with the model and the caches left
// as they were: bad ids, sources and targets past the positions, steps the
// contract does not allow, scratch smaller than asked for; bad config.json
// values; and the config classes' defaults.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/bart.h"
#include "seq2seq_fixtures.h"

namespace qkv {
namespace {

using namespace seq2seq_fixtures;

void expect_refusal(const Status& s, StatusCode code, const char* needle) {
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_NE(s.message().find(needle), std::string::npos) << "wanted \"" << needle << "\" in " << s.message();
}

TEST(BartInputs, BadEncodeInputsAreRefused) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("bart-tiny", &m));
  std::vector<float> hidden;
  m.src[3] = 300;
  expect_refusal(encode(m, nullptr, &hidden), StatusCode::kInvalidArgument, "token id 300");
  m.src.assign(m.stack->max_source_positions() + 1, 5);
  expect_refusal(encode(m, nullptr, &hidden), StatusCode::kInvalidArgument, "exceeds");
  // Exactly the positions there are is fine.
  m.src.pop_back();
  EXPECT_TRUE(encode(m, nullptr, &hidden).ok());
  // Scratch one alignment unit short of encode_scratch_bytes: refused, not overrun.
  Arena small;
  ASSERT_TRUE(small.reserve(m.stack->encode_scratch_bytes(m.src.size()) - Arena::kAlignment));
  Seq2SeqEncodeRequest r;
  r.ids = m.src.data();
  r.n = m.src.size();
  r.hidden = hidden.data();
  expect_refusal(m.stack->encode(nullptr, small, r), StatusCode::kInternal, "scratch");
}

TEST(BartInputs, BadStepsAreRefusedAndChangeNothing) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("marian-unshared-tiny", &m));
  const CrossAttentionKv cross = start(m);
  KvCache a = new_cache(m), b = new_cache(m);
  std::vector<float> logits;
  const int32_t go = m.stack->decoder_start_token_id();
  // Before start(): no cross-attention keys and values.
  expect_refusal(run_step(m, CrossAttentionKv{}, Step{{&a}, {1}, {go}}, &logits),
                 StatusCode::kInvalidArgument, "start()");
  // An id of the encoder's vocabulary (300) beyond the decoder's (260).
  expect_refusal(run_step(m, cross, Step{{&a, &b}, {1, 1}, {go, 270}}, &logits), StatusCode::kInvalidArgument,
                 "token id 270");
  expect_refusal(run_step(m, cross, Step{{&a, &b}, {1, 0}, {go}}, &logits), StatusCode::kInvalidArgument,
                 "adds no tokens");
  expect_refusal(run_step(m, cross, Step{{&a, &a}, {1, 1}, {go, go}}, &logits), StatusCode::kInvalidArgument,
                 "share a cache");
  std::vector<float> probs(1 << 12);
  std::vector<float*> per_layer(2, probs.data());
  Step with_probs{{&a, &b}, {1, 1}, {go, go}, false, per_layer.data()};
  expect_refusal(run_step(m, cross, with_probs, &logits), StatusCode::kInvalidArgument, "one sequence");
  KvCacheConfig other = m.stack->self_cache_config();
  other.n_layer += 1;
  KvCache wrong(other);
  expect_refusal(run_step(m, cross, Step{{&wrong}, {1}, {go}}, &logits), StatusCode::kInvalidArgument,
                 "self_cache_config");
  EXPECT_EQ(a.positions(), 0u);
  EXPECT_EQ(b.positions(), 0u);
  // Past the decoder's positions: refused before anything is written.
  const size_t max = m.stack->max_target_positions();
  ASSERT_TRUE(run_step(m, cross, Step{{&a}, {max - 1}, std::vector<int32_t>(max - 1, go)}, &logits).ok());
  expect_refusal(run_step(m, cross, Step{{&a, &b}, {2, 1}, {go, go, go}}, &logits),
                 StatusCode::kInvalidArgument, "exceed");
  EXPECT_EQ(a.positions(), max - 1);
  EXPECT_EQ(b.positions(), 0u);
  // Still usable: the last position, then the other sequence.
  EXPECT_TRUE(run_step(m, cross, Step{{&a, &b}, {1, 1}, {go, go}}, &logits).ok());
  EXPECT_EQ(a.positions(), max);
  EXPECT_EQ(b.positions(), 1u);
}

TEST(BartInputs, BadConfigsAreRefused) {
  const std::string bart = read_file(fixture("bart-tiny/config.json"));
  const std::string marian = read_file(fixture("marian-tiny/config.json"));
  const ConfigCase cases[] = {
      {with_key(bart, "activation_function", "\"tanh\""), StatusCode::kUnsupported,
       "activation_function \"tanh\""},
      {with_key(bart, "d_model", "30"), StatusCode::kFormat, "d_model"},
      {with_key(bart, "d_model", "24"), StatusCode::kUnsupported, "head size 6"},
      {with_key(bart, "decoder_attention_heads", "0"), StatusCode::kFormat, "decoder_attention_heads"},
      {with_key(bart, "decoder_attention_heads", "5"), StatusCode::kFormat, "decoder_attention_heads 5"},
      {with_key(bart, "decoder_start_token_id", "300"), StatusCode::kFormat, "decoder_start_token_id"},
      {with_key(bart, "pad_token_id", "-1"), StatusCode::kFormat, "pad_token_id"},
      {with_key(bart, "max_position_embeddings", "0"), StatusCode::kFormat, "max_position_embeddings"},
      {with_key(bart, "is_encoder_decoder", "false"), StatusCode::kUnsupported, "is_encoder_decoder"},
      {with_key(marian, "decoder_vocab_size", "200"), StatusCode::kFormat, "decoder_vocab_size"},
      {with_key(with_key(marian, "max_position_embeddings", "1000000"), "d_model", "256"),
       StatusCode::kFormat, "sinusoid table"},
  };
  for (const ConfigCase& c : cases) expect_refused(c);
}

// What each config class's __init__ gives a config that sets nothing.
TEST(BartInputs, ConfigDefaultsAreTheConfigClasses) {
  const BartConfig b = parse_config<BartConfig>("{\"architectures\": [\"BartForConditionalGeneration\"]}");
  const std::vector<size_t> sizes = {
      b.n_vocab,         b.d_model,     b.n_encoder_layers, b.n_decoder_layers, b.n_encoder_heads,
      b.n_decoder_heads, b.encoder_ffn, b.decoder_ffn,      b.max_positions,    b.n_decoder_vocab};
  EXPECT_EQ(sizes, (std::vector<size_t>{50265, 1024, 12, 12, 16, 16, 4096, 4096, 1024, 50265}));
  EXPECT_EQ(b.activation, BartActivation::kGeluErf);
  EXPECT_FALSE(b.scale_embedding);
  EXPECT_TRUE(b.tie_word_embeddings);
  EXPECT_EQ(b.pad_token_id, 1);
  EXPECT_EQ(b.decoder_start_token_id, 2);  // </s>

  const BartConfig m = parse_config<BartConfig>("{\"model_type\": \"marian\"}");
  EXPECT_EQ(m.variant, BartVariant::kMarian);
  EXPECT_EQ(m.n_vocab, 58101u);
  EXPECT_EQ(m.n_decoder_vocab, 58101u);
  EXPECT_EQ(m.pad_token_id, 58100);
  EXPECT_EQ(m.decoder_start_token_id, 58100);  // the pad token
  EXPECT_FALSE(m.scale_embedding);
  EXPECT_TRUE(m.shared_embeddings);
  EXPECT_TRUE(m.tie_word_embeddings);
  const BartConfig u = parse_config<BartConfig>(
      "{\"model_type\": \"marian\", \"vocab_size\": 100, \"decoder_vocab_size\": 80, \"pad_token_id\": 79, "
      "\"decoder_start_token_id\": 79, \"share_encoder_decoder_embeddings\": false, \"activation_function\": "
      "\"swish\"}");
  EXPECT_EQ(u.n_decoder_vocab, 80u);
  EXPECT_FALSE(u.shared_embeddings);
  EXPECT_FALSE(
      u.tie_word_embeddings);  // MarianConfig: tie_word_embeddings = share_encoder_decoder_embeddings
  EXPECT_EQ(u.activation, BartActivation::kSilu);

  const BartConfig n = parse_config<BartConfig>("{\"architectures\": [\"M2M100ForConditionalGeneration\"]}");
  EXPECT_EQ(n.variant, BartVariant::kM2M100);
  EXPECT_EQ(n.n_vocab, 128112u);
  EXPECT_EQ(n.activation, BartActivation::kRelu);
  EXPECT_TRUE(n.scale_embedding);
  EXPECT_EQ(n.pad_token_id, 1);
  EXPECT_EQ(n.decoder_start_token_id, 2);
}

// An untied head over a checkpoint without lm_head.weight names the tensor;
// a table's other names must have its shape.
TEST(BartInputs, MissingTensorsAreNamed) {
  std::unique_ptr<Model> model;
  const std::string untied =
      with_key(read_file(fixture("bart-tiny/config.json")), "tie_word_embeddings", "false");
  Status s = load_folder("bart-tiny", WeightType::kF32, &model, untied);
  expect_refusal(s, StatusCode::kFormat, "lm_head.weight");
  // marian-unshared-tiny's decoder table (260 rows) is no second name of a shared one (300).
  const std::string shared = with_key(with_key(read_file(fixture("marian-unshared-tiny/config.json")),
                                               "share_encoder_decoder_embeddings", "true"),
                                      "decoder_vocab_size", "300");
  s = load_folder("marian-unshared-tiny", WeightType::kF32, &model, shared);
  EXPECT_EQ(s.code(), StatusCode::kFormat) << s.message();
}

}  // namespace
}  // namespace qkv
