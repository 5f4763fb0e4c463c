// The tiny encoder-decoder checkpoints of tests/fixtures (T5 from gen_t5.py;
// BART, distilbart, Marian, M2M100 and NLLB from gen_bart.py: plain-torch
// transcriptions of transformers' modeling files) and the Seq2SeqStack calls
// the tests make on them, each with its scratch reserved exactly as
// *_scratch_bytes says (less, when a test asks, to see it refused).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint_fixtures.h"
#include "core/arena.h"
#include "models/seq2seq.h"

namespace qkv {
namespace seq2seq_fixtures {

using namespace fixtures;

struct Loaded {
  std::shared_ptr<const Model> model;
  const Seq2SeqStack* stack = nullptr;
  JsonValue ref;
  std::vector<int32_t> src, tgt;
  size_t vocab = 0, embd = 0;
};

inline void load(const std::string& folder, Loaded* out, WeightType type = WeightType::kF32) {
  std::unique_ptr<Model> model;
  const Status s = load_folder(folder, type, &model);
  ASSERT_TRUE(s.ok()) << s.message();
  out->ref = read_reference(folder).json;
  out->stack = model->seq2seq();
  ASSERT_NE(out->stack, nullptr);
  out->vocab = model->dims().n_vocab;
  out->embd = model->dims().n_embd;
  out->model = std::move(model);
  out->src = ints_of(*out->ref.find("src"));
  out->tgt = ints_of(*out->ref.find("tgt_in"));
}

// Each layer's buffer, filled with -1 (no probability) so that what a pass
// leaves unwritten shows, and the pointers the requests take.
inline std::vector<float*> layer_pointers(std::vector<std::vector<float>>* probs, size_t n_layer,
                                          size_t floats) {
  return layer_buffers(probs, n_layer, floats, -1.0f);
}

// encode() with exactly encode_scratch_bytes(n) of scratch (less by
// scratch_bytes_less); probs, when not null, receives the encoder's attention
// probabilities per layer.
inline Status encode(const Loaded& m, ThreadPool* pool, std::vector<float>* hidden,
                     float* const* probs = nullptr, size_t scratch_bytes_less = 0) {
  const size_t n = m.src.size();
  hidden->assign(n * m.embd, 0.0f);
  Arena scratch;
  if (!scratch.reserve(m.stack->encode_scratch_bytes(n) - scratch_bytes_less)) {
    return Status::resource_exhausted("scratch");
  }
  Seq2SeqEncodeRequest r;
  r.ids = m.src.data();
  r.n = n;
  r.hidden = hidden->data();
  r.attention_probs = probs;
  return m.stack->encode(pool, scratch, r);
}

// The source's cross-attention keys and values.
inline CrossAttentionKv start(const Loaded& m, ThreadPool* pool = nullptr) {
  std::vector<float> hidden;
  EXPECT_TRUE(encode(m, pool, &hidden).ok());
  CrossAttentionKv cross;
  const Status s = m.stack->start(pool, hidden.data(), m.src.size(), &cross);
  EXPECT_TRUE(s.ok()) << s.message();
  return cross;
}

inline KvCache new_cache(const Loaded& m, KvDtype dtype = KvDtype::kF32) {
  KvCacheConfig c = m.stack->self_cache_config();
  c.dtype = dtype;
  return KvCache(c);
}

// One step() over sequences caches[s] (each adding counts[s] of `ids`, in
// order) with exactly step_scratch_bytes of scratch (less by scratch_bytes_less).
struct Step {
  std::vector<KvCache*> caches;
  std::vector<size_t> counts;
  std::vector<int32_t> ids;
  bool last_only = false;
  float* const* self_probs = nullptr;
  float* const* cross_probs = nullptr;
};

inline Status run_step(const Loaded& m, const CrossAttentionKv& cross, const Step& st,
                       std::vector<float>* logits, ThreadPool* pool = nullptr,
                       size_t scratch_bytes_less = 0) {
  size_t rows = 0;
  for (size_t c : st.counts) rows += c;
  logits->assign((st.last_only ? st.counts.size() : rows) * m.vocab, 0.0f);
  Arena scratch;
  if (!scratch.reserve(m.stack->step_scratch_bytes(rows, st.counts.size(), cross.n_src) -
                       scratch_bytes_less)) {
    return Status::resource_exhausted("scratch");
  }
  Seq2SeqStepRequest r;
  r.cross = &cross;
  r.selves = st.caches.data();
  r.counts = st.counts.data();
  r.n_seqs = st.counts.size();
  r.ids = st.ids.data();
  r.logits = logits->data();
  r.last_only = st.last_only;
  r.self_probs = st.self_probs;
  r.cross_probs = st.cross_probs;
  return m.stack->step(pool, scratch, r);
}

// One sequence's tokens ids[0..n) into its cache: logits [n, n_vocab] (or the last's) into `logits`.
inline Status step_one(const Loaded& m, const CrossAttentionKv& cross, KvCache* cache, const int32_t* ids,
                       size_t n, float* logits, bool last_only = false, ThreadPool* pool = nullptr) {
  Step st;
  st.caches = {cache};
  st.counts = {n};
  st.ids.assign(ids, ids + n);
  st.last_only = last_only;
  std::vector<float> out;
  const Status s = run_step(m, cross, st, &out, pool);
  if (s.ok()) std::copy(out.begin(), out.end(), logits);
  return s;
}

// The teacher-forced target's logits of every position, fed in chunks of `chunk` tokens.
inline std::vector<float> decode_target(const Loaded& m, size_t chunk, ThreadPool* pool = nullptr,
                                        KvDtype dtype = KvDtype::kF32) {
  const CrossAttentionKv cross = start(m, pool);
  KvCache cache = new_cache(m, dtype);
  std::vector<float> all, logits;
  for (size_t at = 0; at < m.tgt.size(); at += chunk) {
    const size_t n = std::min(chunk, m.tgt.size() - at);
    Step st;
    st.caches = {&cache};
    st.counts = {n};
    st.ids.assign(m.tgt.begin() + at, m.tgt.begin() + at + n);
    const Status s = run_step(m, cross, st, &logits, pool);
    EXPECT_TRUE(s.ok()) << s.message();
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

inline double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  return worst;
}

// max |a - b| relative to the largest |b| (the GEMMs' row blocking differs
// with the rows in a call, so results differ by float rounding).
inline double max_relative_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 0;
  for (float v : b) scale = std::max(scale, double(std::fabs(v)));
  return max_diff(a, b) / scale;
}

// Largest |value| of a [rows][cols] JSON array (the scale of a relative error).
inline double max_abs_of(const JsonValue& rows) {
  double m = 0;
  for (size_t t = 0; t < rows.size(); ++t) {
    for (size_t i = 0; i < rows.at(t).size(); ++i) m = std::max(m, std::fabs(*rows.at(t).at(i).as_double()));
  }
  return m;
}

// Largest |got - want| over a [layer][head][q][k] JSON array, got per layer [head][q][k].
inline double max_probs_error(const std::vector<std::vector<float>>& got, const JsonValue& want) {
  double worst = 0;
  EXPECT_EQ(got.size(), want.size());
  for (size_t l = 0; l < std::min(got.size(), want.size()); ++l) {
    size_t i = 0;
    const JsonValue& layer = want.at(l);
    for (size_t h = 0; h < layer.size(); ++h) {
      for (size_t q = 0; q < layer.at(h).size(); ++q) {
        for (size_t k = 0; k < layer.at(h).at(q).size(); ++k, ++i) {
          worst = std::max(worst, std::fabs(got[l][i] - *layer.at(h).at(q).at(k).as_double()));
        }
      }
    }
    EXPECT_EQ(i, got[l].size());
  }
  return worst;
}

}  // namespace seq2seq_fixtures
}  // namespace qkv
