#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "kernels/f32-softmax/softmax.h"

namespace qkv {

Status f32_softmax_rows(ThreadPool* pool, size_t rows, size_t cols, const float* x, float* y) {
  if (rows == 0 || cols == 0) {
    return Status::invalid_argument("softmax: rows (" + std::to_string(rows) + ") and cols (" +
                                    std::to_string(cols) + ") must both be at least 1");
  }
  if (rows > SIZE_MAX / cols) {
    return Status::invalid_argument("softmax: rows * cols overflows");
  }
  auto run = [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) f32_softmax_ukernel__simd(cols, x + r * cols, y + r * cols);
  };
  // Aim for chunks of at least ~16K elements so scheduling stays negligible.
  const size_t grain = cols >= 16384 ? 1 : 16384 / cols;
  parallel_for(pool, rows, grain, run);
  return Status::ok_status();
}

}  // namespace qkv
