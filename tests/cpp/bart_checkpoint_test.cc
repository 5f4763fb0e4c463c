// Loads the tiny BART-family checkpoints of tests/fixtures (gen_bart.py: a
// plain-torch transcription of transformers' modeling_bart.py,
// modeling_marian.py and modeling_m2m_100.py) and compares the encoder
// states, the decoder's logits at every teacher-forced position, greedy
// decoding and the attention probabilities with PyTorch's. The references'
// ablations (one feature changed) show the tolerances would catch it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "models/bart.h"
#include "seq2seq_fixtures.h"

namespace qkv {
namespace {

using namespace seq2seq_fixtures;

constexpr const char* kFolders[] = {"bart-tiny",   "distilbart-tiny", "marian-tiny", "marian-unshared-tiny",
                                    "m2m100-tiny", "nllb-tiny"};

constexpr double kEncoderTolerance = 1e-5;
constexpr double kLogitsRelativeTolerance = 1e-5;
constexpr double kProbsTolerance = 5e-6;
// The same logits computed in other chunks or batches, relative to the largest.
constexpr double kRoundingTolerance = 3e-6;
// An ablated reference is at least this far from the true one (and so from the model).
constexpr double kAblationGap = 1e-2;

TEST(BartCheckpoint, EncoderStatesMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    // Its runner is Seq2SeqSession; the decoders' refuses it by name.
    EXPECT_EQ(capabilities_of(*m.model), std::vector<std::string>{"text2text"});
    const Status session = Session::require_decoder(*m.model, folder);
    EXPECT_NE(session.message().find("encoder-decoder"), std::string::npos) << session.message();
    std::vector<float> hidden;
    ASSERT_TRUE(encode(m, nullptr, &hidden).ok());
    const double err = max_rows_error(hidden.data(), *m.ref.find("encoder_hidden"));
    EXPECT_LE(err, kEncoderTolerance);
    const JsonValue* ablations = m.ref.find("ablations");
    for (size_t a = 0; a < ablations->size(); ++a) {
      const JsonValue* ablated = ablations->at(a).find("encoder_hidden");
      if (ablated != nullptr) EXPECT_GE(max_rows_error(hidden.data(), *ablated), kAblationGap) << a;
    }
    std::printf("%s: encoder max |error| %.3g\n", folder, err);
  }
}

// Every position's logits in one step, relative to the largest logit; each
// ablation (BART: positions offset 0, Marian: sinusoid halves swapped,
// M2M100: positions from 0, BART and Marian: final_logits_bias dropped) is far.
TEST(BartCheckpoint, TeacherForcedLogitsMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<float> logits = decode_target(m, SIZE_MAX);
    const JsonValue& want = *m.ref.find("logits");
    const double err = max_rows_error(logits.data(), want) / max_abs_of(want);
    EXPECT_LE(err, kLogitsRelativeTolerance);
    const JsonValue* ablations = m.ref.find("ablations");
    EXPECT_GE(ablations->size(), 1u);
    for (size_t a = 0; a < ablations->size(); ++a) {
      EXPECT_GE(max_rows_error(logits.data(), *ablations->at(a).find("logits")), kAblationGap) << a;
    }
    std::printf("%s: teacher-forced logits max relative error %.3g over %zu positions\n", folder, err,
                m.tgt.size());
  }
}

// Through the cache, one token (or a few) at a time, on a thread pool too,
// the decoder gives the full pass's logits.
TEST(BartCheckpoint, StepByStepEqualsTheFullPass) {
  ThreadPool pool(3);
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<float> full = decode_target(m, SIZE_MAX);
    for (const size_t chunk : {size_t{1}, size_t{3}}) {
      EXPECT_LE(max_relative_diff(decode_target(m, chunk), full), kRoundingTolerance) << "chunk " << chunk;
    }
    EXPECT_LE(max_relative_diff(decode_target(m, 1, &pool), full), kRoundingTolerance) << "pool";
    // The runner may keep the self-attention cache in f16: keys and values rounded, logits close.
    const double f16 = max_relative_diff(decode_target(m, 1, nullptr, KvDtype::kF16), full);
    EXPECT_LE(f16, 3e-3) << "f16 cache";  // measured 1e-4 .. 5e-4
    EXPECT_GT(f16, 0.0) << "f16 cache";
    std::printf("%s: f16 self-attention cache, max relative logit change %.3g\n", folder, f16);
  }
}

