#include "core/arena.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace qkv {
namespace {

TEST(Arena, AllocatesAlignedUntilFull) {
  Arena arena;
  ASSERT_TRUE(arena.reserve(1000));
  float* a = arena.alloc<float>(3);
  double* b = arena.alloc<double>(5);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % Arena::kAlignment, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % Arena::kAlignment, 0u);
  EXPECT_EQ(arena.used(), 128u);
  EXPECT_EQ(arena.alloc<uint8_t>(arena.capacity()), nullptr);  // does not fit
  EXPECT_EQ(arena.alloc<uint64_t>(SIZE_MAX / 4), nullptr);     // overflow
}

TEST(Arena, MarkAndReset) {
  Arena arena;
  ASSERT_TRUE(arena.reserve(Arena::bytes_for<float>(10) * 3));
  float* first = arena.alloc<float>(10);
  const size_t mark = arena.mark();
  float* second = arena.alloc<float>(10);
  arena.reset(mark);
  EXPECT_EQ(arena.alloc<float>(10), second);
  arena.reset();
  EXPECT_EQ(arena.alloc<float>(10), first);
}

}  // namespace
}  // namespace qkv
