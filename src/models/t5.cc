#include "models/t5.h"

#include <algorithm>
#include <cmath>
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

// T5LayerFF: x += wo(relu(wi(norm(x)))), or wo(gelu_new(wi_0(h)) * wi_1(h)) when gated.
Status T5Model::feed_forward(ThreadPool* pool, size_t n, const T5FeedForward& ff, float* x) const {
  const size_t e = config_.d_model, width = n * config_.d_ff;
  std::vector<float> xn(n * e), h(width), out(n * e);
  QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, ff.norm, config_.layer_norm_epsilon, xn.data()));
  QKV_RETURN_IF_ERROR(linear(pool, n, xn.data(), ff.wi, h.data()));
  if (config_.gated) {
    std::vector<float> up(width);
    QKV_RETURN_IF_ERROR(linear(pool, n, xn.data(), ff.wi_1, up.data()));
    f32_geglu_ukernel__simd(width, h.data(), up.data(), h.data());  // gelu_new(wi_0 x) * wi_1 x
  } else {
    for (float& v : h) v = std::max(v, 0.0f);
  }
  QKV_RETURN_IF_ERROR(linear(pool, n, h.data(), ff.wo, out.data()));
  f32_add_ukernel__simd(n * e, x, out.data(), x);
  return Status::ok_status();
}

// q, k and v of norm(x) side by side in each token's row of qkv [n, 3 * inner].
Status T5Model::project_qkv(ThreadPool* pool, size_t n, const T5Attention& a, const float* x, float* xn,
                            float* qkv) const {
  const size_t e = config_.d_model, inner = config_.n_head * config_.d_kv;
  QKV_RETURN_IF_ERROR(f32_rmsnorm_rows(pool, n, e, x, a.norm, config_.layer_norm_epsilon, xn));
  QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, a.q, qkv, 3 * inner));
  QKV_RETURN_IF_ERROR(linear_into(pool, n, xn, a.k, qkv + inner, 3 * inner));
  return linear_into(pool, n, xn, a.v, qkv + 2 * inner, 3 * inner);
}

// x += o(attn): the attention block's residual.
Status T5Model::add_output(ThreadPool* pool, size_t n, const T5Attention& a, const float* attn, float* tmp,
                           float* x) const {
  QKV_RETURN_IF_ERROR(linear(pool, n, attn, a.o, tmp));
  f32_add_ukernel__simd(n * config_.d_model, x, tmp, x);
  return Status::ok_status();
}

T5AttentionParams T5Model::self_attention_params(const T5Stack& stack) const {
  T5AttentionParams p;
  p.n_head = config_.n_head;
  p.head_dim = config_.d_kv;
  p.relative_bias = stack.relative_bias;
  p.num_buckets = config_.num_buckets;
  p.max_distance = config_.max_distance;
  p.q_token_stride = 3 * config_.n_head * config_.d_kv;
  p.out_token_stride = config_.n_head * config_.d_kv;
  return p;
}

Status T5Model::encode(ThreadPool* pool, const int32_t* ids, size_t n, float* hidden) const {
  QKV_RETURN_IF_ERROR(check_ids("t5 encode", ids, n));
  if (hidden == nullptr) return Status::invalid_argument("t5 encode: no output buffer");
  const size_t e = config_.d_model, inner = config_.n_head * config_.d_kv;
  std::vector<float> xn(n * e), qkv(n * 3 * inner), attn(n * inner), tmp(n * e);
  float* x = hidden;
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(shared_.w, ids, n, x));
  for (const T5Block& b : encoder_.blocks) {
    QKV_RETURN_IF_ERROR(project_qkv(pool, n, b.self, x, xn.data(), qkv.data()));
    // Every token sees every other, with bidirectional buckets.
    T5AttentionParams p = self_attention_params(encoder_);
    p.n_q = p.n_kv = n;
    p.causal = false;
    p.q = qkv.data();
    p.k = qkv.data() + inner;
    p.v = qkv.data() + 2 * inner;
    p.kv_head_stride = config_.d_kv;
    p.kv_token_stride = 3 * inner;
    p.out = attn.data();
    QKV_RETURN_IF_ERROR(t5_attention(pool, p));
    QKV_RETURN_IF_ERROR(add_output(pool, n, b.self, attn.data(), tmp.data(), x));
    QKV_RETURN_IF_ERROR(feed_forward(pool, n, b.ff, x));
  }
  return f32_rmsnorm_rows(pool, n, e, x, encoder_.final_norm, config_.layer_norm_epsilon, x);
}

