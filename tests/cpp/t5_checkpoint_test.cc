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

#include "core/arena.h"
#include "core/thread_pool.h"
#include "models/seq2seq.h"
#include "models/t5.h"
#include "models/t5_attention.h"
#include "seq2seq_fixtures.h"

namespace qkv {
namespace {

using namespace seq2seq_fixtures;

constexpr const char* kFolders[] = {"t5-tiny", "t5-v1_1-tiny"};
constexpr double kTolerance = 1e-4;
// An ablated reference differs from the true one by far more than the
// tolerance: the model must be at least this far from it.
constexpr double kAblationGap = 1e-2;

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
    // Its own runner (Seq2SeqSession) runs it; the decoder and encoder runners refuse it by name.
    EXPECT_EQ(capabilities_of(*m.model), std::vector<std::string>{"text2text"});
    const Status session = Session::require_decoder(*m.model, "T5ForConditionalGeneration");
    EXPECT_EQ(session.code(), StatusCode::kUnsupported);
    EXPECT_NE(session.message().find("encoder-decoder"), std::string::npos) << session.message();
    std::unique_ptr<Encoder> encoder;
    const Status e = Encoder::create(m.model, "T5ForConditionalGeneration", nullptr, &encoder);
    EXPECT_NE(e.message().find("encoder-decoder"), std::string::npos) << e.message();
    std::vector<float> hidden;
    ASSERT_TRUE(encode(m, nullptr, &hidden).ok());
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
    const std::vector<int32_t> want = ints_of(*m.ref.find("greedy"));
    const CrossAttentionKv cross = start(m);
    KvCache self(m.stack->self_cache_config());
    std::vector<float> logits(m.model->dims().n_vocab);
    int32_t token = m.stack->decoder_start_token_id();
    EXPECT_EQ(token, 0);
    std::vector<int32_t> got;
    for (size_t i = 0; i < want.size(); ++i) {
      const Status s = step_one(m, cross, &self, &token, 1, logits.data(), true);
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

// Several target sequences in one step (the beams of a search: different
// histories, different token counts) give each one's logits as if it ran
// alone, every row or the last only.
TEST(T5Checkpoint, SeveralSequencesInOneStepEqualEachAlone) {
  ThreadPool pool(3);
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<int32_t> tgt = ints_of(*m.ref.find("tgt_in"));
    const CrossAttentionKv cross = start(m);
    const size_t vocab = m.model->dims().n_vocab;
    // Histories of 5, 0 and 2 tokens; then 1, 3 and 2 new ones.
    const size_t history[] = {5, 0, 2}, adds[] = {1, 3, 2};
    const size_t offsets[] = {0, 4, 7};  // where in tgt each sequence's tokens come from
    std::vector<std::vector<float>> alone(3);
    std::vector<int32_t> ids;
    std::vector<KvCache> together;
    for (size_t i = 0; i < 3; ++i) together.emplace_back(m.stack->self_cache_config());
    for (size_t i = 0; i < 3; ++i) {
      const int32_t* seq = tgt.data() + offsets[i];
      KvCache self(m.stack->self_cache_config());
      std::vector<float> scratch_logits(std::max<size_t>(history[i], 1) * vocab);
      if (history[i] > 0) {
        ASSERT_TRUE(step_one(m, cross, &self, seq, history[i], scratch_logits.data()).ok());
        ASSERT_TRUE(step_one(m, cross, &together[i], seq, history[i], scratch_logits.data()).ok());
      }
      alone[i].resize(adds[i] * vocab);
      ASSERT_TRUE(step_one(m, cross, &self, seq + history[i], adds[i], alone[i].data()).ok());
      ids.insert(ids.end(), seq + history[i], seq + history[i] + adds[i]);
    }
    for (const bool last_only : {false, true}) {
      SCOPED_TRACE(last_only ? "last only" : "every row");
      std::vector<KvCache> caches;  // the histories, for this pass
      for (const KvCache& history_cache : together) {
        caches.emplace_back(m.stack->self_cache_config());
        ASSERT_TRUE(caches.back().copy_from(history_cache).ok());
      }
      Step st;
      for (KvCache& c : caches) st.caches.push_back(&c);
      st.counts.assign(adds, adds + 3);
      st.ids = ids;
      st.last_only = last_only;
      std::vector<float> logits;
      const Status s = run_step(m, cross, st, &logits, &pool);
      ASSERT_TRUE(s.ok()) << s.message();
      size_t row = 0;
      for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(caches[i].positions(), history[i] + adds[i]);
        for (size_t t = last_only ? adds[i] - 1 : 0; t < adds[i]; ++t, ++row) {
          double worst = 0;
          for (size_t v = 0; v < vocab; ++v) {
            worst = std::max(worst, double(std::fabs(logits[row * vocab + v] - alone[i][t * vocab + v])));
          }
          EXPECT_LE(worst, 1e-5) << "sequence " << i << " token " << t;
        }
      }
    }
  }
}

// The encoder's self-attention, the decoder's self- and cross-attention of
// the teacher-forced pass, as transformers' output_attentions gives them;
// and the same rows when the target comes one token at a time.
TEST(T5Checkpoint, AttentionProbabilitiesMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const JsonValue* att = m.ref.find("attentions");
    const std::vector<int32_t> src = ints_of(*m.ref.find("src"));
    const std::vector<int32_t> tgt = ints_of(*m.ref.find("tgt_in"));
    const size_t n = src.size(), t = tgt.size(), heads = m.model->dims().n_head;
    const size_t enc_layers = att->find("encoder_attentions")->size();
    const size_t dec_layers = att->find("decoder_attentions")->size();
    std::vector<std::vector<float>> enc, self, cross_probs;
    const std::vector<float*> enc_ptrs = layer_pointers(&enc, enc_layers, heads * n * n);
    std::vector<float> hidden;
    ASSERT_TRUE(encode(m, nullptr, &hidden, enc_ptrs.data()).ok());
    expect_probs_match(enc, *att->find("encoder_attentions"), "encoder self-attention");

    CrossAttentionKv cross;
    ASSERT_TRUE(m.stack->start(nullptr, hidden.data(), n, &cross).ok());
    const std::vector<float*> self_ptrs = layer_pointers(&self, dec_layers, heads * t * t);
    const std::vector<float*> cross_ptrs = layer_pointers(&cross_probs, dec_layers, heads * t * n);
    KvCache cache(m.stack->self_cache_config());
    std::vector<float> logits;
    Step st{{&cache}, {t}, tgt, false, self_ptrs.data(), cross_ptrs.data()};
    ASSERT_TRUE(run_step(m, cross, st, &logits).ok());
    expect_probs_match(self, *att->find("decoder_attentions"), "decoder self-attention");
    expect_probs_match(cross_probs, *att->find("cross_attentions"), "cross-attention");

    // Token by token: the last query row over the positions so far.
    KvCache stepped(m.stack->self_cache_config());
    double worst = 0;
    for (size_t i = 0; i < t; ++i) {
      std::vector<std::vector<float>> s1, c1;
      const std::vector<float*> s1p = layer_pointers(&s1, dec_layers, heads * (i + 1));
      const std::vector<float*> c1p = layer_pointers(&c1, dec_layers, heads * n);
      st = Step{{&stepped}, {1}, {tgt[i]}, false, s1p.data(), c1p.data()};
      ASSERT_TRUE(run_step(m, cross, st, &logits).ok());
      for (size_t l = 0; l < dec_layers; ++l) {
        for (size_t h = 0; h < heads; ++h) {
          for (size_t k = 0; k <= i; ++k) {
            worst = std::max(worst, double(std::fabs(s1[l][h * (i + 1) + k] - self[l][(h * t + i) * t + k])));
          }
          for (size_t k = 0; k < n; ++k) {
            worst =
                std::max(worst, double(std::fabs(c1[l][h * n + k] - cross_probs[l][(h * t + i) * n + k])));
          }
        }
      }
    }
    EXPECT_LE(worst, 1e-5);
  }
}

