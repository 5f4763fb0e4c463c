// q8 GEMM (prefill) timed by the process's CPU time as well as by the wall
// clock, for machines shared with other work: with more runnable threads
// than cores, wall-clock medians mostly measure the scheduler, while the CPU
// time a call takes stays close to what it takes on a quiet machine (caches
// and sibling hyperthreads still shared). One thread only.
// Usage: q8_gemm_cpu_bench [runs] [MxKxN ...]   (default: 40 runs, GPT-2's 128-row shapes)
// Prints per shape: {"name":"gemm_q8_cpu", "shape", "min_wall_ms", "median_wall_ms", "cpu_ms",
// "cpu_gflops"}, cpu_ms being the CPU time of all runs over their number.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemm/gemm.h"
#include "kernels/gemm/packed_layout.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#else
#include <ctime>
#endif

namespace {

// CPU time of the whole process in ms (under Node: process.cpuUsage(), all of
// V8's threads; after the warm-up its compiler threads are idle).
double cpu_ms() {
#if defined(__EMSCRIPTEN__)
  return EM_ASM_DOUBLE({
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  });
#else
  return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
#endif
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 40;
  std::vector<std::string> shapes;
  for (int i = 2; i < argc; ++i) shapes.push_back(argv[i]);
  if (shapes.empty()) shapes = {"128x768x2304", "128x768x3072", "128x3072x768"};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
  for (const std::string& shape : shapes) {
    size_t m = 0, k = 0, n = 0;
    if (std::sscanf(shape.c_str(), "%zux%zux%zu", &m, &k, &n) != 3 || !m || !k || !n) {
      std::fprintf(stderr, "bad shape %s (want MxKxN)\n", shape.c_str());
      return 1;
    }
    std::vector<float> w(n * k), x(m * k), bias(n), y(m * n);
    for (float& v : w) v = dist(rng);
    for (float& v : x) v = dist(rng);
    for (float& v : bias) v = dist(rng);
    std::vector<uint8_t> data(qkv::packed_weights_bytes(qkv::WeightType::kQ8, n, k));
    std::vector<float> scales(qkv::packed_scales_bytes(qkv::WeightType::kQ8, n, k) / sizeof(float) + 1);
    if (!qkv::pack_weights(w.data(), qkv::SourceType::kF32, qkv::SourceLayout::kNK, n, k,
                           qkv::WeightType::kQ8, data.data(), scales.data(), nullptr)
             .ok()) {
      std::fprintf(stderr, "pack failed\n");
      return 1;
    }
    const qkv::PackedWeights pw{qkv::WeightType::kQ8, n, k, data.data(), scales.data()};
    const auto call = [&] {
      if (!qkv::gemm(nullptr, m, x.data(), k, pw, bias.data(), y.data(), n).ok()) std::exit(1);
    };
    for (int i = 0; i < 3; ++i) call();
    std::vector<double> walls;
    const double cpu0 = cpu_ms();
    for (int i = 0; i < runs; ++i) {
      const double t0 = wall_ms();
      call();
      walls.push_back(wall_ms() - t0);
    }
    const double cpu = (cpu_ms() - cpu0) / runs;
    std::sort(walls.begin(), walls.end());
    std::printf(
        "{\"name\":\"gemm_q8_cpu\",\"shape\":\"%s\",\"min_wall_ms\":%.3f,\"median_wall_ms\":%.3f,\"cpu_ms\":%"
        ".3f,"
        "\"cpu_gflops\":%.2f}\n",
        shape.c_str(), walls.front(), walls[walls.size() / 2], cpu, 2.0 * m * k * n / (cpu * 1e6));
    std::fflush(stdout);
  }
  return 0;
}
