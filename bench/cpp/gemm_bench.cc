// GEMM (prefill) and GEMV (decode) throughput of qkv's kernels for the
// shapes of GPT-2-small's projections (and Qwen3-0.6B's 1024-wide ones),
// f32 / f16 / q8 / q4 weights, q8k and q6k (GGUF Q6_K blocks held
// exactly, in 8 and 6 bits), q4k (GGUF Q4_K blocks at Q4_K's size) and
// q8h (GGUF Q8_0 blocks at Q8_0's size): random blocks, K a multiple of 256
// for the K-quants.
// Usage: gemm_bench [threads] [MxKxN] [type]   (the wasm builds run under node);
// the optional shape runs that one shape only (any M, K, N: e.g. a model's
// LM head, 1x640x262144 for Gemma 3 270M; "all" for every listed shape), the
// optional weight type (f32, f16, q8, q4, q8k, q6k, q4k or q8h) that type only.
// Natively, with XNNPACK available, the same shapes run through XNNPACK's
// fully-connected operator for comparison (engine "xnnpack-native").
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "core/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ggml/blocks.h"
#include "kernels/ggml/to_q4.h"
#include "kernels/ggml/to_q8.h"
#include "kernels/ggml/to_q8k.h"

#include <hwy/highway.h>

#if defined(QKV_HAVE_XNNPACK)
#include <xnnpack.h>
#include <cmath>
#endif

namespace {

using qkv::PackedWeights;
using qkv::WeightType;

struct Shape {
  size_t m, k, n;
};
const Shape kShapes[] = {{1, 768, 2304},  {1, 768, 3072},   {1, 1024, 3072},  {1, 3072, 768},
                         {1, 768, 50257}, {128, 768, 2304}, {128, 768, 3072}, {128, 3072, 768}};

std::string shape_name(const Shape& s) {
  return std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n);
}

// q8k and q6k have no f32 quantizer: random Q6_K blocks (f16 d near 2^-13)
// go in through the loader's converter, as a GGUF's would.
bool pack_q6_K(const Shape& s, WeightType type, void* data, float* scales) {
  qkv::WeightPacker packer(qkv::SourceType::kF32, qkv::SourceLayout::kNK, s.n, s.k, type, data, scales);
  if (!packer.check().ok()) return false;
  std::mt19937 rng(2);
  std::vector<qkv::ggml::BlockQ6_K> blocks(s.k / qkv::ggml::kQK_K);
  std::vector<qkv::Q8KSuper> row(blocks.size());
  for (size_t r = 0; r < s.n; ++r) {
    for (qkv::ggml::BlockQ6_K& b : blocks) {
      auto* bytes = reinterpret_cast<uint8_t*>(&b);
      for (size_t i = 0; i < sizeof b; ++i) bytes[i] = static_cast<uint8_t>(rng());
      b.d.bytes[1] = static_cast<uint8_t>(0x08 | (b.d.bytes[1] & 0x83));
    }
    qkv::ggml::q6_K_to_q8k_row(blocks.data(), static_cast<int64_t>(s.k), row.data());
    if (!(type == WeightType::kQ8K ? packer.add_q8k_row(r, row.data()) : packer.add_q6k_row(r, row.data()))
             .ok())
      return false;
  }
  packer.finish();
  return true;
}

// q4k: random Q4_K blocks (f16 d and dmin near 2^-13) through the loader's
// converter. (q4 from f32 rows has q4k's nibble layout and q4's scales: the
// same kernel as q4 from Q4_K blocks.)
bool pack_q4_K(const Shape& s, void* data, float* scales) {
  qkv::WeightPacker packer(qkv::SourceType::kF32, qkv::SourceLayout::kNK, s.n, s.k, WeightType::kQ4K, data,
                           scales);
  if (!packer.check().ok()) return false;
  std::mt19937 rng(2);
  std::vector<qkv::ggml::BlockQ4_K> blocks(s.k / qkv::ggml::kQK_K);
  std::vector<uint8_t> nibbles(s.k / 2), scales12(blocks.size() * 12);
  std::vector<uint16_t> d(blocks.size()), dmin(blocks.size());
  for (size_t r = 0; r < s.n; ++r) {
    for (qkv::ggml::BlockQ4_K& b : blocks) {
      auto* bytes = reinterpret_cast<uint8_t*>(&b);
      for (size_t i = 0; i < sizeof b; ++i) bytes[i] = static_cast<uint8_t>(rng());
      b.d.bytes[1] = static_cast<uint8_t>(0x08 | (b.d.bytes[1] & 0x83));
      b.dmin.bytes[1] = static_cast<uint8_t>(0x08 | (b.dmin.bytes[1] & 0x83));
    }
    qkv::ggml::q4_K_to_q4k_row(blocks.data(), static_cast<int64_t>(s.k), nibbles.data(), d.data(),
                               dmin.data(), scales12.data());
    if (!packer.add_q4k_row(r, nibbles.data(), d.data(), dmin.data(), scales12.data()).ok()) return false;
  }
  packer.finish();
  return true;
}

