#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "kernels/q8/quant.h"

namespace qkv {

Status f32_to_q8_matrix(ThreadPool* pool, size_t rows, size_t k, const float* x, int8_t* q, float* scales) {
  if (rows == 0 || k == 0) {
    return Status::invalid_argument("q8 quantize: rows (" + std::to_string(rows) + ") and k (" +
                                    std::to_string(k) + ") must both be at least 1");
  }
  if (k > SIZE_MAX - kQ8BlockSize || rows > SIZE_MAX / q8_padded(k) / sizeof(float)) {
    return Status::invalid_argument("q8 quantize: rows * k overflows");
  }
  const size_t padded = q8_padded(k), blocks = q8_blocks(k);
  auto run = [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r)
      f32_to_q8_row__simd(k, x + r * k, q + r * padded, scales + r * blocks);
  };
  // Chunks of at least ~16K values keep scheduling negligible.
  const size_t grain = k >= 16384 ? 1 : 16384 / k;
  parallel_for(pool, rows, grain, run);
  return Status::ok_status();
}

}  // namespace qkv
