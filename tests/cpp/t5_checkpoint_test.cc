// Loads the tiny T5 checkpoints of tests/fixtures (written by gen_t5.py from a
// plain-torch transcription of transformers' modeling_t5.py) and compares the
// encoder states, the decoder's logits at every teacher-forced position and
// greedy decoding with PyTorch's. The references' "ablations" (the same
// model with one T5 feature dropped) show the tolerance would catch a
// dropped feature.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "core/thread_pool.h"
#include "models/seq2seq.h"
#include "models/t5.h"
#include "models/t5_attention.h"

namespace qkv {
namespace {

using namespace fixtures;

constexpr const char* kFolders[] = {"t5-tiny", "t5-v1_1-tiny"};
constexpr double kTolerance = 1e-4;
// An ablated reference differs from the true one by far more than the
// tolerance: the model must be at least this far from it.
constexpr double kAblationGap = 1e-2;

struct Loaded {
  std::shared_ptr<const Model> model;
  const Seq2SeqStack* t5 = nullptr;
  JsonValue ref;
};

void load(const std::string& folder, Loaded* out, WeightType type = WeightType::kF32) {
  std::unique_ptr<Model> model;
  const Status s = load_folder(folder, type, &model);
  ASSERT_TRUE(s.ok()) << s.message();
  out->ref = read_reference(folder).json;
  out->t5 = model->seq2seq();  // the role, which the model keeps when moved into out->model
  ASSERT_NE(out->t5, nullptr);
  out->model = std::move(model);
}

std::vector<float> encode(const Loaded& m, ThreadPool* pool = nullptr) {
  const std::vector<int32_t> src = ints_of(*m.ref.find("src"));
  std::vector<float> hidden(src.size() * m.model->dims().n_embd);
  const Status s = m.t5->encode(pool, src.data(), src.size(), hidden.data());
  EXPECT_TRUE(s.ok()) << s.message();
  return hidden;
}

// The teacher-forced target's logits, fed to the decoder in chunks of `chunk` tokens.
std::vector<float> decode_target(const Loaded& m, size_t chunk, ThreadPool* pool = nullptr) {
  const std::vector<int32_t> src = ints_of(*m.ref.find("src"));
  const std::vector<int32_t> tgt = ints_of(*m.ref.find("tgt_in"));
  const std::vector<float> hidden = encode(m, pool);
  Seq2SeqCache cache;
  Status s = m.t5->start(pool, hidden.data(), src.size(), &cache);
  EXPECT_TRUE(s.ok()) << s.message();
  const size_t vocab = m.model->dims().n_vocab;
  std::vector<float> logits(tgt.size() * vocab);
  for (size_t at = 0; at < tgt.size() && s.ok(); at += chunk) {
    const size_t n = std::min(chunk, tgt.size() - at);
    s = m.t5->step(pool, cache, tgt.data() + at, n, logits.data() + at * vocab);
    EXPECT_TRUE(s.ok()) << s.message();
  }
  return logits;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  return worst;
}

TEST(T5Checkpoint, RelativePositionBucketsMatchTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    const std::string text = read_file(fixture(std::string(folder) + "/config.json"));
    ConfigReader reader;
    ASSERT_TRUE(ConfigReader::parse(text, "config.json", &reader).ok());
    T5Config c;
    ASSERT_TRUE(T5Config::from_config(reader, &c).ok());
    JsonValue ref;
    ASSERT_TRUE(parse_json(read_file(fixture(std::string(folder) + "/reference.json")), "r", &ref).ok());
    const JsonValue* b = ref.find("buckets");
    const int64_t first = *b->find("first_relative_position")->as_int64();
    for (const bool bidirectional : {true, false}) {
      const std::vector<int32_t> want = ints_of(*b->find(bidirectional ? "bidirectional" : "causal"));
      size_t wrong = 0, flipped_wrong = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        const int64_t rel = first + static_cast<int64_t>(i);
        wrong += t5_relative_position_bucket(rel, bidirectional, c.num_buckets, c.max_distance) !=
                 static_cast<size_t>(want[i]);
        // Sensitivity: the other direction's buckets (or keys and queries swapped) disagree.
        flipped_wrong += t5_relative_position_bucket(-rel, bidirectional, c.num_buckets, c.max_distance) !=
                         static_cast<size_t>(want[i]);
      }
      EXPECT_EQ(wrong, 0u) << (bidirectional ? "bidirectional" : "causal");
      EXPECT_GT(flipped_wrong, want.size() / 3);
    }
  }
}

