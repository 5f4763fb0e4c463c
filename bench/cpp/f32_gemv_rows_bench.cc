// Few-row f32 products (beam search's beams: M = 1..8 rows against one weight
// matrix), one thread, at the kernel level: the two ways gemm() can run them.
//   gemm_4xnr     the f32 GEMM microkernel per panel, up to kGemmMr rows a call
//                 (gemm()'s path for M > 1 before the few-row GEMV)
//   gemv_8x4panel the few-row GEMV per panel group, all rows in one call
//   gemv_4panel   the M = 1 GEMV once per row (M times a greedy step's cost)
// "warm": one copy of the weights, read again by every run (in cache when it
// fits); "cold": enough copies to pass 96 MB, a different one each run, as in
// a model's step, where every matrix comes from memory.
// Usage: f32_gemv_rows_bench [MxKxN ...]   (default: t5-small / opus-mt shapes, M = 1, 2, 4, 8)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemv/gemv.h"
#include "kernels/gemm/gemm.h"

namespace {

using namespace qkv;

struct Shape {
  size_t m, k, n;
};

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

// The product over every panel, each by the 4xNR GEMM microkernel.
void run_gemm_4xnr(const Shape& s, const float* x, const float* w, const float* bias, float* y) {
  const size_t nr = gemm_nr();
  for (size_t p = 0; p < ceil_div(s.n, nr); ++p) {
    const PanelLocation at = gemm_panel_location(p, s.n, s.k);
    for (size_t m0 = 0; m0 < s.m; m0 += kGemmMr) {
      f32_gemm_ukernel_4xnr__simd(std::min(kGemmMr, s.m - m0), std::min(nr, s.n - p * nr), s.k, x + m0 * s.k,
                                  s.k, w + at.offset, at.row_stride, bias + p * nr, y + m0 * s.n + p * nr,
                                  s.n, false);
    }
  }
}

// The product over every panel group, all rows at once (rows_per_call = M)
// or one row per call of the M = 1 GEMV (rows_per_call = 1).
void run_gemv(const Shape& s, size_t rows_per_call, const float* x, const float* w, const float* bias,
              float* y) {
  const size_t nr = gemm_nr(), panels = ceil_div(s.n, nr);
  for (size_t first = 0; first < panels; first += kGemmPanelGroup) {
    const size_t count = std::min(kGemmPanelGroup, panels - first);
    const size_t nc = std::min(nr, s.n - (first + count - 1) * nr);
    const float* group = w + gemm_panel_location(first, s.n, s.k).offset;
    if (rows_per_call > 1) {
      f32_gemv_ukernel_8x4panel__simd(s.m, count, nc, s.k, x, s.k, group, bias + first * nr, y + first * nr,
                                      s.n);
      continue;
    }
    for (size_t r = 0; r < s.m; ++r) {
      f32_gemv_ukernel_4panel__simd(count, nc, s.k, x + r * s.k, group, bias + first * nr,
                                    y + r * s.n + first * nr);
    }
  }
}

void bench_shape(const Shape& s) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
  std::vector<float> src(s.n * s.k), x(s.m * s.k), bias(s.n + kGemmMaxNr * kGemmPanelGroup), y(s.m * s.n);
  for (float& v : src) v = dist(rng);
  for (float& v : x) v = dist(rng);
  for (float& v : bias) v = dist(rng);
  const size_t bytes = packed_weights_bytes(WeightType::kF32, s.n, s.k);
  const size_t floats = bytes / sizeof(float);
  const size_t cold_copies = std::max<size_t>(2, ceil_div(size_t{96} << 20, bytes));
  std::vector<float> packed(floats * cold_copies);
  for (size_t c = 0; c < cold_copies; ++c) {
    if (!pack_weights(src.data(), SourceType::kF32, SourceLayout::kNK, s.n, s.k, WeightType::kF32,
                      packed.data() + c * floats, nullptr, nullptr)
             .ok()) {
      std::fprintf(stderr, "pack failed\n");
      std::exit(1);
    }
  }
  const std::string shape = std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n);
  for (const bool cold : {false, true}) {
    const size_t copies = cold ? cold_copies : 1;
    for (const char* path : {"gemm_4xnr", "gemv_8x4panel", "gemv_4panel"}) {
      const std::string name = path;
      if (s.m == 1 && name == "gemv_8x4panel") continue;
      size_t next = 0;
      const double ms = bench::median_ms(
          [&] {
            const float* w = packed.data() + (next++ % copies) * floats;
            if (name == "gemm_4xnr") {
              run_gemm_4xnr(s, x.data(), w, bias.data(), y.data());
            } else {
              run_gemv(s, name == "gemv_4panel" ? 1 : s.m, x.data(), w, bias.data(), y.data());
            }
          },
          2, 7, 150.0);
      bench::report(name, shape, cold ? "cold" : "warm", 1, ms, "weights_gbps", bytes / (ms * 1e6));
      bench::report(name, shape, cold ? "cold" : "warm", 1, ms, "gflops", 2.0 * s.m * s.k * s.n / (ms * 1e6));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Shape> shapes;
  for (int i = 1; i < argc; ++i) {
    Shape s{};
    if (std::sscanf(argv[i], "%zux%zux%zu", &s.m, &s.k, &s.n) != 3 || s.m == 0 || s.m > kGemvMaxRows) {
      std::fprintf(stderr, "usage: f32_gemv_rows_bench [MxKxN ...] (1 <= M <= %zu)\n", kGemvMaxRows);
      return 2;
    }
    shapes.push_back(s);
  }
  if (shapes.empty()) {
    // t5-small / opus-mt-en-de: the LM heads, the FFN up and down, a 512 x 512 projection.
    for (const size_t m : {1, 2, 4, 8}) {
      for (const Shape& s : {Shape{m, 512, 32128}, Shape{m, 512, 58101}, Shape{m, 512, 2048},
                             Shape{m, 2048, 512}, Shape{m, 512, 512}}) {
        shapes.push_back(s);
      }
    }
  }
  for (const Shape& s : shapes) bench_shape(s);
  return 0;
}