Status T5Model::start(ThreadPool* pool, const float* hidden, size_t n_src, Seq2SeqCache* cache) const {
  if (hidden == nullptr || n_src == 0) return Status::invalid_argument("t5 start: no encoder states");
  const size_t inner = config_.n_head * config_.d_kv;
  cache->n_src = n_src;
  cache->cross_k.assign(decoder_.blocks.size(), std::vector<float>(n_src * inner));
  cache->cross_v.assign(decoder_.blocks.size(), std::vector<float>(n_src * inner));
  for (size_t l = 0; l < decoder_.blocks.size(); ++l) {
    const T5Attention& a = decoder_.blocks[l].cross;
    QKV_RETURN_IF_ERROR(linear(pool, n_src, hidden, a.k, cache->cross_k[l].data()));
    QKV_RETURN_IF_ERROR(linear(pool, n_src, hidden, a.v, cache->cross_v[l].data()));
  }
  KvCacheConfig kv;
  kv.n_layer = decoder_.blocks.size();
  kv.n_head_kv = config_.n_head;
  kv.head_dim = config_.d_kv;
  kv.max_positions = config_.max_target_positions;
  QKV_RETURN_IF_ERROR(KvCache::check_config(kv));
  cache->self = KvCache(kv);
  return Status::ok_status();
}

Status T5Model::step(ThreadPool* pool, Seq2SeqCache& cache, const int32_t* ids, size_t n,
                     float* logits) const {
  QKV_RETURN_IF_ERROR(check_ids("t5 step", ids, n));
  if (logits == nullptr) return Status::invalid_argument("t5 step: no logits buffer");
  if (cache.n_src == 0 || cache.cross_k.size() != decoder_.blocks.size() ||
      cache.self.config().n_layer != decoder_.blocks.size()) {
    return Status::invalid_argument("t5 step: the cache was not started (start()) for this model");
  }
  const size_t pos0 = cache.self.positions();
  if (pos0 + n > config_.max_target_positions) {
    return Status::invalid_argument("t5 step: target positions " + std::to_string(pos0) + " .. " +
                                    std::to_string(pos0 + n - 1) + " exceed the " +
                                    std::to_string(config_.max_target_positions) + " the decoder holds");
  }
  QKV_RETURN_IF_ERROR(cache.self.reserve(pos0 + n, n));
  const size_t e = config_.d_model, inner = config_.n_head * config_.d_kv;
  std::vector<float> x(n * e), xn(n * e), qkv(n * 3 * inner), attn(n * inner), tmp(n * e);
  QKV_RETURN_IF_ERROR(packed_weights_gather_rows(shared_.w, ids, n, x.data()));
  for (size_t l = 0; l < decoder_.blocks.size(); ++l) {
    const T5Block& b = decoder_.blocks[l];
    // Causal self-attention over the cache, with causal buckets.
    QKV_RETURN_IF_ERROR(project_qkv(pool, n, b.self, x.data(), xn.data(), qkv.data()));
    QKV_RETURN_IF_ERROR(cache.self.write(l, pos0, n, qkv.data() + inner, qkv.data() + 2 * inner, 3 * inner));
    const KvLayerView kv = cache.self.view(l);
    T5AttentionParams p = self_attention_params(decoder_);
    p.n_q = n;
    p.q_pos0 = pos0;
    p.n_kv = kv.rows;
    p.causal = true;
    p.q = qkv.data();
    p.kv_dtype = kv.dtype;
    p.k = kv.k;
    p.v = kv.v;
    p.kv_head_stride = kv.head_stride;
    p.kv_token_stride = config_.d_kv;
    p.out = attn.data();
    QKV_RETURN_IF_ERROR(t5_attention(pool, p));
    QKV_RETURN_IF_ERROR(add_output(pool, n, b.self, attn.data(), tmp.data(), x.data()));

    // Cross-attention over the source: no position bias, no scaling.
    QKV_RETURN_IF_ERROR(
        f32_rmsnorm_rows(pool, n, e, x.data(), b.cross.norm, config_.layer_norm_epsilon, xn.data()));
    QKV_RETURN_IF_ERROR(linear(pool, n, xn.data(), b.cross.q, qkv.data()));
    AttnParams c;
    c.n_head = c.n_head_kv = config_.n_head;
    c.head_dim = config_.d_kv;
    c.scale = 1.0f;
    c.n_q = n;
    c.n_kv = cache.n_src;
    c.causal = false;
    c.q = qkv.data();
    c.q_token_stride = inner;
    c.k = cache.cross_k[l].data();
    c.v = cache.cross_v[l].data();
    c.kv_head_stride = config_.d_kv;
    c.kv_token_stride = inner;
    c.out = attn.data();
    c.out_token_stride = inner;
    QKV_RETURN_IF_ERROR(f32_attention(pool, c));
    QKV_RETURN_IF_ERROR(add_output(pool, n, b.cross, attn.data(), tmp.data(), x.data()));
    QKV_RETURN_IF_ERROR(feed_forward(pool, n, b.ff, x.data()));
  }
  QKV_RETURN_IF_ERROR(
      f32_rmsnorm_rows(pool, n, e, x.data(), decoder_.final_norm, config_.layer_norm_epsilon, x.data()));
  if (!config_.tie_word_embeddings) return linear(pool, n, x.data(), lm_head_, logits);
  // Tied: the Mesh TensorFlow rescale before projecting on the vocabulary.
  const float rescale = static_cast<float>(std::pow(static_cast<double>(e), -0.5));
  for (float& v : x) v *= rescale;
  return linear(pool, n, x.data(), Linear{shared_.w, nullptr}, logits);
}

}  // namespace qkv
