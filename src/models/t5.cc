#include "models/t5.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "kernels/f32-add/add.h"
#include "kernels/f32-attn/attn.h"
#include "kernels/f32-geglu/geglu.h"
#include "kernels/f32-rmsnorm/rmsnorm.h"
#include "kernels/gemm/gemm.h"
#include "models/decoder_steps.h"
#include "models/t5_attention.h"

namespace qkv {

T5Model::T5Model(const T5Config& c) : config_(c) {
  encoder_.blocks.resize(c.n_encoder_layers);
  decoder_.blocks.resize(c.n_decoder_layers);
  // n_vocab, n_ctx, n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff (n_layer: the encoder's)
  dims_ = {c.n_vocab, c.max_target_positions, c.d_model, c.n_encoder_layers, c.n_head, c.n_head, c.d_kv,
           c.d_ff};
}

void T5Model::add_stack_slots(std::vector<TensorSlot>* s, const std::string& name, bool decoder,
                              T5Stack* stack) {
  const size_t e = config_.d_model, inner = config_.n_head * config_.d_kv, ff = config_.d_ff;
  auto attention = [&](const std::string& p, T5Attention* a) {
    add_linear_slots(s, p + "q", inner, e, &a->q, false);
    add_linear_slots(s, p + "k", inner, e, &a->k, false);
    add_linear_slots(s, p + "v", inner, e, &a->v, false);
    add_linear_slots(s, p + "o", e, inner, &a->o, false);
  };
  for (size_t i = 0; i < stack->blocks.size(); ++i) {
    T5Block& b = stack->blocks[i];
    const std::string p = name + ".block." + std::to_string(i) + ".layer.";
    attention(p + "0.SelfAttention.", &b.self);
    add_norm_slots(s, p + "0.layer_norm", e, &b.self.norm, nullptr);
    // Only the first block has the table; T5Stack hands its bias to the others.
    if (i == 0) {
      add_table_slot(s, p + "0.SelfAttention.relative_attention_bias.weight", config_.num_buckets,
                     config_.n_head, &stack->relative_bias);
    }
    if (decoder) {
      attention(p + "1.EncDecAttention.", &b.cross);
      add_norm_slots(s, p + "1.layer_norm", e, &b.cross.norm, nullptr);
    }
    const std::string f = p + (decoder ? "2." : "1.");
    if (config_.gated) {
      add_linear_slots(s, f + "DenseReluDense.wi_0", ff, e, &b.ff.wi, false);
      add_linear_slots(s, f + "DenseReluDense.wi_1", ff, e, &b.ff.wi_1, false);
    } else {
      add_linear_slots(s, f + "DenseReluDense.wi", ff, e, &b.ff.wi, false);
    }
    add_linear_slots(s, f + "DenseReluDense.wo", e, ff, &b.ff.wo, false);
    add_norm_slots(s, f + "layer_norm", e, &b.ff.norm, nullptr);
  }
  add_norm_slots(s, name + ".final_layer_norm", e, &stack->final_norm, nullptr);
}

std::vector<TensorSlot> T5Model::slots() {
  std::vector<TensorSlot> s;
  // Checkpoints may also hold encoder.embed_tokens / decoder.embed_tokens:
  // the same tensor as shared.weight, which the loader then ignores.
  add_embedding_slot(
      &s, "shared.weight", config_.n_vocab, config_.d_model, &shared_,
      config_.tie_word_embeddings ? TensorSlot::Role::kTiedEmbedding : TensorSlot::Role::kEmbedding);
  add_stack_slots(&s, "encoder", false, &encoder_);
  add_stack_slots(&s, "decoder", true, &decoder_);
  if (!config_.tie_word_embeddings) {
    s.push_back({"lm_head.weight",
                 {config_.n_vocab, config_.d_model},
                 TensorSlot::Kind::kLinearNK,
                 &lm_head_,
                 nullptr,
                 TensorSlot::Role::kLmHead});
  }
  return s;
}

Status T5Model::check_ids(const char* what, const int32_t* ids, size_t n) const {
  if (ids == nullptr || n == 0) return Status::invalid_argument(std::string(what) + ": no tokens");
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= config_.n_vocab) {
      return Status::invalid_argument(std::string(what) + ": token id " + std::to_string(ids[i]) + " at " +
                                      std::to_string(i) + " is outside the vocabulary of " +
                                      std::to_string(config_.n_vocab));
    }
  }
  return Status::ok_status();
}

