// Throughput of the streaming SHA-256 (src/io/sha256.h) that verifies
// downloads: 64 MiB fed as the loader feeds it (4 MiB and 64 KiB updates),
// and short messages, where the per-message padding block and finish() cost
// show. "mbps" is MB (1e6 bytes) hashed per second. Usage: sha256_bench
// (wasm: under node).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench.h"
#include "io/sha256.h"

int main(int, char**) {
  constexpr size_t kTotal = size_t{64} << 20;
  std::vector<uint8_t> data(kTotal);
  std::mt19937 rng(1);
  for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
  volatile uint8_t sink = 0;  // keeps the digests alive

  for (size_t chunk : {size_t{4} << 20, size_t{64} << 10}) {
    const double ms = qkv::bench::median_ms(
        [&] {
          qkv::Sha256 h;
          for (size_t at = 0; at < kTotal; at += chunk) h.update(data.data() + at, chunk);
          sink = sink + h.finish()[0];
        },
        1, 3, 500.0);
    qkv::bench::report("sha256", "64MiB/updates=" + std::to_string(chunk >> 10) + "KiB", "unrolled", 1, ms,
                       "mbps", static_cast<double>(kTotal) / (ms * 1e3));
  }
  for (size_t n : {size_t{64}, size_t{1024}}) {
    const size_t reps = kTotal / 64 / n;  // 1 MiB of messages per timed run
    const double ms = qkv::bench::median_ms([&] {
                        qkv::Sha256 h;
                        for (size_t r = 0; r < reps; ++r) {
                          h.update(data.data() + r * n, n);
                          sink = sink + h.finish()[0];
                        }
                      }) /
                      static_cast<double>(reps);
    qkv::bench::report("sha256", "message=" + std::to_string(n) + "B", "unrolled", 1, ms, "mbps",
                       static_cast<double>(n) / (ms * 1e3));
  }
  return 0;
}
