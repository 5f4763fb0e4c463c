#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "kernels/f32-rmsnorm/rmsnorm.h"

namespace qkv {

Status f32_rmsnorm_rows(ThreadPool* pool, size_t rows, size_t n, const float* x, const float* weight,
                        float eps, float* y) {
  if (rows == 0 || n == 0) {
    return Status::invalid_argument("rmsnorm: rows (" + std::to_string(rows) + ") and n (" +
                                    std::to_string(n) + ") must both be at least 1");
  }
  if (rows > SIZE_MAX / n) return Status::invalid_argument("rmsnorm: rows * n overflows");
  auto run = [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) f32_rmsnorm_ukernel__simd(n, x + r * n, weight, eps, y + r * n);
  };
  // Chunks of at least ~16K values keep scheduling negligible.
  const size_t grain = n >= 16384 ? 1 : 16384 / n;
  parallel_for(pool, rows, grain, run);
  return Status::ok_status();
}

}  // namespace qkv
