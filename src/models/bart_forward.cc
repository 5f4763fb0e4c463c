// BartModel's forward passes: the encoder over a source, the cross-attention
// keys and values, and the decoder over the new tokens of one or more
// target sequences (beams), as BartEncoder / BartDecoder (post-LN) and
// M2M100Encoder / M2M100Decoder (pre-LN, final layer_norm) compute them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "kernels/f32-add/add.h"
#include "kernels/f32-attn/attn.h"
#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "kernels/f32-silu/silu.h"
#include "models/bart.h"
#include "models/decoder_steps.h"

namespace qkv {
namespace {

constexpr float kLayerNormEps = 1e-5f;  // nn.LayerNorm's default: BART's configs have no eps key

// What every attention call of the family shares: n_head heads of
// d_model / n_head, scores scaled by head_dim ** -0.5 (a Python float
// applied in float32), n_q queries `q_stride` apart, the output rows e apart
// at `out`, and the probabilities when asked for.
AttnParams attention_params(size_t e, size_t n_head, size_t n_q, const float* q, size_t q_stride, float* out,
                            float* probs) {
  AttnParams p;
  p.n_head = p.n_head_kv = n_head;
  p.head_dim = e / n_head;
  p.scale = static_cast<float>(std::pow(static_cast<double>(p.head_dim), -0.5));
  p.n_q = n_q;
  p.q = q;
  p.q_token_stride = q_stride;
  p.out = out;
  p.out_token_stride = e;
  p.probs = probs;
  return p;
}

}  // namespace

Status BartModel::take_buffers(Arena& scratch, size_t rows, size_t ffn, const char* what, Buffers* b) const {
  const size_t e = config_.d_model;
  b->xn = scratch.alloc<float>(rows * e);
  b->qkv = scratch.alloc<float>(rows * 3 * e);
  b->attn = scratch.alloc<float>(rows * e);
  b->tmp = scratch.alloc<float>(rows * e);
  b->ff = scratch.alloc<float>(rows * ffn);
  if (b->xn == nullptr || b->qkv == nullptr || b->attn == nullptr || b->tmp == nullptr || b->ff == nullptr) {
    return Status::internal(std::string(what) + ": scratch arena smaller than its *_scratch_bytes");
  }
  return Status::ok_status();
}

size_t BartModel::encode_scratch_bytes(size_t n) const {
  const size_t e = config_.d_model;
  return 3 * Arena::bytes_for<float>(n * e) + Arena::bytes_for<float>(n * 3 * e) +
         Arena::bytes_for<float>(n * config_.encoder_ffn);
}

// take_buffers' five, the rows x, and each sequence's first position.
size_t BartModel::step_scratch_bytes(size_t rows, size_t n_seqs, size_t /*n_src*/) const {
  const size_t e = config_.d_model;
  return 4 * Arena::bytes_for<float>(rows * e) + Arena::bytes_for<float>(rows * 3 * e) +
         Arena::bytes_for<float>(rows * config_.decoder_ffn) + Arena::bytes_for<size_t>(n_seqs);
}

Status BartModel::pre_norm(ThreadPool* pool, size_t rows, const float* g, const float* b, const float* x,
                           const float** in, float* xn) const {
  *in = x;
  if (config_.variant != BartVariant::kM2M100) return Status::ok_status();
  *in = xn;
  return f32_layernorm_rows(pool, rows, config_.d_model, x, g, b, kLayerNormEps, xn);
}

Status BartModel::post_norm(ThreadPool* pool, size_t rows, const float* g, const float* b, float* x) const {
  if (config_.variant == BartVariant::kM2M100) return Status::ok_status();
  return f32_layernorm_rows(pool, rows, config_.d_model, x, g, b, kLayerNormEps, x);
}

Status BartModel::attention_output(ThreadPool* pool, size_t rows, const BartAttention& a, Buffers& b,
                                   float* x) const {
  QKV_RETURN_IF_ERROR(linear(pool, rows, b.attn, a.out, b.tmp));
  f32_add_ukernel__simd(rows * config_.d_model, x, b.tmp, x);
  return post_norm(pool, rows, a.norm_g, a.norm_b, x);
}

Status BartModel::feed_forward(ThreadPool* pool, size_t rows, const BartLayer& layer, Buffers& b,
                               float* x) const {
  const float* in = nullptr;
  QKV_RETURN_IF_ERROR(pre_norm(pool, rows, layer.final_norm_g, layer.final_norm_b, x, &in, b.xn));
  QKV_RETURN_IF_ERROR(linear(pool, rows, in, layer.fc1, b.ff));
  const size_t n = rows * layer.fc1.w.n;
  switch (config_.activation) {
    case BartActivation::kGeluErf:
      f32_gelu_erf_ukernel__simd(n, b.ff, b.ff);
      break;
    case BartActivation::kGeluTanh:
      f32_gelu_tanh_ukernel__simd(n, b.ff, b.ff);
      break;
    case BartActivation::kSilu:
      f32_silu_ukernel__simd(n, b.ff, b.ff);
      break;
    case BartActivation::kRelu:
      for (size_t i = 0; i < n; ++i) b.ff[i] = std::max(b.ff[i], 0.0f);
      break;
  }
  QKV_RETURN_IF_ERROR(linear(pool, rows, b.ff, layer.fc2, b.tmp));
  f32_add_ukernel__simd(rows * config_.d_model, x, b.tmp, x);
  return post_norm(pool, rows, layer.final_norm_g, layer.final_norm_b, x);
}

Status BartModel::encode(ThreadPool* pool, Arena& scratch, const Seq2SeqEncodeRequest& r) const {
  QKV_RETURN_IF_ERROR(check_ids("encode", r.ids, r.n, config_.n_vocab));
  if (r.n > config_.max_positions) {
    return Status::invalid_argument("encode: a source of " + std::to_string(r.n) +
                                    " tokens exceeds the encoder's " + std::to_string(config_.max_positions) +
                                    " positions");
  }
  if (r.hidden == nullptr) return Status::invalid_argument("encode: no output buffer");
  const size_t n = r.n, e = config_.d_model, hd = e / encoder_.n_head;
  Buffers b;
  QKV_RETURN_IF_ERROR(take_buffers(scratch, n, encoder_.ffn, "encode", &b));
  float* x = r.hidden;
  QKV_RETURN_IF_ERROR(embed(pool, encoder_, encoder_embed_, r.ids, n, 0, x));
  for (size_t l = 0; l < encoder_.layers.size(); ++l) {
    const BartLayer& layer = encoder_.layers[l];
    const float* in = nullptr;
    QKV_RETURN_IF_ERROR(pre_norm(pool, n, layer.self.norm_g, layer.self.norm_b, x, &in, b.xn));
    QKV_RETURN_IF_ERROR(linear_into(pool, n, in, layer.self.q, b.qkv, 3 * e));
    QKV_RETURN_IF_ERROR(linear_into(pool, n, in, layer.self.k, b.qkv + e, 3 * e));
    QKV_RETURN_IF_ERROR(linear_into(pool, n, in, layer.self.v, b.qkv + 2 * e, 3 * e));
    AttnParams p = attention_params(e, encoder_.n_head, n, b.qkv, 3 * e, b.attn,
                                    r.attention_probs != nullptr ? r.attention_probs[l] : nullptr);
    p.n_kv = n;
    p.causal = false;
    p.k = b.qkv + e;
    p.v = b.qkv + 2 * e;
    p.kv_head_stride = hd;
    p.kv_token_stride = 3 * e;
    QKV_RETURN_IF_ERROR(f32_attention(pool, p));
    QKV_RETURN_IF_ERROR(attention_output(pool, n, layer.self, b, x));
    QKV_RETURN_IF_ERROR(feed_forward(pool, n, layer, b, x));
  }
  if (encoder_.final_norm_g == nullptr) return Status::ok_status();
  return f32_layernorm_rows(pool, n, e, x, encoder_.final_norm_g, encoder_.final_norm_b, kLayerNormEps, x);
}

Status BartModel::start(ThreadPool* pool, const float* hidden, size_t n_src, CrossAttentionKv* cross) const {
  if (hidden == nullptr || n_src == 0 || cross == nullptr) {
    return Status::invalid_argument("start: no encoder states");
  }
  const size_t e = config_.d_model, layers = decoder_.layers.size();
  cross->n_src = n_src;
  cross->k.assign(layers, std::vector<float>(n_src * e));
  cross->v.assign(layers, std::vector<float>(n_src * e));
  for (size_t l = 0; l < layers; ++l) {
    const BartAttention& a = decoder_.layers[l].cross;
    QKV_RETURN_IF_ERROR(linear(pool, n_src, hidden, a.k, cross->k[l].data()));
    QKV_RETURN_IF_ERROR(linear(pool, n_src, hidden, a.v, cross->v[l].data()));
  }
  return Status::ok_status();
}

// Everything a step could refuse, checked before any cache changes; each
// cache is reserved for its new positions here too.
Status BartModel::check_step(const Seq2SeqStepRequest& r, size_t* rows) const {
  const size_t e = config_.d_model, layers = decoder_.layers.size();
  if (r.cross == nullptr || r.cross->n_src == 0 || r.cross->k.size() != layers ||
      r.cross->v.size() != layers) {
    return Status::invalid_argument(
        "step: the cross-attention keys and values were not made (start()) for this model");
  }
  for (size_t l = 0; l < layers; ++l) {
    if (r.cross->k[l].size() != r.cross->n_src * e || r.cross->v[l].size() != r.cross->n_src * e) {
      return Status::invalid_argument(
          "step: the cross-attention keys and values were made for another model");
    }
  }
  if (r.n_seqs == 0 || r.selves == nullptr || r.counts == nullptr || r.ids == nullptr ||
      r.logits == nullptr) {
    return Status::invalid_argument("step: no sequences, caches, ids or logits buffer");
  }
  if (r.n_seqs != 1 && (r.self_probs != nullptr || r.cross_probs != nullptr)) {
    return Status::invalid_argument(
        "step: attention probabilities are given for one sequence at a time, not " +
        std::to_string(r.n_seqs));
  }
  const KvCacheConfig want = self_cache_config();
  size_t total = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) {
    const KvCache* cache = r.selves[s];
    if (cache == nullptr)
      return Status::invalid_argument("step: sequence " + std::to_string(s) + " has no cache");
    const KvCacheConfig& c = cache->config();
    if (c.n_layer != want.n_layer || c.n_head_kv != want.n_head_kv || c.head_dim != want.head_dim ||
        !c.windows.empty()) {
      return Status::invalid_argument("step: the cache of sequence " + std::to_string(s) +
                                      " was not made with self_cache_config()");
    }
    for (size_t t = 0; t < s; ++t) {
      if (r.selves[t] == cache) {
        return Status::invalid_argument("step: sequences " + std::to_string(t) + " and " + std::to_string(s) +
                                        " share a cache");
      }
    }
    const size_t pos0 = cache->positions(), n = r.counts[s];
    if (n == 0) return Status::invalid_argument("step: sequence " + std::to_string(s) + " adds no tokens");
    if (pos0 + n > config_.max_positions) {
      return Status::invalid_argument("step: target positions " + std::to_string(pos0) + " .. " +
                                      std::to_string(pos0 + n - 1) + " exceed the " +
                                      std::to_string(config_.max_positions) + " the decoder holds");
    }
    total += n;
  }
  QKV_RETURN_IF_ERROR(check_ids("step", r.ids, total, config_.n_decoder_vocab));
  for (size_t s = 0; s < r.n_seqs; ++s) {
    QKV_RETURN_IF_ERROR(r.selves[s]->reserve(r.selves[s]->positions() + r.counts[s], r.counts[s]));
  }
  *rows = total;
  return Status::ok_status();
}