// q8h: random Q8_0 blocks (f16 d near 2^-13) through the loader's converter.
bool pack_q8_0(const Shape& s, void* data, void* scales) {
  qkv::WeightPacker packer(qkv::SourceType::kF32, qkv::SourceLayout::kNK, s.n, s.k, WeightType::kQ8H, data,
                           scales);
  if (!packer.check().ok() || s.k % qkv::ggml::kQK8_0 != 0) return false;
  std::mt19937 rng(2);
  std::vector<qkv::ggml::BlockQ8_0> blocks(s.k / qkv::ggml::kQK8_0);
  std::vector<int8_t> q(s.k);
  std::vector<uint16_t> d(blocks.size());
  for (size_t r = 0; r < s.n; ++r) {
    for (qkv::ggml::BlockQ8_0& b : blocks) {
      auto* bytes = reinterpret_cast<uint8_t*>(&b);
      for (size_t i = 0; i < sizeof b; ++i) bytes[i] = static_cast<uint8_t>(rng());
      b.d.bytes[1] = static_cast<uint8_t>(0x08 | (b.d.bytes[1] & 0x83));
    }
    qkv::ggml::q8_0_to_q8h_row(blocks.data(), static_cast<int64_t>(s.k), q.data(), d.data());
    if (!packer.add_q8h_row(r, q.data(), d.data()).ok()) return false;
  }
  packer.finish();
  return true;
}

void bench_qkv(const Shape& s, WeightType type, qkv::ThreadPool* pool, int threads,
               const std::vector<float>& w, const std::vector<float>& x, const std::vector<float>& bias) {
  std::vector<uint8_t> data(qkv::packed_weights_bytes(type, s.n, s.k));
  std::vector<float> scales(qkv::packed_scales_bytes(type, s.n, s.k) / sizeof(float) + 1);
  const bool k_quant = type == WeightType::kQ8K || type == WeightType::kQ6K;
  if (type == WeightType::kQ4K   ? !pack_q4_K(s, data.data(), scales.data())
      : type == WeightType::kQ8H ? !pack_q8_0(s, data.data(), scales.data())
      : k_quant                  ? !pack_q6_K(s, type, data.data(), scales.data())
                : !qkv::pack_weights(w.data(), qkv::SourceType::kF32, qkv::SourceLayout::kNK, s.n, s.k, type,
                                     data.data(), scales.data(), pool)
                       .ok()) {
    std::fprintf(stderr, "pack failed\n");
    std::exit(1);
  }
  const PackedWeights pw{type, s.n, s.k, data.data(), scales.data()};
  std::vector<float> y(s.m * s.n);
  const double ms = qkv::bench::median_ms([&] {
    if (!qkv::gemm(pool, s.m, x.data(), s.k, pw, bias.data(), y.data(), s.n).ok()) std::exit(1);
  });
  const std::string name =
      type == WeightType::kF32 ? "gemm" : std::string("gemm_") + qkv::weight_type_name(type);
  const double gflops = 2.0 * s.m * s.k * s.n / (ms * 1e6);
  if (s.m == 1) {
    // Decode is bound by reading the weights: report that rate too.
    const double bytes = double(data.size()) + double(qkv::packed_scales_bytes(type, s.n, s.k));
    qkv::bench::report(name, shape_name(s), "qkv", threads, ms, "gbps", bytes / (ms * 1e6));
  }
  qkv::bench::report(name, shape_name(s), "qkv", threads, ms, "gflops", gflops);
}