// Three target sequences of different lengths in one step (the beams of a
// search: shared projections, cross-attention and head, each its own cache)
// give what each gives alone, every row or only each one's last.
TEST(BartCheckpoint, SeveralSequencesPerStepEqualEachAlone) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const CrossAttentionKv cross = start(m);
    const size_t n = m.tgt.size();
    // Sequence s: the target from an offset, fed as a prefix then chunks.
    const std::vector<std::vector<int32_t>> seqs = {
        m.tgt, {m.tgt.begin(), m.tgt.begin() + n / 2}, {m.tgt.rbegin(), m.tgt.rbegin() + n - 2}};
    for (const bool last_only : {false, true}) {
      SCOPED_TRACE(last_only ? "last_only" : "every row");
      // Alone: each sequence in two steps (prefix of 2, then the rest).
      std::vector<std::vector<float>> alone;
      for (const auto& seq : seqs) {
        KvCache cache = new_cache(m);
        std::vector<float> first, rest;
        Step a{{&cache}, {2}, {seq.begin(), seq.begin() + 2}, last_only};
        ASSERT_TRUE(run_step(m, cross, a, &first).ok());
        Step b{{&cache}, {seq.size() - 2}, {seq.begin() + 2, seq.end()}, last_only};
        ASSERT_TRUE(run_step(m, cross, b, &rest).ok());
        alone.push_back(rest);
      }
      // Together: the same two steps with all three sequences.
      std::vector<KvCache> caches;
      for (size_t s = 0; s < seqs.size(); ++s) caches.push_back(new_cache(m));
      Step a, b;
      b.last_only = a.last_only = last_only;
      for (size_t s = 0; s < seqs.size(); ++s) {
        a.caches.push_back(&caches[s]);
        b.caches.push_back(&caches[s]);
        a.counts.push_back(2);
        b.counts.push_back(seqs[s].size() - 2);
        a.ids.insert(a.ids.end(), seqs[s].begin(), seqs[s].begin() + 2);
        b.ids.insert(b.ids.end(), seqs[s].begin() + 2, seqs[s].end());
      }
      std::vector<float> first, together;
      ASSERT_TRUE(run_step(m, cross, a, &first).ok());
      ASSERT_TRUE(run_step(m, cross, b, &together).ok());
      std::vector<float> expected;
      for (const auto& rows : alone) expected.insert(expected.end(), rows.begin(), rows.end());
      ASSERT_EQ(together.size(), expected.size());
      EXPECT_LE(max_relative_diff(together, expected), kRoundingTolerance);
      for (size_t s = 0; s < seqs.size(); ++s) EXPECT_EQ(caches[s].positions(), seqs[s].size());
    }
  }
}

TEST(BartCheckpoint, GreedyDecodingMatchesPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const std::vector<int32_t> want = ints_of(*m.ref.find("greedy"));
    EXPECT_EQ(m.stack->decoder_start_token_id(), m.tgt[0]);
    const CrossAttentionKv cross = start(m);
    KvCache cache = new_cache(m);
    int32_t token = m.stack->decoder_start_token_id();
    std::vector<int32_t> got;
    std::vector<float> logits;
    for (size_t i = 0; i < want.size(); ++i) {
      Step st{{&cache}, {1}, {token}, true};
      const Status s = run_step(m, cross, st, &logits);
      ASSERT_TRUE(s.ok()) << s.message();
      token = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      got.push_back(token);
    }
    EXPECT_EQ(got, want);
  }
}

// The teacher-forced pass's encoder self-attention, decoder self-attention
// and cross-attention probabilities, per layer and head.
TEST(BartCheckpoint, AttentionProbabilitiesMatchPyTorch) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m));
    const BartConfig& c = static_cast<const BartModel&>(*m.model).config();
    const JsonValue* want = m.ref.find("attention");
    std::vector<float> hidden;
    std::vector<std::vector<float>> encoder;
    const size_t s = m.src.size();
    const std::vector<float*> encoder_ptrs =
        layer_pointers(&encoder, c.n_encoder_layers, c.n_encoder_heads * s * s);
    ASSERT_TRUE(encode(m, nullptr, &hidden, encoder_ptrs.data()).ok());
    EXPECT_LE(max_probs_error(encoder, *want->find("encoder")), kProbsTolerance);
    CrossAttentionKv cross;
    ASSERT_TRUE(m.stack->start(nullptr, hidden.data(), m.src.size(), &cross).ok());
    const size_t t = m.tgt.size(), h = c.n_decoder_heads;
    std::vector<std::vector<float>> self, cross_probs;
    const std::vector<float*> self_ptrs = layer_pointers(&self, c.n_decoder_layers, h * t * t);
    const std::vector<float*> cross_ptrs = layer_pointers(&cross_probs, c.n_decoder_layers, h * t * s);
    KvCache cache = new_cache(m);
    Step st{{&cache}, {t}, m.tgt, false, self_ptrs.data(), cross_ptrs.data()};
    std::vector<float> logits;
    ASSERT_TRUE(run_step(m, cross, st, &logits).ok());
    EXPECT_LE(max_probs_error(self, *want->find("decoder")), kProbsTolerance);
    EXPECT_LE(max_probs_error(cross_probs, *want->find("cross")), kProbsTolerance);
  }
}

}  // namespace
}  // namespace qkv

namespace qkv {
namespace {

using namespace seq2seq_fixtures;

// q8 weights (every matrix, the tied tables and heads as the weight policy
// holds them) stay close to PyTorch's f32 logits: the int8 kernels end to
// end on the family. Measured natively: max |error| relative to the largest
// logit 0.03-0.05 (bart-tiny 0.16: its unscaled embeddings of std 1 are
// the widest q8 rows), the top token kept at 61 of 62 positions.
TEST(BartCheckpoint, Q8StaysClose) {
  for (const char* folder : kFolders) {
    SCOPED_TRACE(folder);
    Loaded m;
    ASSERT_NO_FATAL_FAILURE(load(folder, &m, WeightType::kQ8));
    const std::vector<float> logits = decode_target(m, SIZE_MAX);
    const JsonValue& want = *m.ref.find("logits");
    size_t agree = 0;
    for (size_t t = 0; t < want.size(); ++t) {
      size_t top = 0;
      for (size_t v = 0; v < m.vocab; ++v) {
        if (*want.at(t).at(v).as_double() > *want.at(t).at(top).as_double()) top = v;
      }
      const float* row = logits.data() + t * m.vocab;
      agree += static_cast<size_t>(std::max_element(row, row + m.vocab) - row) == top;
    }
    const double err = max_rows_error(logits.data(), want) / max_abs_of(want);
    std::printf("%s q8: max relative logit error %.3g, top-1 %zu/%zu\n", folder, err, agree, want.size());
    EXPECT_LE(err, 0.25);
    EXPECT_GE(agree * 100, want.size() * 80);
  }
}

}  // namespace
}  // namespace qkv