// Each sequence's causal self-attention through its own cache: its rows of
// b.qkv (q, k, v side by side) into its rows of b.attn.
Status BartModel::decoder_self_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t layer,
                                         const size_t* pos0, Buffers& b) const {
  const size_t e = config_.d_model, hd = e / decoder_.n_head;
  size_t row = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) {
    KvCache& cache = *r.selves[s];
    const size_t n = r.counts[s];
    const float* qkv = b.qkv + row * 3 * e;
    QKV_RETURN_IF_ERROR(cache.write(layer, pos0[s], n, qkv + e, qkv + 2 * e, 3 * e));
    const KvLayerView kv = cache.view(layer);
    AttnParams p = attention_params(e, decoder_.n_head, n, qkv, 3 * e, b.attn + row * e,
                                    r.self_probs != nullptr ? r.self_probs[layer] : nullptr);
    p.q_pos0 = pos0[s];
    p.n_kv = kv.rows;
    p.kv_pos0 = kv.pos0;
    p.causal = true;
    p.kv_dtype = kv.dtype;
    p.k = kv.k;
    p.v = kv.v;
    p.kv_head_stride = kv.head_stride;
    p.kv_token_stride = hd;
    QKV_RETURN_IF_ERROR(f32_attention(pool, p));
    row += n;
  }
  return Status::ok_status();
}