TEST(T5Checkpoint, EncoderStatesMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    // The runners refuse it by name until it has one of its own.
    EXPECT_TRUE(capabilities_of(*m.model).empty());
    const Status session = Session::require_decoder(*m.model, "T5ForConditionalGeneration");
    EXPECT_EQ(session.code(), StatusCode::kUnsupported);
    EXPECT_NE(session.message().find("encoder-decoder"), std::string::npos) << session.message();
    std::unique_ptr<Encoder> encoder;
    const Status e = Encoder::create(m.model, "T5ForConditionalGeneration", nullptr, &encoder);
    EXPECT_NE(e.message().find("encoder-decoder"), std::string::npos) << e.message();
    const std::vector<float> hidden = encode(m);
    const double err = max_rows_error(hidden.data(), *m.ref.find("encoder_hidden"));
    EXPECT_LE(err, kTolerance);
    // The relative bias applied in the first layer only (not shared) is far off.
    const JsonValue* ablated = m.ref.find("ablations")->find("bias_first_layer_only")->find("encoder_hidden");
    EXPECT_GE(max_rows_error(hidden.data(), *ablated), kAblationGap);
    std::printf("%s: encoder max |error| %.3g\n", folder, err);
  }
}

TEST(T5Checkpoint, TeacherForcedLogitsMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<float> logits = decode_target(m, SIZE_MAX);
    const double err = max_rows_error(logits.data(), *m.ref.find("logits"));
    EXPECT_LE(err, kTolerance);
    // Each T5 feature dropped in turn gives logits far from these: the bias not
    // shared past layer 0, the decoder's buckets bidirectional, the tied head's
    // d_model ** -0.5 rescale dropped (or an untied head rescaled).
    const JsonValue* ablations = m.ref.find("ablations");
    for (const char* a : {"bias_first_layer_only", "decoder_bidirectional_buckets", "head_rescale_flipped"}) {
      EXPECT_GE(max_rows_error(logits.data(), *ablations->find(a)->find("logits")), kAblationGap) << a;
    }
    std::printf("%s: teacher-forced logits max |error| %.3g over %zu positions\n", folder, err,
                m.ref.find("tgt_in")->size());
  }
}

// Through the caches, one token (or a few) at a time, the decoder gives the
// logits of the full pass; with a thread pool too.
TEST(T5Checkpoint, StepByStepEqualsTheFullPass) {
  ThreadPool pool(3);
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<float> full = decode_target(m, SIZE_MAX);
    for (const size_t chunk : {size_t{1}, size_t{3}}) {
      const std::vector<float> stepped = decode_target(m, chunk);
      EXPECT_LE(max_diff(stepped, full), 1e-5) << "chunk " << chunk;
      EXPECT_LE(max_rows_error(stepped.data(), *m.ref.find("logits")), kTolerance) << "chunk " << chunk;
    }
    EXPECT_LE(max_diff(decode_target(m, 1, &pool), full), 1e-5) << "pool";
  }
}

TEST(T5Checkpoint, GreedyDecodingMatchesPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<int32_t> src = ints_of(*m.ref.find("src"));
    const std::vector<int32_t> want = ints_of(*m.ref.find("greedy"));
    const std::vector<float> hidden = encode(m);
    Seq2SeqCache cache;
    ASSERT_TRUE(m.t5->start(nullptr, hidden.data(), src.size(), &cache).ok());
    std::vector<float> logits(m.model->dims().n_vocab);
    int32_t token = m.t5->decoder_start_token_id();
    EXPECT_EQ(token, 0);
    std::vector<int32_t> got;
    for (size_t i = 0; i < want.size(); ++i) {
      const Status s = m.t5->step(nullptr, cache, &token, 1, logits.data());
      ASSERT_TRUE(s.ok()) << s.message();
      token = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      got.push_back(token);
    }
    EXPECT_EQ(got, want);
  }
}

// q8 weights (dtype 'q8': every matrix, the shared embedding and LM head as
// the weight policy holds them) stay close: the int8 kernels end to end on
// T5. Measured natively: max |logit error| 0.12 (t5-tiny) and 0.34
// (t5-v1_1-tiny, 23 of 26 top tokens kept: 8 of its positions have top-2 gaps
// under 0.2).
TEST(T5Checkpoint, Q8StaysClose) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m, WeightType::kQ8));
    const std::vector<float> logits = decode_target(m, SIZE_MAX);
    const JsonValue& want = *m.ref.find("logits");
    const size_t vocab = m.model->dims().n_vocab;
    size_t agree = 0;
    for (size_t t = 0; t < want.size(); ++t) {
      size_t top = 0;
      for (size_t v = 0; v < vocab; ++v) {
        if (*want.at(t).at(v).as_double() > *want.at(t).at(top).as_double()) top = v;
      }
      const float* row = logits.data() + t * vocab;
      agree += static_cast<size_t>(std::max_element(row, row + vocab) - row) == top;
    }
    const double err = max_rows_error(logits.data(), want);
    std::printf("%s q8: max |logit error| %.3g, top-1 %zu/%zu\n", folder, err, agree, want.size());
    EXPECT_LE(err, 0.6);
    EXPECT_GE(agree * 100, want.size() * 80);
  }
}