std::array<size_t, 8> T5Model::scratch_floats(size_t rows, bool decoder, size_t bias_floats) const {
  const size_t e = config_.d_model, inner = config_.n_head * config_.d_kv, ff = rows * config_.d_ff;
  // x, xn, qkv, attn, tmp, ff, up, bias
  return {decoder ? rows * e : 0, rows * e,   rows * 3 * inner, rows * inner, rows * e, ff,
          config_.gated ? ff : 0, bias_floats};
}

size_t T5Model::scratch_bytes(size_t rows, bool decoder, size_t bias_floats, size_t n_seqs) const {
  size_t total = Arena::bytes_for<size_t>(n_seqs) + Arena::bytes_for<T5AttentionParams>(n_seqs);
  for (const size_t floats : scratch_floats(rows, decoder, bias_floats))
    total += Arena::bytes_for<float>(floats);
  return total;
}

Status T5Model::take_scratch(Arena& arena, size_t rows, bool decoder, size_t bias_floats, size_t n_seqs,
                             T5Scratch* s) const {
  float** buffers[] = {&s->x, &s->xn, &s->qkv, &s->attn, &s->tmp, &s->ff, &s->up, &s->bias};
  const std::array<size_t, 8> floats = scratch_floats(rows, decoder, bias_floats);
  bool short_of_room = false;
  for (size_t i = 0; i < floats.size(); ++i) {
    *buffers[i] = floats[i] == 0 ? nullptr : arena.alloc<float>(floats[i]);
    short_of_room |= floats[i] != 0 && *buffers[i] == nullptr;
  }
  s->pos0 = n_seqs == 0 ? nullptr : arena.alloc<size_t>(n_seqs);
  s->self_attention = n_seqs == 0 ? nullptr : arena.alloc<T5AttentionParams>(n_seqs);
  short_of_room |= n_seqs != 0 && (s->pos0 == nullptr || s->self_attention == nullptr);
  if (short_of_room) {
    return Status::internal("t5: scratch arena smaller than its *_scratch_bytes for " + std::to_string(rows) +
                            " tokens");
  }
  return Status::ok_status();
}

size_t T5Model::encode_scratch_bytes(size_t n) const {
  return scratch_bytes(n, false, config_.n_head * (2 * n - 1), 0);
}

// The bias table covers every causal relative position of the cache.
size_t T5Model::step_scratch_bytes(size_t rows, size_t n_seqs, size_t /*n_src*/) const {
  return scratch_bytes(rows, true, config_.n_head * config_.max_target_positions, n_seqs);
}

KvCacheConfig T5Model::self_cache_config() const {
  KvCacheConfig kv;
  kv.n_layer = decoder_.blocks.size();
  kv.n_head_kv = config_.n_head;
  kv.head_dim = config_.d_kv;
  kv.max_positions = config_.max_target_positions;
  return kv;
}

// T5LayerFF: x += wo(relu(wi(norm(x)))), or wo(gelu_new(wi_0(h)) * wi_1(h)) when gated.
Status T5Model::feed_forward(ThreadPool* pool, size_t n, const T5FeedForward& ff, const T5Scratch& s,
                             float* x) const {
  const size_t e = config_.d_model, width = n * config_.d_ff;
  QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, ff.norm, config_.layer_norm_epsilon, s.xn));
  QKV_RETURN_IF_ERROR(linear(pool, n, s.xn, ff.wi, s.ff));
  if (config_.gated) {
    QKV_RETURN_IF_ERROR(linear(pool, n, s.xn, ff.wi_1, s.up));
    f32_geglu_ukernel__simd(width, s.ff, s.up, s.ff);  // gelu_new(wi_0 x) * wi_1 x
  } else {
    for (size_t i = 0; i < width; ++i) s.ff[i] = std::max(s.ff[i], 0.0f);
  }
  QKV_RETURN_IF_ERROR(linear(pool, n, s.ff, ff.wo, s.tmp));
  f32_add_ukernel__simd(n * e, x, s.tmp, x);
  return Status::ok_status();
}