// Every row of every sequence against the one source: a single attention
// call over the shared keys and values (queries in b.qkv, `rows` apart by e).
Status BartModel::cross_attention(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, size_t layer,
                                  Buffers& b) const {
  const size_t e = config_.d_model, hd = e / decoder_.n_head;
  AttnParams p = attention_params(e, decoder_.n_head, rows, b.qkv, e, b.attn,
                                  r.cross_probs != nullptr ? r.cross_probs[layer] : nullptr);
  p.n_kv = r.cross->n_src;
  p.causal = false;
  p.k = r.cross->k[layer].data();
  p.v = r.cross->v[layer].data();
  p.kv_head_stride = hd;
  p.kv_token_stride = e;
  return f32_attention(pool, p);
}

// The head over every new row, or each sequence's last row with last_only
// (copied to `gather` first): M2M100's final layer_norm, then lm_head +
// final_logits_bias.
Status BartModel::lm_head(ThreadPool* pool, const Seq2SeqStepRequest& r, size_t rows, float* x,
                          float* gather) const {
  const size_t e = config_.d_model;
  float* h = x;
  size_t n = rows;
  if (r.last_only) {
    size_t end = 0;
    for (size_t s = 0; s < r.n_seqs; ++s) {
      end += r.counts[s];
      std::memcpy(gather + s * e, x + (end - 1) * e, e * sizeof(float));
    }
    h = gather;
    n = r.n_seqs;
  }
  if (decoder_.final_norm_g != nullptr) {
    QKV_RETURN_IF_ERROR(
        f32_layernorm_rows(pool, n, e, h, decoder_.final_norm_g, decoder_.final_norm_b, kLayerNormEps, h));
  }
  return linear(pool, n, h, lm_head_, r.logits);
}

