#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "kernels/f32-add/add.h"

namespace qkv {

Status f32_add_bias_rows(ThreadPool* pool, size_t rows, size_t n, const float* x, const float* bias,
                         float* y) {
  if (rows == 0 || n == 0) {
    return Status::invalid_argument("add_bias: rows (" + std::to_string(rows) + ") and n (" +
                                    std::to_string(n) + ") must both be at least 1");
  }
  if (rows > SIZE_MAX / n) return Status::invalid_argument("add_bias: rows * n overflows");
  auto run = [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) f32_add_ukernel__simd(n, x + r * n, bias, y + r * n);
  };
  // A bias add is memory-bound: only large chunks (~64K values) are worth a thread.
  const size_t grain = n >= 65536 ? 1 : 65536 / n;
  parallel_for(pool, rows, grain, run);
  return Status::ok_status();
}

}  // namespace qkv