// q, k and v of norm(x) side by side in each token's row of s.qkv [n, 3 * inner].
Status T5Model::project_qkv(ThreadPool* pool, size_t n, const T5Attention& a, const float* x,
                            const T5Scratch& s) const {
  const size_t e = config_.d_model, inner = config_.n_head * config_.d_kv;
  QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, a.norm, config_.layer_norm_epsilon, s.xn));
  QKV_RETURN_IF_ERROR(linear_into(pool, n, s.xn, a.q, s.qkv, 3 * inner));
  QKV_RETURN_IF_ERROR(linear_into(pool, n, s.xn, a.k, s.qkv + inner, 3 * inner));
  return linear_into(pool, n, s.xn, a.v, s.qkv + 2 * inner, 3 * inner);
}

// x += o(s.attn): the attention block's residual.
Status T5Model::add_output(ThreadPool* pool, size_t n, const T5Attention& a, const T5Scratch& s,
                           float* x) const {
  QKV_RETURN_IF_ERROR(linear(pool, n, s.attn, a.o, s.tmp));
  f32_add_ukernel__simd(n * config_.d_model, x, s.tmp, x);
  return Status::ok_status();
}

T5AttentionParams T5Model::self_attention_params(const T5Scratch& s, int64_t bias_first,
                                                 size_t bias_len) const {
  T5AttentionParams p;
  p.n_head = config_.n_head;
  p.head_dim = config_.d_kv;
  p.bias = s.bias;
  p.bias_first = bias_first;
  p.bias_len = bias_len;
  p.q = s.qkv;
  p.q_token_stride = 3 * config_.n_head * config_.d_kv;
  p.out = s.attn;
  p.out_token_stride = config_.n_head * config_.d_kv;
  return p;
}

Status T5Model::encode(ThreadPool* pool, Arena& scratch, const Seq2SeqEncodeRequest& r) const {
  QKV_RETURN_IF_ERROR(check_ids("t5 encode", r.ids, r.n));
  if (r.hidden == nullptr) return Status::invalid_argument("t5 encode: no output buffer");
  const size_t n = r.n, e = config_.d_model, inner = config_.n_head * config_.d_kv;
  T5Scratch s;
  QKV_RETURN_IF_ERROR(take_scratch(scratch, n, false, config_.n_head * (2 * n - 1), 0, &s));
  // Every token sees every other, with bidirectional buckets: relative
  // positions -(n - 1) .. n - 1, one table for every layer (the bias is shared).
  const int64_t first = -static_cast<int64_t>(n - 1);
  t5_fill_bias_table(encoder_.relative_bias, config_.n_head, config_.num_buckets, config_.max_distance, true,
                     first, 2 * n - 1, s.bias);
  float* x = r.hidden;
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(shared_.w, r.ids, n, x));
  for (size_t l = 0; l < encoder_.blocks.size(); ++l) {
    const T5Block& b = encoder_.blocks[l];
    QKV_RETURN_IF_ERROR(project_qkv(pool, n, b.self, x, s));
    T5AttentionParams p = self_attention_params(s, first, 2 * n - 1);
    p.n_q = p.n_kv = n;
    p.causal = false;
    p.k = s.qkv + inner;
    p.v = s.qkv + 2 * inner;
    p.kv_head_stride = config_.d_kv;
    p.kv_token_stride = 3 * inner;
    p.probs = r.attention_probs != nullptr ? r.attention_probs[l] : nullptr;
    QKV_RETURN_IF_ERROR(t5_attention(pool, p));
    QKV_RETURN_IF_ERROR(add_output(pool, n, b.self, s, x));
    QKV_RETURN_IF_ERROR(feed_forward(pool, n, b.ff, s, x));
  }
  return f32_rmsnorm_rows(pool, n, e, x, encoder_.final_norm, config_.layer_norm_epsilon, x);
}

Status T5Model::start(ThreadPool* pool, const float* hidden, size_t n_src, CrossAttentionKv* cross) const {
  if (hidden == nullptr || n_src == 0) return Status::invalid_argument("t5 start: no encoder states");
  const size_t inner = config_.n_head * config_.d_kv;
  cross->n_src = n_src;
  cross->k.assign(decoder_.blocks.size(), std::vector<float>(n_src * inner));
  cross->v.assign(decoder_.blocks.size(), std::vector<float>(n_src * inner));
  for (size_t l = 0; l < decoder_.blocks.size(); ++l) {
    const T5Attention& a = decoder_.blocks[l].cross;
    QKV_RETURN_IF_ERROR(linear(pool, n_src, hidden, a.k, cross->k[l].data()));
    QKV_RETURN_IF_ERROR(linear(pool, n_src, hidden, a.v, cross->v[l].data()));
  }
  return Status::ok_status();
}

