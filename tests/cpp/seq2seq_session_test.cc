// runtime/Seq2SeqSession on the tiny T5 checkpoints against PyTorch:
// greedy decoding (gen_t5.py's reference, streamed through the callback),
// teacher-forced logits and attention probabilities, and greedy / beam
// search with transformers' options against gen_t5_beams.py (the search and
// logits processors written plainly from transformers' generation code).
// Sequences must match exactly and scores within 1e-4; the cases with a
// length-penalty ablation show the test would catch a penalty ignored.
#include "runtime/seq2seq_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "core/thread_pool.h"

namespace qkv {
namespace {

using namespace fixtures;

constexpr const char* kFolders[] = {"t5-tiny", "t5-v1_1-tiny"};
// Scores within 1e-4, or 1e-4 relative beyond magnitude 1 (a negative
// length penalty multiplies them into the hundreds, past float32's 1e-4).
constexpr double kScoreTolerance = 1e-4;
double score_error(double got, double want) { return std::fabs(got - want) / std::max(1.0, std::fabs(want)); }

struct Loaded {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Seq2SeqSession> session;
  JsonValue ref;
};

void load(const std::string& folder, Loaded* out, ThreadPool* pool = nullptr,
          const Seq2SeqSessionOptions& options = {}, bool encode_source = true) {
  std::unique_ptr<Model> model;
  const Status s = load_folder(folder, WeightType::kF32, &model);
  ASSERT_TRUE(s.ok()) << s.message();
  out->model = std::move(model);
  out->ref = read_reference(folder).json;
  const Status c =
      Seq2SeqSession::create(out->model, "T5ForConditionalGeneration", pool, options, &out->session);
  ASSERT_TRUE(c.ok()) << c.message();
  if (!encode_source) return;
  const std::vector<int32_t> src = ints_of(*out->ref.find("src"));
  const Status e = out->session->encode(src.data(), src.size());
  ASSERT_TRUE(e.ok()) << e.message();
}

// The options of a gen_t5_beams.py case.
Seq2SeqGenerationOptions options_of(const JsonValue& o) {
  Seq2SeqGenerationOptions g;
  g.max_length = *o.find("max_length")->as_uint64();
  if (const JsonValue* v = o.find("max_new_tokens")) g.max_new_tokens = *v->as_uint64();
  if (const JsonValue* v = o.find("min_length")) g.min_length = *v->as_uint64();
  g.eos_token_ids = ints_of(*o.find("eos_token_ids"));
  g.num_beams = *o.find("num_beams")->as_uint64();
  g.length_penalty = static_cast<float>(*o.find("length_penalty")->as_double());
  const JsonValue* early = o.find("early_stopping");
  g.early_stopping = early->is_string()  ? EarlyStopping::kNever
                     : *early->as_bool() ? EarlyStopping::kTrue
                                         : EarlyStopping::kFalse;
  if (const JsonValue* v = o.find("no_repeat_ngram_size")) g.no_repeat_ngram_size = *v->as_uint64();
  if (const JsonValue* v = o.find("forced_bos_token_id"))
    g.forced_bos_token_id = static_cast<int32_t>(*v->as_int64());
  if (const JsonValue* v = o.find("forced_eos_token_id"))
    g.forced_eos_token_id = static_cast<int32_t>(*v->as_int64());
  if (const JsonValue* v = o.find("bad_words_ids")) {
    for (size_t i = 0; i < v->size(); ++i) g.bad_words_ids.push_back(ints_of(v->at(i)));
  }
  g.num_return_sequences = *o.find("num_return_sequences")->as_uint64();
  if (const JsonValue* v = o.find("renormalize_logits")) g.renormalize_logits = *v->as_bool();
  return g;
}

// The hypotheses equal the reference's sequences exactly, their scores within
// the tolerance; returns the largest score error.
double expect_hypotheses(const std::vector<Seq2SeqHypothesis>& got, const JsonValue& sequences,
                         const JsonValue& scores) {
  EXPECT_EQ(got.size(), sequences.size());
  double worst = 0;
  for (size_t i = 0; i < got.size() && i < sequences.size(); ++i) {
    EXPECT_EQ(got[i].tokens, ints_of(sequences.at(i))) << "hypothesis " << i;
    worst = std::max(worst, score_error(got[i].score, *scores.at(i).as_double()));
  }
  EXPECT_LE(worst, kScoreTolerance);
  return worst;
}

TEST(Seq2SeqSession, GreedyStreamsPyTorchsTokens) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<int32_t> want = ints_of(*m.ref.find("greedy"));
    Seq2SeqGenerationOptions o;
    o.max_new_tokens = want.size();  // no eos: the reference runs that many steps
    std::vector<int32_t> streamed;
    std::vector<Seq2SeqHypothesis> out;
    const Status s = m.session->generate(
        o,
        [&](int32_t token) {
          streamed.push_back(token);
          return true;
        },
        &out);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].tokens, want);
    EXPECT_EQ(streamed, want);
    // The callback stops it.
    streamed.clear();
    ASSERT_TRUE(m.session
                    ->generate(
                        o,
                        [&](int32_t token) {
                          streamed.push_back(token);
                          return streamed.size() < 3;
                        },
                        &out)
                    .ok());
    EXPECT_EQ(out[0].tokens, std::vector<int32_t>(want.begin(), want.begin() + 3));
    // An eos ends it, the eos kept: the first token that greedy decoding had not given before.
    size_t first_new = 1;
    while (std::find(want.begin(), want.begin() + first_new, want[first_new]) != want.begin() + first_new)
      ++first_new;
    o.eos_token_ids = {want[first_new]};
    ASSERT_TRUE(m.session->generate(o, nullptr, &out).ok());
    EXPECT_EQ(out[0].tokens, std::vector<int32_t>(want.begin(), want.begin() + first_new + 1));
    // A min_length past max_length is not an error (transformers only warns): the eos stays
    // suppressed and the generation runs to max_length.
    o.min_length = 2 * want.size();
    const Status past = m.session->generate(o, nullptr, &out);
    ASSERT_TRUE(past.ok()) << past.message();
    EXPECT_EQ(out[0].tokens.size(), want.size());
    EXPECT_EQ(std::find(out[0].tokens.begin(), out[0].tokens.end(), want[first_new]), out[0].tokens.end());
  }
}

