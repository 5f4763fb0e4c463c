#include "models/decoder_steps.h"

#include <cmath>
#include <string>

#include "kernels/f32-attn/attn.h"
#include "kernels/gemm/gemm.h"

namespace qkv {

Status check_forward_request(const ModelDims& d, const KvCache& cache, const Activations& act,
                             const ForwardRequest& r) {
  if (r.n == 0 || r.ids == nullptr || (r.logits == nullptr && r.hidden == nullptr)) {
    return Status::invalid_argument("forward: empty chunk or missing buffers");
  }
  if (r.n > act.capacity) {
    return Status::internal("forward: chunk of " + std::to_string(r.n) +
                            " tokens exceeds the activation buffers (" + std::to_string(act.capacity) + ")");
  }
  const KvCacheConfig& c = cache.config();
  if (c.n_layer != d.n_layer || c.n_head_kv != d.n_head_kv || c.head_dim != d.head_dim) {
    return Status::internal("forward: the KV cache was made for another model");
  }
  if (r.pos0 + r.n > d.n_ctx) {
    return Status::invalid_argument("forward: positions " + std::to_string(r.pos0) + " .. " +
                                    std::to_string(r.pos0 + r.n - 1) + " exceed the context of " +
                                    std::to_string(d.n_ctx) + " tokens");
  }
  if (r.bidirectional && r.pos0 != 0) {
    return Status::internal("forward: bidirectional attention needs the whole sequence in one chunk from 0");
  }
  if (r.pos0 != cache.positions()) {
    return Status::internal("forward: the chunk starts at position " + std::to_string(r.pos0) +
                            " but the KV cache holds " + std::to_string(cache.positions()));
  }
  return Status::ok_status();
}

Status linear(ThreadPool* pool, size_t rows, const float* x, const Linear& layer, float* y) {
  return linear_into(pool, rows, x, layer, y, layer.w.n);
}

Status linear_into(ThreadPool* pool, size_t rows, const float* x, const Linear& layer, float* y,
                   size_t y_stride) {
  return gemm(pool, rows, x, layer.w.k, layer.w, layer.bias, y, y_stride);
}

Status attend(ThreadPool* pool, const ModelDims& d, KvCache& cache, size_t layer, const ForwardRequest& r,
              const float* qkv, float* out, float* probs) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d.head_dim));
  return attend_scaled(pool, d, cache, layer, r, qkv, scale, out, probs);
}

Status attend_scaled(ThreadPool* pool, const ModelDims& d, KvCache& cache, size_t layer,
                     const ForwardRequest& r, const float* qkv, float scale, float* out, float* probs,
                     size_t bidirectional_window) {
  const size_t hd = d.head_dim, q_width = d.n_head * hd, kv_width = d.n_head_kv * hd;
  const size_t token_stride = q_width + 2 * kv_width;
  QKV_RETURN_IF_ERROR(cache.write(layer, r.pos0, r.n, qkv + q_width, qkv + q_width + kv_width, token_stride));
  const KvLayerView kv = cache.view(layer);
  // probs rows are [pos0 + n] long from position 0, which only a cache that
  // has dropped nothing can give (Session::attention runs one chunk from 0).
  if (probs != nullptr && kv.pos0 != 0) {
    return Status::internal("attend: attention probabilities need every position in the KV cache");
  }
  AttnParams p;
  p.n_head = d.n_head;
  p.n_head_kv = d.n_head_kv;
  p.head_dim = hd;
  p.scale = scale;
  p.n_q = r.n;
  p.q_pos0 = r.pos0;
  p.n_kv = kv.rows;
  p.causal = !r.bidirectional;
  p.window = r.bidirectional ? bidirectional_window : kv.window;
  p.kv_pos0 = kv.pos0;
  if (r.bidirectional && (kv.pos0 != 0 || kv.rows != r.n)) {
    return Status::internal("attend: bidirectional attention needs the sequence alone in a full cache");
  }
  p.q = qkv;
  p.q_token_stride = token_stride;
  p.kv_dtype = kv.dtype;
  p.k = kv.k;
  p.v = kv.v;
  p.kv_head_stride = kv.head_stride;
  p.kv_token_stride = hd;
  p.out = out;
  p.out_token_stride = q_width;
  p.probs = probs;
  return f32_attention(pool, p);
}

}  // namespace qkv
