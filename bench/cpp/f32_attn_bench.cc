// Fused attention: causal prefill over T tokens and single-token decode over a
// cache of T keys, GPT-2-small-like heads (12 × 64), scalar reference vs SIMD,
// one thread and a pool of two; then the KV cache's other forms: K/V stored
// as f16, and a sliding window (prefill, and decode over a windowed cache that
// holds only the window). FLOPs count 4 · n_head · head_dim per visible
// (query, key) pair: 2 for the score, 2 for the P·V accumulation.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "core/thread_pool.h"
#include "kernels/common/f16.h"
#include "kernels/f32-attn/attn.h"
#include "kernels/simd_target.h"

namespace {

using namespace qkv;

constexpr size_t kHeads = 12;
constexpr size_t kHeadDim = 64;

struct Engine {
  std::string name;
  AttnUkernels ukernels;
};

// window != 0: queries see the last `window` keys; with kv_pos0 the cache
// holds only keys from that position on.
void run(const char* name, size_t n_q, size_t n_kv, const std::vector<Engine>& engines,
         const std::vector<ThreadPool*>& pools, KvDtype dtype = KvDtype::kF32, size_t window = 0,
         size_t kv_pos0 = 0) {
  const size_t width = kHeads * kHeadDim;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> q(n_q * width), k(kHeads * n_kv * kHeadDim), v(k.size()), out(n_q * width);
  for (float& x : q) x = dist(rng);
  for (float& x : k) x = dist(rng);
  for (float& x : v) x = dist(rng);

  std::vector<uint16_t> k16, v16;
  for (float x : k) k16.push_back(f32_to_f16(x));
  for (float x : v) v16.push_back(f32_to_f16(x));

  AttnParams p;
  p.n_head = p.n_head_kv = kHeads;
  p.head_dim = kHeadDim;
  p.scale = 1.0f / std::sqrt(float(kHeadDim));
  p.n_q = n_q;
  p.q_pos0 = kv_pos0 + n_kv - n_q;
  p.n_kv = n_kv;
  p.window = window;
  p.kv_pos0 = kv_pos0;
  p.kv_dtype = dtype;
  p.q = q.data();
  p.q_token_stride = width;
  p.k = dtype == KvDtype::kF16 ? static_cast<const void*>(k16.data()) : k.data();
  p.v = dtype == KvDtype::kF16 ? static_cast<const void*>(v16.data()) : v.data();
  p.kv_head_stride = n_kv * kHeadDim;  // head-major cache, as the runtime keeps it
  p.kv_token_stride = kHeadDim;
  p.out = out.data();
  p.out_token_stride = width;

  double pairs = 0;  // visible (query, key) pairs
  for (size_t i = 0; i < n_q; ++i) {
    const size_t visible = p.q_pos0 + i + 1;
    pairs += double(window != 0 ? std::min(window, visible) : visible);
  }
  const double flops = 4.0 * kHeads * kHeadDim * pairs;
  std::string shape = "n_q=" + std::to_string(n_q) + ",n_kv=" + std::to_string(n_kv) +
                      ",heads=" + std::to_string(kHeads) + ",head_dim=" + std::to_string(kHeadDim);
  if (dtype != KvDtype::kF32) shape += std::string(",kv=") + kv_dtype_name(dtype);
  if (window != 0) shape += ",window=" + std::to_string(window) + ",kv_pos0=" + std::to_string(kv_pos0);
  for (const Engine& e : engines) {
    for (ThreadPool* pool : pools) {
      auto call = [&] {
        if (!f32_attention_with(pool, p, e.ukernels).ok()) std::abort();
      };
      // The scalar reference takes seconds per call at 2048 tokens: fewer runs.
      const bool slow = e.ukernels.fused == f32_attn_ukernel__scalar && flops > 1e9;
      const double ms = slow ? bench::median_ms(call, 1, 3, 0.0) : bench::median_ms(call);
      const int threads = pool != nullptr ? int(pool->thread_limit()) : 1;
      bench::report(name, shape, e.name, threads, ms, "gflops", flops / (ms * 1e6));
    }
  }
}

}  // namespace

int main(int, char**) {
  const std::vector<Engine> engines = {
      {"scalar", {f32_attn_ukernel__scalar, f32_attn_probs_ukernel__scalar}},
      {std::string("simd-") + simd_target_name(), {}},
  };
  // The one-thread wasm flavour has no threads: the pool then has no worker,
  // and measuring it again would only repeat the one-thread line.
  ThreadPool two(2);
  std::vector<ThreadPool*> pools = {nullptr};
  if (two.thread_limit() == 2) pools.push_back(&two);
  for (size_t n : {128, 512, 1024, 2048}) run("f32_attn_prefill_causal", n, n, engines, pools);
  for (size_t n : {128, 512, 1024, 2048}) run("f32_attn_decode", 1, n, engines, pools);
  const std::vector<Engine> simd = {engines.back()};
  for (size_t n : {512, 2048}) run("f32_attn_prefill_causal", n, n, simd, pools, KvDtype::kF16);
  for (size_t n : {128, 512, 1024, 2048}) run("f32_attn_decode", 1, n, simd, pools, KvDtype::kF16);
  // A 256-key window: prefill over 2048 tokens, and decode at position 8191
  // over a cache that holds the window and a prefill chunk's spare rows.
  run("f32_attn_prefill_causal", 2048, 2048, simd, pools, KvDtype::kF32, 256);
  run("f32_attn_decode", 1, 256 + 127, simd, pools, KvDtype::kF32, 256, 8192 - 256 - 127);
  run("f32_attn_decode", 1, 256 + 127, simd, pools, KvDtype::kF16, 256, 8192 - 256 - 127);
  return 0;
}