// encode and step take exactly the bytes they announce: one alloc granule
// less is refused by name (and a refused step leaves the caches unchanged
// only in positions; the runner reserves the right size).
TEST(T5Checkpoint, ScratchBytesAreExact) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("t5-v1_1-tiny", &m));
  const CrossAttentionKv cross = start(m);
  KvCache a(m.stack->self_cache_config()), b(m.stack->self_cache_config());
  Step st{{&a, &b}, {3, 2}, {m.tgt.begin(), m.tgt.begin() + 5}};
  std::vector<float> logits;
  const Status short_of_room = run_step(m, cross, st, &logits, nullptr, Arena::kAlignment);
  EXPECT_EQ(short_of_room.code(), StatusCode::kInternal);
  EXPECT_NE(short_of_room.message().find("scratch"), std::string::npos) << short_of_room.message();
  KvCache c(m.stack->self_cache_config()), d(m.stack->self_cache_config());
  st.caches = {&c, &d};
  EXPECT_TRUE(run_step(m, cross, st, &logits).ok());

  std::vector<float> hidden;
  EXPECT_EQ(encode(m, nullptr, &hidden, nullptr, Arena::kAlignment).code(), StatusCode::kInternal);
}

TEST(T5Checkpoint, BadInputsAreRefused) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("t5-tiny", &m));
  const size_t e = m.model->dims().n_embd, vocab = m.model->dims().n_vocab;
  std::vector<float> hidden(4 * e), logits(4 * vocab);
  const int32_t bad[] = {5, 300, 7};
  Arena scratch;
  ASSERT_TRUE(scratch.reserve(m.stack->encode_scratch_bytes(3)));
  Seq2SeqEncodeRequest er;
  er.ids = bad;
  er.n = 3;
  er.hidden = hidden.data();
  Status s = m.stack->encode(nullptr, scratch, er);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("token id 300"), std::string::npos) << s.message();
  CrossAttentionKv none;
  KvCache self(m.stack->self_cache_config());
  const int32_t start_id = 0;
  s = step_one(m, none, &self, &start_id, 1, logits.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("start()"), std::string::npos) << s.message();
  // The model stays usable.
  const int32_t good[] = {5, 6, 7};
  scratch.reset();
  er.ids = good;
  ASSERT_TRUE(m.stack->encode(nullptr, scratch, er).ok());
  CrossAttentionKv cross;
  ASSERT_TRUE(m.stack->start(nullptr, hidden.data(), 3, &cross).ok());
  s = step_one(m, cross, &self, bad, 3, logits.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(self.positions(), 0u);
  // Two sequences on one cache, probabilities of two sequences, a cache of another shape.
  Step st{{&self, &self}, {1, 1}, {good, good + 2}};
  std::vector<float> step_logits;
  s = run_step(m, cross, st, &step_logits);
  EXPECT_NE(s.message().find("share a cache"), std::string::npos) << s.message();
  KvCache other(m.stack->self_cache_config());
  std::vector<float> probs(64 * 64);
  float* per_layer[] = {probs.data(), probs.data()};
  st.caches = {&self, &other};
  st.cross_probs = per_layer;
  s = run_step(m, cross, st, &step_logits);
  EXPECT_NE(s.message().find("one sequence only"), std::string::npos) << s.message();
  KvCacheConfig wrong = m.stack->self_cache_config();
  wrong.n_layer = 1;
  KvCache misshapen(wrong);
  s = step_one(m, cross, &misshapen, good, 1, logits.data());
  EXPECT_NE(s.message().find("self_cache_config"), std::string::npos) << s.message();
  // Past the decoder's positions.
  KvCacheConfig small = m.stack->self_cache_config();
  small.max_positions = 2;
  KvCache short_cache(small);
  s = step_one(m, cross, &short_cache, good, 3, logits.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("exceed the 2"), std::string::npos) << s.message();
  EXPECT_TRUE(step_one(m, cross, &self, &start_id, 1, logits.data()).ok());
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
