// Storage for a model's weights: one aligned allocation per tensor, owned
// here, released together. Linear layers are PackedWeights (kernels/gemm);
// vectors (norm gains, biases) and small tables stay plain f32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "kernels/gemm/gemm.h"

namespace qkv {

struct Linear {
  PackedWeights w;
  const float* bias = nullptr;  // [w.n] or null
};

class WeightStore {
 public:
  // 64-byte aligned, uninitialized; nullptr when out of memory.
  void* allocate(size_t bytes) {
    void* p = std::aligned_alloc(64, (bytes + 63) & ~size_t{63});
    if (p != nullptr) {
      blocks_.emplace_back(p);
      bytes_ += bytes;
    }
    return p;
  }
  size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::vector<std::unique_ptr<void, Free>> blocks_;
  size_t bytes_ = 0;
};

}  // namespace qkv