TEST(Seq2SeqSession, TeacherForcedLogitsAndAttentionMatchPyTorch) {
  ThreadPool pool(2);
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m, &pool));
    const std::vector<int32_t> tgt = ints_of(*m.ref.find("tgt_in"));
    std::vector<float> logits;
    ASSERT_TRUE(m.session->forward(tgt.data(), tgt.size(), &logits).ok());
    EXPECT_EQ(logits.size(), tgt.size() * m.model->dims().n_vocab);
    EXPECT_LE(max_rows_error(logits.data(), *m.ref.find("logits")), 1e-4);
    EXPECT_LE(max_rows_error(m.session->encoder_hidden().data(), *m.ref.find("encoder_hidden")), 1e-4);
    Seq2SeqAttention att;
    ASSERT_TRUE(m.session->attention(tgt.data(), tgt.size(), &att).ok());
    const JsonValue* want = m.ref.find("attentions");
    expect_probs_match(att.encoder, *want->find("encoder_attentions"), "encoder self-attention");
    expect_probs_match(att.decoder, *want->find("decoder_attentions"), "decoder self-attention");
    expect_probs_match(att.cross, *want->find("cross_attentions"), "cross-attention");
  }
}

TEST(Seq2SeqSession, BeamSearchMatchesTransformersGeneration) {
  ThreadPool pool(3);
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m, &pool));
    JsonValue beams;
    ASSERT_TRUE(
        parse_json(read_file(fixture(std::string("t5-beams/") + folder + ".json")), "beams", &beams).ok());
    EXPECT_EQ(ints_of(*beams.find("src")), m.session->source());
    const JsonValue* cases = beams.find("cases");
    size_t ablations = 0, renormalized = 0;
    for (size_t c = 0; c < cases->size(); ++c) {
      const JsonValue& k = cases->at(c);
      const std::string name(*k.find("name")->as_string());
      SCOPED_TRACE(name);
      Seq2SeqGenerationOptions o = options_of(*k.find("options"));
      std::vector<Seq2SeqHypothesis> out;
      Status s = m.session->generate(o, nullptr, &out);
      ASSERT_TRUE(s.ok()) << s.message();
      const double err = expect_hypotheses(out, *k.find("sequences"), *k.find("scores"));
      std::printf("%s %s: %zu hypotheses, max score error %.3g\n", folder, name.c_str(), out.size(), err);
      if (const JsonValue* off = k.find("renormalize_off")) {
        // Sensitivity: without LogitNormalization the scores are the reference's without it, and differ.
        ++renormalized;
        o.renormalize_logits = false;
        std::vector<Seq2SeqHypothesis> plain;
        ASSERT_TRUE(m.session->generate(o, nullptr, &plain).ok());
        expect_hypotheses(plain, *off->find("sequences"), *off->find("scores"));
        EXPECT_GT(std::fabs(plain[0].score - out[0].score), 10 * kScoreTolerance);
      }
      const JsonValue* ablation = k.find("ablation");
      if (ablation == nullptr) continue;
      // Sensitivity: with the length penalty ignored (0) the search gives the
      // ablated reference, which the true one differs from (its sequences
      // where the fixture says so, its scores always).
      ++ablations;
      o.length_penalty = 0.0f;
      std::vector<Seq2SeqHypothesis> ablated;
      ASSERT_TRUE(m.session->generate(o, nullptr, &ablated).ok());
      expect_hypotheses(ablated, *ablation->find("sequences"), *ablation->find("scores"));
      double score_gap = 0;
      bool sequences_differ = false;
      for (size_t i = 0; i < out.size() && i < ablated.size(); ++i) {
        score_gap = std::max(score_gap, double(std::fabs(out[i].score - ablated[i].score)));
        sequences_differ = sequences_differ || out[i].tokens != ablated[i].tokens;
      }
      EXPECT_GT(score_gap, 100 * kScoreTolerance);
      EXPECT_EQ(sequences_differ, *ablation->find("sequences_differ")->as_bool());
    }
    EXPECT_GE(ablations, 3u);
    EXPECT_GE(renormalized, 2u);
  }
}