Status BartModel::step(ThreadPool* pool, Arena& scratch, const Seq2SeqStepRequest& r) const {
  size_t rows = 0;
  QKV_RETURN_IF_ERROR(check_step(r, &rows));
  const size_t e = config_.d_model;
  Buffers b;
  QKV_RETURN_IF_ERROR(take_buffers(scratch, rows, decoder_.ffn, "step", &b));
  float* x = scratch.alloc<float>(rows * e);
  size_t* pos0 = scratch.alloc<size_t>(r.n_seqs);
  if (x == nullptr || pos0 == nullptr) {
    return Status::internal("step: scratch arena smaller than step_scratch_bytes");
  }
  size_t row = 0;
  for (size_t s = 0; s < r.n_seqs; ++s) {
    pos0[s] = r.selves[s]->positions();
    QKV_RETURN_IF_ERROR(
        embed(pool, decoder_, decoder_embed_, r.ids + row, r.counts[s], pos0[s], x + row * e));
    row += r.counts[s];
  }
  for (size_t l = 0; l < decoder_.layers.size(); ++l) {
    const BartLayer& layer = decoder_.layers[l];
    const float* in = nullptr;
    QKV_RETURN_IF_ERROR(pre_norm(pool, rows, layer.self.norm_g, layer.self.norm_b, x, &in, b.xn));
    QKV_RETURN_IF_ERROR(linear_into(pool, rows, in, layer.self.q, b.qkv, 3 * e));
    QKV_RETURN_IF_ERROR(linear_into(pool, rows, in, layer.self.k, b.qkv + e, 3 * e));
    QKV_RETURN_IF_ERROR(linear_into(pool, rows, in, layer.self.v, b.qkv + 2 * e, 3 * e));
    QKV_RETURN_IF_ERROR(decoder_self_attention(pool, r, l, pos0, b));
    QKV_RETURN_IF_ERROR(attention_output(pool, rows, layer.self, b, x));

    QKV_RETURN_IF_ERROR(pre_norm(pool, rows, layer.cross.norm_g, layer.cross.norm_b, x, &in, b.xn));
    QKV_RETURN_IF_ERROR(linear(pool, rows, in, layer.cross.q, b.qkv));
    QKV_RETURN_IF_ERROR(cross_attention(pool, r, rows, l, b));
    QKV_RETURN_IF_ERROR(attention_output(pool, rows, layer.cross, b, x));
    QKV_RETURN_IF_ERROR(feed_forward(pool, rows, layer, b, x));
  }
  return lm_head(pool, r, rows, x, b.xn);
}

}  // namespace qkv
