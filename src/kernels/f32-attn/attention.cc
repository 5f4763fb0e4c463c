#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "kernels/f32-attn/attn.h"

namespace qkv {
namespace {

std::string str(size_t v) { return std::to_string(v); }

Status bad(const std::string& message) { return Status::invalid_argument("attention: " + message); }

bool mul_overflows(size_t a, size_t b) { return b != 0 && a > SIZE_MAX / b; }

Status validate(const AttnParams& p) {
  if (p.n_head == 0) return bad("n_head must be at least 1");
  if (p.n_head_kv == 0) return bad("n_head_kv must be at least 1");
  if (p.n_head % p.n_head_kv != 0) {
    return bad("n_head_kv (" + str(p.n_head_kv) + ") must divide n_head (" + str(p.n_head) + ")");
  }
  if (p.head_dim == 0 || p.head_dim % 4 != 0 || p.head_dim > kAttnMaxHeadDim) {
    return bad("head_dim (" + str(p.head_dim) + ") must be a multiple of 4 from 4 to " +
               str(kAttnMaxHeadDim));
  }
  if (!(p.scale > 0.0f) || !std::isfinite(p.scale)) {
    return bad("scale (" + std::to_string(p.scale) +
               ") must be positive and finite, usually 1/sqrt(head_dim)");
  }
  if (p.n_q == 0) return bad("n_q must be at least 1");
  if (p.n_kv == 0) return bad("n_kv must be at least 1");
  // The 4-row kernel compares key indices in int32 lanes.
  if (p.n_kv > static_cast<size_t>(INT32_MAX)) return bad("n_kv (" + str(p.n_kv) + ") must be below 2^31");
  if (!p.causal && p.kv_pos0 != 0) return bad("kv_pos0 applies to causal attention only");
  if (!p.causal && p.window != 0 && (p.q_pos0 > p.n_kv || p.n_q > p.n_kv - p.q_pos0)) {
    return bad("n_kv (" + str(p.n_kv) + ") must be at least q_pos0 + n_q (" + str(p.q_pos0) + " + " +
               str(p.n_q) + ") for a bidirectional window");
  }
  if (p.kv_pos0 > p.q_pos0) {
    return bad("kv_pos0 (" + str(p.kv_pos0) + ") must not exceed q_pos0 (" + str(p.q_pos0) + ")");
  }
  if (p.causal && (p.q_pos0 - p.kv_pos0 > p.n_kv || p.n_q > p.n_kv - (p.q_pos0 - p.kv_pos0))) {
    return bad("n_kv (" + str(p.n_kv) + ") must be at least q_pos0 + n_q (" + str(p.q_pos0) + " + " +
               str(p.n_q) + ")" + (p.kv_pos0 != 0 ? " - kv_pos0 (" + str(p.kv_pos0) + ")" : "") +
               " for causal attention");
  }
  if (p.kv_pos0 != 0 && (p.window == 0 || p.q_pos0 + 1 < p.kv_pos0 + p.window)) {
    return bad("keys before kv_pos0 (" + str(p.kv_pos0) + ") are missing but the query at " + str(p.q_pos0) +
               " sees them (window " + str(p.window) + ")");
  }
  if (p.kv_dtype != KvDtype::kF32 && p.kv_dtype != KvDtype::kF16) return bad("unknown kv_dtype");
  if (p.q == nullptr) return bad("q is null");
  if (p.k == nullptr) return bad("k is null");
  if (p.v == nullptr) return bad("v is null");
  if (p.out == nullptr) return bad("out is null");
  if (mul_overflows(p.n_head, p.head_dim)) return bad("n_head * head_dim overflows");
  const size_t width = p.n_head * p.head_dim;
  if (p.q_token_stride < width) {
    return bad("q_token_stride (" + str(p.q_token_stride) + ") must be at least n_head * head_dim (" +
               str(width) + ")");
  }
  if (p.out_token_stride < width) {
    return bad("out_token_stride (" + str(p.out_token_stride) + ") must be at least n_head * head_dim (" +
               str(width) + ")");
  }
  if (p.kv_token_stride < p.head_dim) {
    return bad("kv_token_stride (" + str(p.kv_token_stride) + ") must be at least head_dim (" +
               str(p.head_dim) + ")");
  }
  if (p.n_head_kv > 1 && p.kv_head_stride < p.head_dim) {
    return bad("kv_head_stride (" + str(p.kv_head_stride) + ") must be at least head_dim (" +
               str(p.head_dim) + ") when n_head_kv > 1");
  }
  if (mul_overflows(p.n_q, p.q_token_stride) || mul_overflows(p.n_q, p.out_token_stride) ||
      mul_overflows(p.n_kv, p.kv_token_stride) || mul_overflows(p.n_head_kv, p.kv_head_stride)) {
    return bad("a stride times its count overflows");
  }
  if (p.probs != nullptr && (mul_overflows(p.n_head, p.n_q) || mul_overflows(p.n_head * p.n_q, p.n_kv))) {
    return bad("probs size n_head * n_q * n_kv overflows");
  }
  return Status::ok_status();
}

}  // namespace

void f32_attn_ukernel__simd(const AttnUkernelArgs& a) {
  // Called through a table rather than directly: emcc -O3 (binaryen) inlines
  // a function with a single direct caller whatever its size, and V8 ran the
  // merged 1x64 + 4x64 function at half speed (22 vs 44 GFLOP/s in wasm).
  // Functions whose address is taken are never merged that way.
  static F32AttnUkernelFn const kByRows[2] = {f32_attn_ukernel_1x64__simd, f32_attn_ukernel_4x64__simd};
  kByRows[a.n_rows > 1 ? 1 : 0](a);
}

Status f32_attention(ThreadPool* pool, const AttnParams& p) {
  return f32_attention_with(pool, p, AttnUkernels());
}

Status f32_attention_with(ThreadPool* pool, const AttnParams& p, const AttnUkernels& ukernels) {
  QKV_RETURN_IF_ERROR(validate(p));
  // The rows of one KV head are ordered query-major, then query head within
  // the GQA group, so a block of 4 rows is 4 queries (MHA), or the heads of
  // one query (group of 4): either way the rows share K/V and sit at nearby
  // positions, which keeps the causal diagonal cheap.
  const size_t group = p.n_head / p.n_head_kv;
  const size_t rows = p.n_q * group;
  const size_t blocks = (rows + kAttnMaxRows - 1) / kAttnMaxRows;
  const F32AttnUkernelFn ukernel = p.probs != nullptr ? ukernels.with_probs : ukernels.fused;
  const size_t elem_bytes = kv_dtype_bytes(p.kv_dtype);
  auto run = [&](size_t begin, size_t end) {
    for (size_t item = begin; item < end; ++item) {
      const size_t hk = item / blocks;
      const size_t row0 = item % blocks * kAttnMaxRows;
      AttnUkernelArgs a;
      a.head_dim = p.head_dim;
      a.scale = p.scale;
      a.n_rows = std::min(kAttnMaxRows, rows - row0);
      for (size_t r = 0; r < a.n_rows; ++r) {
        const size_t i = (row0 + r) / group;
        const size_t h = hk * group + (row0 + r) % group;
        a.q[r] = p.q + i * p.q_token_stride + h * p.head_dim;
        a.out[r] = p.out + i * p.out_token_stride + h * p.head_dim;
        if (p.causal) {
          // Query position q sees stored keys [q + 1 - window, q] - kv_pos0.
          const size_t q = p.q_pos0 + i;
          a.kv_len[r] = q + 1 - p.kv_pos0;
          a.kv_begin[r] = p.window != 0 && q + 1 > p.window ? q + 1 - p.window - p.kv_pos0 : 0;
        } else if (p.window != 0) {
          // Position q sees keys [q + 1 - window, q + window), clipped to the keys stored.
          const size_t q = p.q_pos0 + i;
          a.kv_begin[r] = q + 1 > p.window ? q + 1 - p.window : 0;
          a.kv_len[r] = std::min(p.n_kv, q + p.window);
        } else {
          a.kv_len[r] = p.n_kv;
        }
        if (p.probs != nullptr) a.probs[r] = p.probs + (h * p.n_q + i) * p.n_kv;
      }
      a.n_kv = p.n_kv;
      a.kv_dtype = p.kv_dtype;
      a.k = static_cast<const char*>(p.k) + hk * p.kv_head_stride * elem_bytes;
      a.v = static_cast<const char*>(p.v) + hk * p.kv_head_stride * elem_bytes;
      a.kv_token_stride = p.kv_token_stride;
      a.key_mask = p.key_mask;
      ukernel(a);
    }
  };
  const size_t items = p.n_head_kv * blocks;
  // Items are claimed one chunk at a time, which balances the causal case
  // (later blocks see more keys); tiny items are batched so the claim cost
  // (an atomic add) stays negligible next to ~64K flops of work.
  const size_t visible = p.window != 0 ? std::min(p.n_kv, (p.causal ? 1 : 2) * p.window + p.n_q) : p.n_kv;
  const uint64_t item_flops = uint64_t{kAttnMaxRows} * visible * p.head_dim * 4;
  parallel_for(pool, items, static_cast<size_t>(std::max<uint64_t>(1, (uint64_t{1} << 16) / item_flops)),
               run);
  return Status::ok_status();
}

}  // namespace qkv