// The ceiling for a decode GEMV: reading the same bytes and doing nothing
// but a vector add per load (8 independent accumulators), split over the
// threads as the GEMV is. A GEMV near this rate is bound by memory, not by
// its arithmetic.
void bench_read(const Shape& s, qkv::ThreadPool* pool, int threads, const std::vector<float>& w) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d), block = 8 * lanes, chunk = 65536;  // floats per claimed chunk
  const size_t chunks = w.size() / chunk;
  std::vector<float> sums(chunks);
  const double ms = qkv::bench::median_ms([&] {
    qkv::parallel_for(pool, chunks, 1, [&](size_t begin, size_t end) {
      for (size_t c = begin; c < end; ++c) {
        const float* p = w.data() + c * chunk;
        hn::Vec<decltype(d)> acc[8];
        for (auto& a : acc) a = hn::Zero(d);
        for (size_t i = 0; i < chunk; i += block) {
          for (size_t j = 0; j < 8; ++j) acc[j] = hn::Add(acc[j], hn::LoadU(d, p + i + j * lanes));
        }
        for (size_t j = 1; j < 8; ++j) acc[0] = hn::Add(acc[0], acc[j]);
        sums[c] = hn::GetLane(hn::SumOfLanes(d, acc[0]));
      }
    });
  });
  qkv::bench::report("read", shape_name(s), "stream", threads, ms, "gbps",
                     double(chunks * chunk * sizeof(float)) / (ms * 1e6));
}

#if defined(QKV_HAVE_XNNPACK)
void bench_xnnpack(const Shape& s, const std::vector<float>& w, const std::vector<float>& x,
                   const std::vector<float>& bias) {
  xnn_operator_t op = nullptr;
  std::vector<float> y(s.m * s.n);
  if (xnn_create_fully_connected_nc_f32(s.k, s.n, s.k, s.n, w.data(), bias.data(), -INFINITY, INFINITY, 0,
                                        &op) != xnn_status_success ||
      xnn_setup_fully_connected_nc_f32(op, s.m, x.data(), y.data(), nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack setup failed\n");
    std::exit(1);
  }
  const double ms = qkv::bench::median_ms([&] { xnn_run_operator(op, nullptr); });
  xnn_delete_operator(op);
  qkv::bench::report("gemm", shape_name(s), "xnnpack-native", 1, ms, "gflops",
                     2.0 * s.m * s.k * s.n / (ms * 1e6));
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  std::unique_ptr<qkv::ThreadPool> pool = threads > 1 ? std::make_unique<qkv::ThreadPool>(threads) : nullptr;
#if defined(QKV_HAVE_XNNPACK)
  xnn_initialize(nullptr);
#endif
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
  const std::string only = argc > 2 && std::string(argv[2]) != "all" ? argv[2] : "";
  const std::string only_type = argc > 3 ? argv[3] : "";
  std::vector<Shape> shapes(std::begin(kShapes), std::end(kShapes));
  Shape other{};
  // A shape outside the list (e.g. a model's LM head) runs alone.
  if (!only.empty() && std::sscanf(only.c_str(), "%zux%zux%zu", &other.m, &other.k, &other.n) == 3 &&
      std::none_of(shapes.begin(), shapes.end(), [&](const Shape& s) { return shape_name(s) == only; })) {
    shapes = {other};
  }
  for (const Shape& s : shapes) {
    if (!only.empty() && shape_name(s) != only) continue;
    std::vector<float> w(s.n * s.k), x(s.m * s.k), bias(s.n);
    for (float& v : w) v = dist(rng);
    for (float& v : x) v = dist(rng);
    for (float& v : bias) v = dist(rng);
    for (WeightType type : {WeightType::kF32, WeightType::kF16, WeightType::kQ8, WeightType::kQ8H,
                            WeightType::kQ4, WeightType::kQ8K, WeightType::kQ6K, WeightType::kQ4K}) {
      if ((type == WeightType::kQ8K || type == WeightType::kQ6K || type == WeightType::kQ4K) &&
          s.k % qkv::kQ8KSuperBlock != 0)
        continue;
      if (only_type.empty() || only_type == qkv::weight_type_name(type)) {
        bench_qkv(s, type, pool.get(), threads, w, x, bias);
      }
    }
    if (s.n > 10000 && only_type.empty()) bench_read(s, pool.get(), threads, w);
#if defined(QKV_HAVE_XNNPACK)
    if (threads == 1 && only_type.empty()) bench_xnnpack(s, w, x, bias);
#endif
  }
  return 0;
}