TEST(T5Checkpoint, BadInputsAreRefused) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("t5-tiny", &m));
  const size_t e = m.model->dims().n_embd, vocab = m.model->dims().n_vocab;
  std::vector<float> hidden(4 * e), logits(4 * vocab);
  const int32_t bad[] = {5, 300, 7};
  Status s = m.t5->encode(nullptr, bad, 3, hidden.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("token id 300"), std::string::npos) << s.message();
  Seq2SeqCache cache;
  const int32_t start = 0;
  s = m.t5->step(nullptr, cache, &start, 1, logits.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("start()"), std::string::npos) << s.message();
  // The model stays usable.
  const int32_t good[] = {5, 6, 7};
  ASSERT_TRUE(m.t5->encode(nullptr, good, 3, hidden.data()).ok());
  ASSERT_TRUE(m.t5->start(nullptr, hidden.data(), 3, &cache).ok());
  s = m.t5->step(nullptr, cache, bad, 3, logits.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.self.positions(), 0u);
  EXPECT_TRUE(m.t5->step(nullptr, cache, &start, 1, logits.data()).ok());
}

TEST(T5Checkpoint, BadConfigsAreRefused) {
  const std::string config = read_file(fixture("t5-tiny/config.json"));
  const ConfigCase cases[] = {
      {with_key(config, "feed_forward_proj", "\"gated-gelu-new\""), StatusCode::kFormat, "feed_forward_proj"},
      {with_key(config, "feed_forward_proj", "\"relu-gated\""), StatusCode::kFormat, "feed_forward_proj"},
      {with_key(config, "feed_forward_proj", "\"gated-silu\""), StatusCode::kUnsupported, "gated-silu"},
      {with_key(config, "feed_forward_proj", "\"gelu\""), StatusCode::kUnsupported,
       "feed_forward_proj \"gelu\""},
      {with_key(config, "d_kv", "6"), StatusCode::kUnsupported, "head size 6"},
      {with_key(config, "d_model", "0"), StatusCode::kFormat, "d_model"},
      {with_key(config, "relative_attention_num_buckets", "2"), StatusCode::kFormat,
       "relative_attention_num_buckets"},
      {with_key(config, "relative_attention_max_distance", "16"), StatusCode::kFormat,
       "relative_attention_max_distance"},
      {with_key(config, "decoder_start_token_id", "300"), StatusCode::kFormat, "decoder_start_token_id"},
      {with_key(config, "pad_token_id", "-1"), StatusCode::kFormat, "pad_token_id"},
      {with_key(config, "is_encoder_decoder", "false"), StatusCode::kUnsupported, "is_encoder_decoder"},
  };
  for (const ConfigCase& c : cases) expect_refused(c);
}

// T5Config's defaults fill what a config leaves out (num_decoder_layers =
// num_layers, decoder_start_token_id = pad_token_id, a tied head).
TEST(T5Checkpoint, ConfigDefaultsAreT5Configs) {
  const T5Config d = parse_config<T5Config>("{\"architectures\": [\"T5ForConditionalGeneration\"]}");
  // vocab_size, d_model, d_kv, d_ff, num_layers, num_decoder_layers, num_heads, buckets, max_distance
  const std::vector<size_t> sizes = {d.n_vocab, d.d_model,          d.d_kv,
                                     d.d_ff,    d.n_encoder_layers, d.n_decoder_layers,
                                     d.n_head,  d.num_buckets,      d.max_distance};
  EXPECT_EQ(sizes, (std::vector<size_t>{32128, 512, 64, 2048, 6, 6, 8, 32, 128}));
  EXPECT_FLOAT_EQ(d.layer_norm_epsilon, 1e-6f);
  EXPECT_FALSE(d.gated);  // relu
  EXPECT_TRUE(d.tie_word_embeddings);
  EXPECT_EQ(d.decoder_start_token_id, 0);
  const T5Config g = parse_config<T5Config>(
      "{\"model_type\": \"t5\", \"feed_forward_proj\": \"gated-gelu\", \"num_layers\": 3, \"pad_token_id\": "
      "4}");
  EXPECT_TRUE(g.gated);  // "gated-gelu" means gelu_new
  EXPECT_EQ(g.n_decoder_layers, 3u);
  EXPECT_EQ(g.decoder_start_token_id, 4);
}

// An untied config over a checkpoint without lm_head.weight names the tensor.
TEST(T5Checkpoint, UntiedHeadNeedsItsTensor) {
  const std::string config =
      with_key(read_file(fixture("t5-tiny/config.json")), "tie_word_embeddings", "false");
  std::unique_ptr<Model> model;
  const Status s = load_folder("t5-tiny", WeightType::kF32, &model, config);
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_NE(s.message().find("lm_head.weight"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace qkv
