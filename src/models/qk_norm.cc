#include "models/qk_norm.h"

#include <string>

#include "core/thread_pool.h"
#include "kernels/f32-rmsnorm/rmsnorm.h"

namespace qkv {

Status rmsnorm_heads(ThreadPool* pool, size_t n_tokens, size_t n_heads, size_t head_dim, size_t token_stride,
                     const float* weight, float eps, float* x) {
  if (head_dim == 0 || n_heads * head_dim > token_stride) {
    return Status::internal("rmsnorm_heads: " + std::to_string(n_heads) + " heads of " +
                            std::to_string(head_dim) + " do not fit a row of " +
                            std::to_string(token_stride));
  }
  auto run = [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      float* row = x + t * token_stride;
      for (size_t h = 0; h < n_heads; ++h) {
        f32_rmsnorm_ukernel__simd(head_dim, row + h * head_dim, weight, eps, row + h * head_dim);
      }
    }
  };
  // Chunks of at least ~16K values keep scheduling negligible.
  const size_t per_token = n_heads * head_dim;
  parallel_for(pool, n_tokens, per_token >= 16384 ? 1 : 16384 / per_token, run);
  return Status::ok_status();
}

Status norm_qk_heads(ThreadPool* pool, const ModelDims& d, size_t n, const float* q_norm, const float* k_norm,
                     float eps, float* qkv) {
  const size_t hd = d.head_dim, stride = (d.n_head + 2 * d.n_head_kv) * hd;
  QKV_RETURN_IF_ERROR(rmsnorm_heads(pool, n, d.n_head, hd, stride, q_norm, eps, qkv));
  return rmsnorm_heads(pool, n, d.n_head_kv, hd, stride, k_norm, eps, qkv + d.n_head * hd);
}

}  // namespace qkv
