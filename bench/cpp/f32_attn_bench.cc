// Fused attention: causal prefill over T tokens and single-token decode over a
// cache of T keys, GPT-2-small-like heads (12 × 64), scalar reference vs SIMD,
// one thread and a pool of two. FLOPs count 4 · n_head · head_dim per visible
// (query, key) pair: 2 for the score, 2 for the P·V accumulation.
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "core/thread_pool.h"
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

void run(const char* name, size_t n_q, size_t n_kv, const std::vector<Engine>& engines,
         const std::vector<ThreadPool*>& pools) {
  const size_t width = kHeads * kHeadDim;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> q(n_q * width), k(kHeads * n_kv * kHeadDim), v(k.size()), out(n_q * width);
  for (float& x : q) x = dist(rng);
  for (float& x : k) x = dist(rng);
  for (float& x : v) x = dist(rng);

  AttnParams p;
  p.n_head = p.n_head_kv = kHeads;
  p.head_dim = kHeadDim;
  p.scale = 1.0f / std::sqrt(float(kHeadDim));
  p.n_q = n_q;
  p.q_pos0 = n_kv - n_q;
  p.n_kv = n_kv;
  p.q = q.data();
  p.q_token_stride = width;
  p.k = k.data();
  p.v = v.data();
  p.kv_head_stride = n_kv * kHeadDim;  // head-major cache, as the runtime keeps it
  p.kv_token_stride = kHeadDim;
  p.out = out.data();
  p.out_token_stride = width;

  double pairs = 0;  // visible (query, key) pairs
  for (size_t i = 0; i < n_q; ++i) pairs += double(p.q_pos0 + i + 1);
  const double flops = 4.0 * kHeads * kHeadDim * pairs;
  const std::string shape = "n_q=" + std::to_string(n_q) + ",n_kv=" + std::to_string(n_kv) +
                            ",heads=" + std::to_string(kHeads) + ",head_dim=" + std::to_string(kHeadDim);
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

int main() {
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
  return 0;
}
