// A small timing harness shared by the C++ kernel benchmarks (native and
// wasm under Node). Each measurement prints one JSON line:
//   {"name":..., "shape":..., "engine":..., "threads":N, "median_ms":x, <metric>:y}
// Timings are medians of repeated runs after a warm-up; compare results as
// ratios measured in the same run, never as absolute numbers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace qkv::bench {

// Median wall time of fn() in milliseconds: `warmup` untimed runs, then
// runs until both `min_runs` runs and `min_total_ms` have passed.
template <class F>
double median_ms(F&& fn, int warmup = 2, int min_runs = 5, double min_total_ms = 200.0) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> times;
  double total = 0;
  while (static_cast<int>(times.size()) < min_runs || total < min_total_ms) {
    const auto start = clock::now();
    fn();
    const double ms = std::chrono::duration<double, std::milli>(clock::now() - start).count();
    times.push_back(ms);
    total += ms;
    if (times.size() >= 1000) break;
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// metric is e.g. "gflops" or "gbps"; value is that metric at the median time.
inline void report(const std::string& name, const std::string& shape, const std::string& engine, int threads,
                   double median, const char* metric, double value) {
  std::printf(
      "{\"name\":\"%s\",\"shape\":\"%s\",\"engine\":\"%s\",\"threads\":%d,\"median_ms\":%.4f,\"%s\":%.3f}\n",
      name.c_str(), shape.c_str(), engine.c_str(), threads, median, metric, value);
  std::fflush(stdout);
}

}  // namespace qkv::bench