Status T5Model::check_step(const Seq2SeqStepRequest& r, size_t* rows) const {
  auto bad = [](const std::string& m) { return Status::invalid_argument("t5 step: " + m); };
  const size_t n_layer = decoder_.blocks.size(), inner = config_.n_head * config_.d_kv;
  const CrossAttentionKv* c = r.cross;
  if (c == nullptr || c->n_src == 0 || c->k.size() != n_layer || c->v.size() != n_layer ||
      c->k[0].size() != c->n_src * inner) {
    return bad("the cross-attention keys and values were not made (start()) by this model");
  }
  if (r.n_seqs == 0 || r.selves == nullptr || r.counts == nullptr) return bad("no target sequences");
  if (r.logits == nullptr) return bad("no logits buffer");
  if ((r.self_probs != nullptr || r.cross_probs != nullptr) && r.n_seqs != 1) {
    return bad("attention probabilities are given for one sequence only, not " + std::to_string(r.n_seqs));
  }
  *rows = 0;
  for (size_t i = 0; i < r.n_seqs; ++i) {
    const KvCache* cache = r.selves[i];
    if (cache == nullptr || cache->config().n_layer != n_layer ||
        cache->config().n_head_kv != config_.n_head || cache->config().head_dim != config_.d_kv) {
      return bad("sequence " + std::to_string(i) + "'s cache was not made with self_cache_config()");
    }
    for (size_t j = 0; j < i; ++j) {
      if (r.selves[j] == cache)
        return bad("sequences " + std::to_string(j) + " and " + std::to_string(i) + " share a cache");
    }
    if (r.counts[i] == 0) return bad("sequence " + std::to_string(i) + " adds no tokens");
    const size_t pos = cache->positions(),
                 limit = std::min(config_.max_target_positions, cache->config().max_positions);
    if (r.counts[i] > limit - std::min(limit, pos)) {
      return bad("sequence " + std::to_string(i) + "'s target positions " + std::to_string(pos) + " .. " +
                 std::to_string(pos + r.counts[i] - 1) + " exceed the " + std::to_string(limit) +
                 " the decoder holds");
    }
    *rows += r.counts[i];
  }
  return check_ids("t5 step", r.ids, *rows);
}

Status T5Model::decoder_self_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t l,
                                       size_t max_end, const T5Scratch& s) const {
  const size_t inner = config_.n_head * config_.d_kv;
  for (size_t i = 0, row0 = 0; i < r.n_seqs; row0 += r.counts[i], ++i) {
    KvCache& cache = *r.selves[i];
    const float* qkv = s.qkv + row0 * 3 * inner;
    QKV_RETURN_IF_ERROR(cache.write(l, s.pos0[i], r.counts[i], qkv + inner, qkv + 2 * inner, 3 * inner));
    const KvLayerView kv = cache.view(l);
    // Placement: the arena hands out raw memory.
    T5AttentionParams& p = *new (s.self_attention + i) T5AttentionParams(
        self_attention_params(s, -static_cast<int64_t>(max_end - 1), max_end));
    p.n_q = r.counts[i];
    p.q_pos0 = s.pos0[i];
    p.n_kv = kv.rows;
    p.causal = true;
    p.q = qkv;
    p.kv_dtype = kv.dtype;
    p.k = kv.k;
    p.v = kv.v;
    p.kv_head_stride = kv.head_stride;
    p.kv_token_stride = config_.d_kv;
    p.out = s.attn + row0 * inner;
    p.probs = r.self_probs != nullptr ? r.self_probs[l] : nullptr;
  }
  // Every sequence's rows in one pass over the pool.
  return t5_attention_batch(pool, s.self_attention, r.n_seqs);
}