// begin() / next() / results(), the step API JS streams through: the same
// tokens as generate(), one per greedy step; a beam search ends with
// generate()'s hypotheses; a step without a generation, or after another
// call took the caches, is a named error.
TEST(Seq2SeqSession, StepwiseGenerationEqualsGenerate) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("t5-tiny", &m));
  const std::vector<int32_t> want = ints_of(*m.ref.find("greedy"));
  Seq2SeqGenerationOptions o;
  o.max_new_tokens = want.size();
  const auto expect_error = [](const Status& s, const char* needle) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  int32_t token = 0;
  bool done = false;
  expect_error(m.session->next(&token, &done), "begin() first");
  ASSERT_TRUE(m.session->begin(o).ok());
  std::vector<int32_t> got;
  while (!done) {
    ASSERT_TRUE(m.session->next(&token, &done).ok());
    got.push_back(token);
    EXPECT_EQ(m.session->results()[0].tokens, got);
  }
  EXPECT_EQ(got, want);
  expect_error(m.session->next(&token, &done), "has ended");
  // Another call reuses the caches: the generation begun ends.
  ASSERT_TRUE(m.session->begin(o).ok());
  std::vector<float> logits;
  const std::vector<int32_t> tgt = ints_of(*m.ref.find("tgt_in"));
  ASSERT_TRUE(m.session->forward(tgt.data(), tgt.size(), &logits).ok());
  expect_error(m.session->next(&token, &done), "begin() first");
  // Beams: a step per call, then generate()'s hypotheses.
  o.num_beams = 3;
  o.num_return_sequences = 3;
  o.eos_token_ids = {want[want.size() / 2]};
  std::vector<Seq2SeqHypothesis> whole;
  ASSERT_TRUE(m.session->generate(o, nullptr, &whole).ok());
  ASSERT_TRUE(m.session->begin(o).ok());
  size_t steps = 0;
  for (done = false; !done; ++steps) {
    ASSERT_TRUE(m.session->next(&token, &done).ok());
    EXPECT_EQ(token, -1);
  }
  EXPECT_GE(steps, 2u);
  const std::vector<Seq2SeqHypothesis> stepped = m.session->results();
  ASSERT_EQ(stepped.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(stepped[i].tokens, whole[i].tokens);
    EXPECT_EQ(stepped[i].score, whole[i].score);
  }
}

