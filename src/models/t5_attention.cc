#include "models/t5_attention.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/thread_pool.h"

namespace qkv {

size_t t5_relative_position_bucket(int64_t relative_position, bool bidirectional, size_t num_buckets,
                                   size_t max_distance) {
  size_t bucket = 0;
  uint64_t distance = 0;
  if (bidirectional) {
    num_buckets /= 2;
    if (relative_position > 0) bucket += num_buckets;
    distance = static_cast<uint64_t>(relative_position < 0 ? -relative_position : relative_position);
  } else {
    distance = relative_position < 0 ? static_cast<uint64_t>(-relative_position) : 0;
  }
  const size_t max_exact = num_buckets / 2;
  if (distance < max_exact) return bucket + static_cast<size_t>(distance);
  // torch: log(float(d) / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact),
  // each operation in float32 (the Python double scalar rounded to float), truncated toward zero.
  const float log_ratio = std::log(static_cast<float>(distance) / static_cast<float>(max_exact));
  const float log_range =
      static_cast<float>(std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  const float scaled = log_ratio / log_range * static_cast<float>(num_buckets - max_exact);
  const size_t large = max_exact + static_cast<size_t>(scaled);
  return bucket + std::min(large, num_buckets - 1);
}

void t5_fill_bias_table(const float* relative_bias, size_t n_head, size_t num_buckets, size_t max_distance,
                        bool bidirectional, int64_t first, size_t len, float* out) {
  for (size_t i = 0; i < len; ++i) {
    const size_t bucket = t5_relative_position_bucket(first + static_cast<int64_t>(i), bidirectional,
                                                      num_buckets, max_distance);
    for (size_t h = 0; h < n_head; ++h) out[h * len + i] = relative_bias[bucket * n_head + h];
  }
}

namespace {

Status check(const T5AttentionParams& p) {
  auto bad = [](const std::string& m) { return Status::invalid_argument("t5_attention: " + m); };
  if (p.n_head == 0 || p.n_q == 0 || p.n_kv == 0) return bad("empty heads, queries or keys");
  if (p.head_dim == 0 || p.head_dim % 4 != 0 || p.head_dim > kAttnMaxHeadDim) {
    return bad("head_dim " + std::to_string(p.head_dim) + " is not a multiple of 4 up to " +
               std::to_string(kAttnMaxHeadDim));
  }
  if (p.causal && p.q_pos0 + p.n_q > p.n_kv) return bad("causal queries past the last key");
  if (p.q == nullptr || p.k == nullptr || p.v == nullptr || p.out == nullptr || p.bias == nullptr) {
    return bad("missing buffers");
  }
  // The relative positions read: the last query at key 0 .. the first query at its last key.
  const int64_t lowest = -static_cast<int64_t>(p.q_pos0 + p.n_q - 1);
  const int64_t highest = p.causal ? 0 : static_cast<int64_t>(p.n_kv) - 1 - static_cast<int64_t>(p.q_pos0);
  if (p.bias_first > lowest || p.bias_first + static_cast<int64_t>(p.bias_len) <= highest) {
    return bad("the bias table does not cover relative positions " + std::to_string(lowest) + " .. " +
               std::to_string(highest));
  }
  return Status::ok_status();
}

// Row `item` of a call: head item / n_q, query item % n_q.
void run_item(const T5AttentionParams& p, size_t item) {
  const size_t h = item / p.n_q, i = item % p.n_q, pos = p.q_pos0 + i;
  const size_t kv_len = p.causal ? pos + 1 : p.n_kv;
  AttnUkernelArgs a;
  a.head_dim = p.head_dim;
  a.scale = 1.0f;
  a.n_rows = 1;
  a.q[0] = p.q + i * p.q_token_stride + h * p.head_dim;
  a.out[0] = p.out + i * p.out_token_stride + h * p.head_dim;
  a.kv_begin[0] = 0;
  a.kv_len[0] = kv_len;
  a.kv_dtype = p.kv_dtype;
  const size_t head_offset = h * p.kv_head_stride * kv_dtype_bytes(p.kv_dtype);
  a.k = static_cast<const uint8_t*>(p.k) + head_offset;
  a.v = static_cast<const uint8_t*>(p.v) + head_offset;
  a.kv_token_stride = p.kv_token_stride;
  // Key t sits at relative position t - pos: the table's slice from -pos on.
  a.key_mask = p.bias + h * p.bias_len + (-static_cast<int64_t>(pos) - p.bias_first);
  if (p.probs != nullptr) {
    a.probs[0] = p.probs + (h * p.n_q + i) * p.n_kv;
    a.n_kv = p.n_kv;
    f32_attn_probs_ukernel__simd(a);
  } else {
    f32_attn_ukernel__simd(a);
  }
}

}  // namespace

Status t5_attention(ThreadPool* pool, const T5AttentionParams& p) { return t5_attention_batch(pool, &p, 1); }

Status t5_attention_batch(ThreadPool* pool, const T5AttentionParams* params, size_t n) {
  size_t total = 0;
  for (size_t c = 0; c < n; ++c) {
    QKV_RETURN_IF_ERROR(check(params[c]));
    total += params[c].n_head * params[c].n_q;
  }
  parallel_for(pool, total, 4, [&](size_t begin, size_t end) {
    // Walk the calls to the one holding each row: no table of offsets.
    size_t c = 0, first = 0;
    for (size_t item = begin; item < end; ++item) {
      while (item >= first + params[c].n_head * params[c].n_q) {
        first += params[c].n_head * params[c].n_q;
        ++c;
      }
      run_item(params[c], item - first);
    }
  });
  return Status::ok_status();
}

}  // namespace qkv
