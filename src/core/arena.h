// A bump allocator over one buffer sized once (at model load). Kernels and
// forward passes take their scratch from an Arena and never call malloc, so a
// forward pass cannot fail half-way for lack of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace qkv {

class Arena {
 public:
  static constexpr size_t kAlignment = 64;  // a cache line; covers every SIMD width

  Arena() = default;
  ~Arena() { std::free(base_); }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Allocates the backing buffer; false if out of memory. Drops old contents.
  bool reserve(size_t bytes) {
    std::free(base_);
    base_ = nullptr;
    capacity_ = used_ = 0;
    if (bytes == 0) return true;
    const size_t rounded = round_up(bytes);
    if (rounded < bytes) return false;
    base_ = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, rounded));
    if (base_ == nullptr) return false;
    capacity_ = rounded;
    return true;
  }

  // count elements of T, aligned to kAlignment; nullptr if it does not fit.
  template <class T>
  T* alloc(size_t count) {
    if (count > SIZE_MAX / sizeof(T)) return nullptr;
    const size_t bytes = round_up(count * sizeof(T));
    if (bytes > capacity_ - used_) return nullptr;
    T* p = reinterpret_cast<T*>(base_ + used_);
    used_ += bytes;
    return p;
  }

  // Everything allocated after mark() is released by reset(mark).
  size_t mark() const { return used_; }
  void reset(size_t mark = 0) { used_ = mark <= used_ ? mark : used_; }

  size_t capacity() const { return capacity_; }
  size_t used() const { return used_; }

  // Bytes alloc<T>(count) takes, for sizing reserve() up front.
  template <class T>
  static size_t bytes_for(size_t count) {
    return round_up(count * sizeof(T));
  }

 private:
  static size_t round_up(size_t n) { return (n + kAlignment - 1) & ~(kAlignment - 1); }

  uint8_t* base_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
};

}  // namespace qkv