// max_length 1 holds the decoder start token alone: greedy and beams end at
// the first next() with nothing generated (empty hypotheses, as many as
// asked for, scored 0); max_length 0 is refused; the session goes on.
TEST(Seq2SeqSession, MaxLengthOneGeneratesNothing) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("t5-tiny", &m));
  for (const size_t beams : {1, 3}) {
    Seq2SeqGenerationOptions o;
    o.max_length = 1;
    o.num_beams = beams;
    o.num_return_sequences = beams == 1 ? 1 : 2;
    ASSERT_TRUE(m.session->begin(o).ok());
    int32_t token = 0;
    bool done = false;
    ASSERT_TRUE(m.session->next(&token, &done).ok());
    EXPECT_TRUE(done);
    EXPECT_EQ(token, -1);
    const std::vector<Seq2SeqHypothesis> got = m.session->results();
    ASSERT_EQ(got.size(), o.num_return_sequences);
    for (const Seq2SeqHypothesis& h : got) {
      EXPECT_TRUE(h.tokens.empty());
      EXPECT_EQ(h.score, 0.0f);
    }
    std::vector<Seq2SeqHypothesis> whole;
    ASSERT_TRUE(m.session->generate(o, nullptr, &whole).ok());
    EXPECT_EQ(whole.size(), o.num_return_sequences);
    // (Sensitivity) max_length 2 is one token.
    o.max_length = 2;
    ASSERT_TRUE(m.session->generate(o, nullptr, &whole).ok());
    EXPECT_EQ(whole[0].tokens.size(), 1u);
  }
  Seq2SeqGenerationOptions zero;
  zero.max_length = 0;
  const Status s = m.session->begin(zero);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("max_length 0"), std::string::npos) << s.message();
  const std::vector<int32_t> want = ints_of(*m.ref.find("greedy"));
  Seq2SeqGenerationOptions o;
  o.max_new_tokens = want.size();
  std::vector<Seq2SeqHypothesis> greedy;
  ASSERT_TRUE(m.session->generate(o, nullptr, &greedy).ok());
  EXPECT_EQ(greedy[0].tokens, want);
}

// T5 with a limit on its source, as models with learned source positions
// (BART, Marian) have: everything else is the loaded T5's.
class LimitedSource : public Model, public Seq2SeqStack {
 public:
  LimitedSource(std::shared_ptr<const Model> inner, size_t limit)
      : inner_(std::move(inner)), t5_(*inner_->seq2seq()), limit_(limit) {
    dims_ = inner_->dims();
  }
  const Seq2SeqStack* seq2seq() const override { return this; }
  std::vector<TensorSlot> slots() override { return {}; }
  const char* checkpoint_prefix() const override { return ""; }
  int32_t decoder_start_token_id() const override { return t5_.decoder_start_token_id(); }
  size_t source_vocab_size() const override { return t5_.source_vocab_size(); }
  size_t max_source_positions() const override { return limit_; }
  size_t max_target_positions() const override { return t5_.max_target_positions(); }
  KvCacheConfig self_cache_config() const override { return t5_.self_cache_config(); }
  size_t encode_scratch_bytes(size_t n) const override { return t5_.encode_scratch_bytes(n); }
  size_t step_scratch_bytes(size_t rows, size_t n_seqs, size_t n_src) const override {
    return t5_.step_scratch_bytes(rows, n_seqs, n_src);
  }
  Status encode(ThreadPool* pool, Arena& scratch, const Seq2SeqEncodeRequest& r) const override {
    return t5_.encode(pool, scratch, r);
  }
  Status start(ThreadPool* pool, const float* hidden, size_t n_src, CrossAttentionKv* cross) const override {
    return t5_.start(pool, hidden, n_src, cross);
  }
  Status step(ThreadPool* pool, Arena& scratch, const Seq2SeqStepRequest& r) const override {
    return t5_.step(pool, scratch, r);
  }

 private:
  std::shared_ptr<const Model> inner_;
  const Seq2SeqStack& t5_;
  size_t limit_;
};

