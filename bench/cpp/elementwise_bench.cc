// Bandwidth of the elementwise, normalization and small kernels: each SIMD
// kernel against its scalar reference at n = 768 (GPT-2 width), 4096
// (LLaMA width) and 50257 (GPT-2 vocabulary). "gbps" counts the bytes each
// call must read and write. Usage: elementwise_bench (wasm: under node).
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "kernels/common/f16.h"
#include "kernels/cvt/cvt.h"
#include "kernels/f32-add/add.h"
#include "kernels/f32-argmax/argmax.h"
#include "kernels/f32-geglu/geglu.h"
#include "kernels/f32-gelu/gelu.h"
#include "kernels/f32-layernorm/layernorm.h"
#include "kernels/f32-rmsnorm/rmsnorm.h"
#include "kernels/f32-rope/rope.h"
#include "kernels/f32-silu/silu.h"
#include "kernels/f32-swiglu/swiglu.h"
#include "kernels/q8/quant.h"

namespace {

constexpr size_t kMaxN = 50257;
constexpr size_t kHeadDim = 64;

struct Buffers {
  std::vector<float> a, b, c, d, y, cos, sin;
  std::vector<uint16_t> h;
  std::vector<int8_t> q;
  std::vector<float> scales;
  std::vector<int32_t> idx;
};

// One call of a kernel on n values; `bytes` is what that call reads and writes.
struct Case {
  std::string name;
  double bytes_per_value;
  std::function<void(size_t n, Buffers& buf)> simd;
  std::function<void(size_t n, Buffers& buf)> scalar;
};

std::vector<Case> cases() {
  using qkv::RopeStyle;
  auto rope = [](RopeStyle style, qkv::F32RopeUkernelFn fn) {
    return [style, fn](size_t n, Buffers& buf) {
      fn(n / kHeadDim, kHeadDim, kHeadDim, buf.cos.data(), buf.sin.data(), style, buf.y.data());
    };
  };
  return {
      {"f32_layernorm", 16,
       [](size_t n, Buffers& b) {
         qkv::f32_layernorm_ukernel__simd(n, b.a.data(), b.b.data(), b.c.data(), 1e-5f, b.y.data());
       },
       [](size_t n, Buffers& b) {
         qkv::f32_layernorm_ukernel__scalar(n, b.a.data(), b.b.data(), b.c.data(), 1e-5f, b.y.data());
       }},
      {"f32_rmsnorm", 12,
       [](size_t n, Buffers& b) {
         qkv::f32_rmsnorm_ukernel__simd(n, b.a.data(), b.b.data(), 1e-6f, b.y.data());
       },
       [](size_t n, Buffers& b) {
         qkv::f32_rmsnorm_ukernel__scalar(n, b.a.data(), b.b.data(), 1e-6f, b.y.data());
       }},
      {"f32_gelu_tanh", 8,
       [](size_t n, Buffers& b) { qkv::f32_gelu_tanh_ukernel__simd(n, b.a.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::f32_gelu_tanh_ukernel__scalar(n, b.a.data(), b.y.data()); }},
      {"f32_gelu_erf", 8,
       [](size_t n, Buffers& b) { qkv::f32_gelu_erf_ukernel__simd(n, b.a.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::f32_gelu_erf_ukernel__scalar(n, b.a.data(), b.y.data()); }},
      {"f32_silu", 8, [](size_t n, Buffers& b) { qkv::f32_silu_ukernel__simd(n, b.a.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::f32_silu_ukernel__scalar(n, b.a.data(), b.y.data()); }},
      {"f32_swiglu", 12,
       [](size_t n, Buffers& b) { qkv::f32_swiglu_ukernel__simd(n, b.a.data(), b.b.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::f32_swiglu_ukernel__scalar(n, b.a.data(), b.b.data(), b.y.data()); }},
      {"f32_geglu", 12,
       [](size_t n, Buffers& b) { qkv::f32_geglu_ukernel__simd(n, b.a.data(), b.b.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::f32_geglu_ukernel__scalar(n, b.a.data(), b.b.data(), b.y.data()); }},
      {"f32_geglu_erf", 12,
       [](size_t n, Buffers& b) { qkv::f32_geglu_erf_ukernel__simd(n, b.a.data(), b.b.data(), b.y.data()); },
       [](size_t n, Buffers& b) {
         qkv::f32_geglu_erf_ukernel__scalar(n, b.a.data(), b.b.data(), b.y.data());
       }},
      {"f32_add", 12,
       [](size_t n, Buffers& b) { qkv::f32_add_ukernel__simd(n, b.a.data(), b.b.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::f32_add_ukernel__scalar(n, b.a.data(), b.b.data(), b.y.data()); }},
      // In place on n / 64 heads of 64 dims; the 64-entry cos/sin row is noise.
      {"f32_rope_halfsplit", 8, rope(RopeStyle::kHalfSplit, qkv::f32_rope_ukernel__simd),
       rope(RopeStyle::kHalfSplit, qkv::f32_rope_ukernel__scalar)},
      {"f32_rope_interleaved", 8, rope(RopeStyle::kInterleaved, qkv::f32_rope_ukernel__simd),
       rope(RopeStyle::kInterleaved, qkv::f32_rope_ukernel__scalar)},
      {"f16_to_f32", 6,
       [](size_t n, Buffers& b) { qkv::f16_to_f32_ukernel__simd(n, b.h.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::f16_to_f32_ukernel__scalar(n, b.h.data(), b.y.data()); }},
      {"bf16_to_f32", 6,
       [](size_t n, Buffers& b) { qkv::bf16_to_f32_ukernel__simd(n, b.h.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::bf16_to_f32_ukernel__scalar(n, b.h.data(), b.y.data()); }},
      {"f32_to_f16", 6,
       [](size_t n, Buffers& b) { qkv::f32_to_f16_ukernel__simd(n, b.a.data(), b.h.data()); },
       [](size_t n, Buffers& b) { qkv::f32_to_f16_ukernel__scalar(n, b.a.data(), b.h.data()); }},
      // 4 bytes in, 1 byte out per value, plus one 4-byte scale per 32.
      {"f32_to_q8_row", 5.125,
       [](size_t n, Buffers& b) { qkv::f32_to_q8_row__simd(n, b.a.data(), b.q.data(), b.scales.data()); },
       [](size_t n, Buffers& b) { qkv::f32_to_q8_row__scalar(n, b.a.data(), b.q.data(), b.scales.data()); }},
      {"q8_to_f32_row", 5.125,
       [](size_t n, Buffers& b) { qkv::q8_to_f32_row__simd(n, b.q.data(), b.scales.data(), b.y.data()); },
       [](size_t n, Buffers& b) { qkv::q8_to_f32_row__scalar(n, b.q.data(), b.scales.data(), b.y.data()); }},
      {"f32_argmax", 4,
       [](size_t n, Buffers& b) { b.idx[0] = int32_t(qkv::f32_argmax_ukernel__simd(n, b.a.data())); },
       [](size_t n, Buffers& b) { b.idx[0] = int32_t(qkv::f32_argmax_ukernel__scalar(n, b.a.data())); }},
      // No SIMD form: the heap runs on scalar code; reported for scale.
      {"f32_topk_k50", 4, nullptr,
       [](size_t n, Buffers& b) { qkv::f32_topk(n, b.a.data(), 50, b.idx.data(), b.y.data()); }},
  };
}

}  // namespace

int main(int, char**) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  Buffers buf;
  for (auto* v : {&buf.a, &buf.b, &buf.c, &buf.d, &buf.y}) {
    v->resize(kMaxN);
    for (float& x : *v) x = dist(rng);
  }
  buf.cos.resize(kHeadDim / 2);
  buf.sin.resize(kHeadDim / 2);
  qkv::rope_fill_cos_sin(1, kHeadDim, 10000.0, buf.cos.data(), buf.sin.data());
  buf.h.resize(kMaxN);
  for (size_t i = 0; i < kMaxN; ++i) buf.h[i] = qkv::f32_to_f16(buf.a[i]);
  buf.q.resize(qkv::q8_padded(kMaxN));
  buf.scales.resize(qkv::q8_blocks(kMaxN));
  qkv::f32_to_q8_row__scalar(kMaxN, buf.a.data(), buf.q.data(), buf.scales.data());
  buf.idx.resize(kMaxN);

  for (const Case& c : cases()) {
    for (size_t n : {size_t{768}, size_t{4096}, kMaxN}) {
      // RoPE works on whole heads.
      const size_t len = c.name.rfind("f32_rope", 0) == 0 ? n / kHeadDim * kHeadDim : n;
      // Each timed run repeats the call on ~256K values so short rows are not
      // lost in timer resolution; times are reported per call.
      const size_t reps = len >= 262144 ? 1 : 262144 / len;
      for (const auto& engine_fn : {std::make_pair("simd", c.simd), std::make_pair("scalar", c.scalar)}) {
        // Not a structured binding: clang 14 (emcc 3.1.6) cannot capture one in a lambda.
        const char* engine = engine_fn.first;
        const auto& fn = engine_fn.second;
        if (!fn) continue;
        const double ms = qkv::bench::median_ms([&] {
                            for (size_t r = 0; r < reps; ++r) fn(len, buf);
                          }) /
                          static_cast<double>(reps);
        qkv::bench::report(c.name, "n=" + std::to_string(len), engine, 1, ms, "gbps",
                           c.bytes_per_value * static_cast<double>(len) / (ms * 1e6));
      }
    }
  }
  return 0;
}
