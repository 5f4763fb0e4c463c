#include "models/decoder_steps.h"

#include <cmath>
#include <cstring>
#include <string>

#include "kernels/f32-attn/attn.h"
#include "kernels/gemm/gemm.h"

namespace qkv {

Status check_forward_request(const ModelDims& d, const KvCache& cache, const Activations& act,
                             const ForwardRequest& r) {
  if (r.n == 0 || r.ids == nullptr || r.logits == nullptr) {
    return Status::invalid_argument("forward: empty chunk or missing buffers");
  }
  if (r.n > act.capacity) {
    return Status::internal("forward: chunk of " + std::to_string(r.n) +
                            " tokens exceeds the activation buffers (" + std::to_string(act.capacity) + ")");
  }
  if (cache.n_ctx != d.n_ctx || r.pos0 + r.n > d.n_ctx) {
    return Status::invalid_argument("forward: positions " + std::to_string(r.pos0) + " .. " +
                                    std::to_string(r.pos0 + r.n - 1) + " exceed the context of " +
                                    std::to_string(d.n_ctx) + " tokens");
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
  const size_t hd = d.head_dim, q_width = d.n_head * hd, kv_width = d.n_head_kv * hd;
  const size_t token_stride = q_width + 2 * kv_width;
  float* k_cache = cache.k.data() + layer * cache.layer_stride(d);
  float* v_cache = cache.v.data() + layer * cache.layer_stride(d);
  for (size_t t = 0; t < r.n; ++t) {
    const float* row = qkv + t * token_stride;
    for (size_t h = 0; h < d.n_head_kv; ++h) {
      const size_t dst = h * cache.head_stride(d) + (r.pos0 + t) * hd;
      std::memcpy(k_cache + dst, row + q_width + h * hd, hd * sizeof(float));
      std::memcpy(v_cache + dst, row + q_width + kv_width + h * hd, hd * sizeof(float));
    }
  }
  AttnParams p;
  p.n_head = d.n_head;
  p.n_head_kv = d.n_head_kv;
  p.head_dim = hd;
  p.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  p.n_q = r.n;
  p.q_pos0 = r.pos0;
  p.n_kv = r.pos0 + r.n;
  p.causal = true;
  p.q = qkv;
  p.q_token_stride = token_stride;
  p.k = k_cache;
  p.v = v_cache;
  p.kv_head_stride = cache.head_stride(d);
  p.kv_token_stride = hd;
  p.out = out;
  p.out_token_stride = q_width;
  p.probs = probs;
  return f32_attention(pool, p);
}

}  // namespace qkv