TEST(Seq2SeqSession, SourcePastMaxSourcePositionsIsRefused) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("t5-tiny", &m));
  std::unique_ptr<Seq2SeqSession> session;
  ASSERT_TRUE(
      Seq2SeqSession::create(std::make_shared<LimitedSource>(m.model, 8), "T5", nullptr, {}, &session).ok());
  const std::vector<int32_t> src = ints_of(*m.ref.find("src"));
  const Status s = session->encode(src.data(), src.size());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("at most 8 (max_source_positions)"), std::string::npos) << s.message();
  ASSERT_TRUE(session->encode(src.data(), 8).ok());
  std::vector<Seq2SeqHypothesis> out;
  EXPECT_TRUE(session->generate({}, nullptr, &out).ok());
}

TEST(Seq2SeqSession, BadInputsAreRefusedByName) {
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load("t5-tiny", &m, nullptr, {}, false));
  Seq2SeqSession& session = *m.session;
  const auto expect = [](const Status& s, StatusCode code, const char* needle) {
    EXPECT_EQ(s.code(), code) << s.message();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  const std::vector<int32_t> src = ints_of(*m.ref.find("src"));
  std::vector<Seq2SeqHypothesis> out;
  std::vector<float> logits;
  // Sources and targets.
  expect(session.encode(src.data(), 0), StatusCode::kInvalidArgument, "no tokens");
  const int32_t outside[] = {5, 300};
  expect(session.encode(outside, 2), StatusCode::kInvalidArgument, "token id 300");
  expect(session.generate({}, nullptr, &out), StatusCode::kInvalidArgument, "encode() first");
  ASSERT_TRUE(session.encode(src.data(), src.size()).ok());
  const std::vector<int32_t> long_target(513, 0);
  expect(session.forward(long_target.data(), long_target.size(), &logits), StatusCode::kInvalidArgument,
         "max_target_positions");
  expect(session.forward(outside, 2, &logits), StatusCode::kInvalidArgument, "token id 300");
  // Options.
  Seq2SeqGenerationOptions o;
  o.num_beams = 301;
  o.num_return_sequences = 1;
  expect(session.generate(o, nullptr, &out), StatusCode::kInvalidArgument, "larger than the vocabulary");
  o = {};
  o.max_length = 600;
  expect(session.generate(o, nullptr, &out), StatusCode::kInvalidArgument, "target positions");
  o = {};
  o.num_beams = 2;
  o.num_return_sequences = 3;
  expect(session.generate(o, nullptr, &out), StatusCode::kInvalidArgument, "num_return_sequences");
  o = {};
  o.bad_words_ids = {{4}, {}};
  expect(session.generate(o, nullptr, &out), StatusCode::kInvalidArgument, "bad_words_ids[1]");
  o = {};
  o.eos_token_ids = {-2};
  expect(session.generate(o, nullptr, &out), StatusCode::kInvalidArgument, "eos token id -2");
  // A budget too small for the beams' caches: refused before allocating.
  Loaded tight;
  Seq2SeqSessionOptions small;
  small.max_cache_bytes = 40000;
  ASSERT_NO_FATAL_FAILURE(load("t5-tiny", &tight, nullptr, small));
  o = {};
  o.num_beams = 8;
  o.num_return_sequences = 1;
  expect(tight.session->generate(o, nullptr, &out), StatusCode::kResourceExhausted, "self-attention caches");
  // Both stay usable.
  o.num_beams = 1;
  EXPECT_TRUE(tight.session->generate(o, nullptr, &out).ok());
  EXPECT_TRUE(session.generate(o, nullptr, &out).ok());
  // Not an encoder-decoder: named.
  std::unique_ptr<Model> gpt2;
  ASSERT_TRUE(load_folder("gpt2-tiny", WeightType::kF32, &gpt2).ok());
  std::unique_ptr<Seq2SeqSession> none;
  expect(Seq2SeqSession::create(std::move(gpt2), "GPT2LMHeadModel", nullptr, {}, &none),
         StatusCode::kUnsupported, "GPT2LMHeadModel is not an encoder-decoder");
}

}  // namespace
}  // namespace qkv