// No position bias, no scaling; the rows of every sequence read the same keys.
Status T5Model::cross_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, size_t l,
                                const T5Scratch& s) const {
  const size_t inner = config_.n_head * config_.d_kv;
  QKV_RETURN_IF_ERROR(linear(pool, rows, s.xn, decoder_.blocks[l].cross.q, s.qkv));
  AttnParams c;
  c.n_head = c.n_head_kv = config_.n_head;
  c.head_dim = config_.d_kv;
  c.scale = 1.0f;
  c.n_q = rows;
  c.n_kv = r.cross->n_src;
  c.causal = false;
  c.q = s.qkv;
  c.q_token_stride = inner;
  c.k = r.cross->k[l].data();
  c.v = r.cross->v[l].data();
  c.kv_head_stride = config_.d_kv;
  c.kv_token_stride = inner;
  c.out = s.attn;
  c.out_token_stride = inner;
  c.probs = r.cross_probs != nullptr ? r.cross_probs[l] : nullptr;
  return f32_attention(pool, c);
}

Status T5Model::head(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, const T5Scratch& s) const {
  const size_t e = config_.d_model;
  size_t out_rows = rows;
  if (r.last_only) {
    // Each sequence's last row moves up to row i (never past its own: rows only move up).
    for (size_t i = 0, end = 0; i < r.n_seqs; ++i) {
      end += r.counts[i];
      if (end - 1 != i) std::memcpy(s.x + i * e, s.x + (end - 1) * e, e * sizeof(float));
    }
    out_rows = r.n_seqs;
  }
  QKV_RETURN_IF_ERROR(
      f32_rmsnorm_rows(pool, out_rows, e, s.x, decoder_.final_norm, config_.layer_norm_epsilon, s.x));
  if (!config_.tie_word_embeddings) return linear(pool, out_rows, s.x, lm_head_, r.logits);
  // Tied: the Mesh TensorFlow rescale before projecting on the vocabulary.
  const float rescale = static_cast<float>(std::pow(static_cast<double>(e), -0.5));
  for (size_t i = 0; i < out_rows * e; ++i) s.x[i] *= rescale;
  return linear(pool, out_rows, s.x, Linear{shared_.w, nullptr}, r.logits);
}

Status T5Model::step(ThreadPool* pool, Arena& scratch, const Seq2SeqStepRequest& r) const {
  size_t rows = 0;
  QKV_RETURN_IF_ERROR(check_step(r, &rows));
  // Room in every cache before any work, so a refusal changes nothing.
  size_t max_end = 0;
  for (size_t i = 0; i < r.n_seqs; ++i) {
    const size_t end = r.selves[i]->positions() + r.counts[i];
    QKV_RETURN_IF_ERROR(r.selves[i]->reserve(end, r.counts[i]));
    max_end = std::max(max_end, end);
  }
  T5Scratch s;
  QKV_RETURN_IF_ERROR(
      take_scratch(scratch, rows, true, config_.n_head * config_.max_target_positions, r.n_seqs, &s));
  for (size_t i = 0; i < r.n_seqs; ++i) s.pos0[i] = r.selves[i]->positions();
  // Causal buckets of relative positions -(max_end - 1) .. 0, for every layer and sequence.
  t5_fill_bias_table(decoder_.relative_bias, config_.n_head, config_.num_buckets, config_.max_distance, false,
                     -static_cast<int64_t>(max_end - 1), max_end, s.bias);
  const size_t e = config_.d_model;
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(shared_.w, r.ids, rows, s.x));
  for (size_t l = 0; l < decoder_.blocks.size(); ++l) {
    const T5Block& b = decoder_.blocks[l];
    QKV_RETURN_IF_ERROR(project_qkv(pool, rows, b.self, s.x, s));
    QKV_RETURN_IF_ERROR(decoder_self_attention(pool, r, l, max_end, s));
    QKV_RETURN_IF_ERROR(add_output(pool, rows, b.self, s, s.x));
    QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, rows, e, s.x, b.cross.norm, config_.layer_norm_epsilon, s.xn));
    QKV_RETURN_IF_ERROR(cross_attention(pool, r, rows, l, s));
    QKV_RETURN_IF_ERROR(add_output(pool, rows, b.cross, s, s.x));
    QKV_RETURN_IF_ERROR(feed_forward(pool, rows, b.ff, s, s.x));
  }
  return head(pool, r, rows, s);
}

}  // namespace qkv
