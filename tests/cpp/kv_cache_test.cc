// models/kv_cache: growth keeps what was written, windows keep what their
// queries can see, truncate forgets, and a budget refuses before allocating.
// Every stored value is a known function of (layer, head, position, element),
// so the view can be checked against it without qkv's own output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/common/f16.h"
#include "models/kv_cache.h"

namespace qkv {
namespace {

constexpr size_t kHeads = 2, kHeadDim = 8;

// Values that f16 holds exactly (multiples of 1/8 below 2^7), distinct per
// (layer, head, position, element, k-or-v) modulo their range.
float value(size_t layer, size_t head, size_t pos, size_t d, bool is_v, size_t salt = 0) {
  const size_t code = ((((pos * 7 + salt) * 3 + layer) * kHeads + head) * kHeadDim + d) * 2 + is_v;
  return static_cast<float>(code % 2048) / 8.0f - 128.0f;
}

KvCacheConfig config(size_t n_layer, size_t max_positions, KvDtype dtype = KvDtype::kF32,
                     std::vector<size_t> windows = {}) {
  KvCacheConfig c;
  c.n_layer = n_layer;
  c.n_head_kv = kHeads;
  c.head_dim = kHeadDim;
  c.max_positions = max_positions;
  c.dtype = dtype;
  c.windows = std::move(windows);
  return c;
}

// Writes positions [pos0, pos0 + n) of every layer as a forward pass would:
// one row per token holding the K heads then (at an offset) the V heads.
Status write_chunk(KvCache& cache, size_t pos0, size_t n, size_t salt = 0) {
  const size_t width = kHeads * kHeadDim, stride = 2 * width + 3;  // a gap, like the fused qkv rows
  std::vector<float> rows(n * stride);
  for (size_t l = 0; l < cache.config().n_layer; ++l) {
    for (size_t t = 0; t < n; ++t) {
      for (size_t h = 0; h < kHeads; ++h) {
        for (size_t d = 0; d < kHeadDim; ++d) {
          rows[t * stride + h * kHeadDim + d] = value(l, h, pos0 + t, d, false, salt);
          rows[t * stride + width + h * kHeadDim + d] = value(l, h, pos0 + t, d, true, salt);
        }
      }
    }
    QKV_RETURN_IF_ERROR(cache.write(l, pos0, n, rows.data(), rows.data() + width, stride));
  }
  return Status::ok_status();
}

float element(const KvLayerView& v, bool is_v, size_t head, size_t row, size_t d) {
  const size_t at = head * v.head_stride + row * kHeadDim + d;
  const void* base = is_v ? v.v : v.k;
  if (v.dtype == KvDtype::kF16) return f16_to_f32(static_cast<const uint16_t*>(base)[at]);
  return static_cast<const float*>(base)[at];
}

// Every layer holds positions [from, to) with the values of `salt_of(pos)`.
template <typename Salt>
void expect_holds(const KvCache& cache, size_t from, size_t to, Salt salt_of) {
  for (size_t l = 0; l < cache.config().n_layer; ++l) {
    const KvLayerView v = cache.view(l);
    ASSERT_LE(v.pos0, from) << "layer " << l;
    ASSERT_EQ(v.pos0 + v.rows, to) << "layer " << l;
    for (size_t pos = from; pos < to; ++pos)
      for (size_t h = 0; h < kHeads; ++h)
        for (size_t d = 0; d < kHeadDim; ++d)
          for (bool is_v : {false, true})
            ASSERT_EQ(element(v, is_v, h, pos - v.pos0, d), value(l, h, pos, d, is_v, salt_of(pos)))
                << "layer " << l << " position " << pos;
  }
}

void expect_holds(const KvCache& cache, size_t from, size_t to) {
  expect_holds(cache, from, to, [](size_t) { return size_t{0}; });
}

TEST(KvCache, GrowsInChunksAndKeepsContents) {
  for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
    SCOPED_TRACE(kv_dtype_name(dtype));
    KvCache cache(config(3, 5000, dtype));
    EXPECT_EQ(cache.bytes(), 0u);  // nothing before the first position
    size_t growths = 0, capacity = 0;
    for (size_t pos = 0; pos < 3000;) {
      const size_t n = pos < 300 ? 1 : std::min<size_t>(97, 3000 - pos);  // decode steps, then prefill chunks
      ASSERT_TRUE(cache.reserve(pos + n, 128).ok());
      if (cache.capacity(0) != capacity) {
        ++growths;
        // Doubling (in whole grains), never past what is needed by more than that.
        EXPECT_GE(cache.capacity(0), std::min<size_t>(5000, 2 * capacity));
        EXPECT_LE(cache.capacity(0), std::max<size_t>(KvCache::kGrainRows, 2 * (pos + n)));
        capacity = cache.capacity(0);
      }
      ASSERT_TRUE(write_chunk(cache, pos, n).ok());
      pos += n;
      EXPECT_EQ(cache.positions(), pos);
    }
    expect_holds(cache, 0, 3000);
    EXPECT_LE(growths, 5u);  // 256, 512, 1024, 2048, 4096
    EXPECT_EQ(cache.bytes(), 3 * 2 * kHeads * cache.capacity(0) * kHeadDim * kv_dtype_bytes(dtype));
    // The last doubling stops at max_positions.
    ASSERT_TRUE(cache.reserve(4500, 128).ok());
    EXPECT_EQ(cache.capacity(0), 5000u);
    expect_holds(cache, 0, 3000);
  }
}

// copy_from: a beam continuing from another's keys and values holds exactly
// its rows (full and windowed layers, f32 and f16), grows when they do not
// fit, keeps its own room when they do, and the copy is independent after.
TEST(KvCache, CopyFromHoldsTheOthersRows) {
  for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
    SCOPED_TRACE(kv_dtype_name(dtype));
    KvCache source(config(3, 4000, dtype, {0, 5, 0}));
    for (size_t pos = 0; pos < 600; pos += 20) {
      ASSERT_TRUE(source.reserve(pos + 20, 20).ok());
      ASSERT_TRUE(write_chunk(source, pos, 20, 1).ok());
    }
    KvCache copy(config(3, 4000, dtype, {0, 5, 0}));
    ASSERT_TRUE(copy.reserve(10, 10).ok());
    ASSERT_TRUE(write_chunk(copy, 0, 10, 2).ok());  // overwritten by the copy
    ASSERT_TRUE(copy.copy_from(source).ok());
    EXPECT_EQ(copy.positions(), 600u);
    const auto salt = [](size_t) { return size_t{1}; };
    for (size_t l : {size_t{0}, size_t{2}}) {
      const KvLayerView v = copy.view(l);
      EXPECT_EQ(v.pos0, 0u);
      EXPECT_EQ(v.rows, 600u);
    }
    EXPECT_EQ(copy.view(1).pos0, source.view(1).pos0);  // the window's dropped rows stay dropped
    expect_holds(copy, source.view(1).pos0, 600, salt);
    // Both continue on their own.
    ASSERT_TRUE(copy.reserve(601, 1).ok());
    ASSERT_TRUE(write_chunk(copy, 600, 1, 3).ok());
    EXPECT_EQ(source.positions(), 600u);
    expect_holds(copy, copy.view(1).pos0, 601, [](size_t pos) { return pos < 600 ? size_t{1} : size_t{3}; });
    // A shorter cache copied over a longer one: its capacity stays, its positions are the other's.
    KvCache shorter(config(3, 4000, dtype, {0, 5, 0}));
    ASSERT_TRUE(shorter.reserve(3, 3).ok());
    ASSERT_TRUE(write_chunk(shorter, 0, 3, 4).ok());
    const size_t capacity = copy.capacity(0);
    ASSERT_TRUE(copy.copy_from(shorter).ok());
    EXPECT_EQ(copy.capacity(0), capacity);
    expect_holds(copy, 0, 3, [](size_t) { return size_t{4}; });
  }
  // Another shape is refused; so is a budget that cannot hold the rows, before allocating.
  KvCache a(config(2, 100)), b(config(3, 100));
  EXPECT_EQ(a.copy_from(b).code(), StatusCode::kInvalidArgument);
  KvCache big(config(2, 100));
  ASSERT_TRUE(big.reserve(100, 1).ok());
  ASSERT_TRUE(write_chunk(big, 0, 100).ok());
  KvCacheConfig small = config(2, 100);
  small.max_bytes = 1000;
  KvCache tight(small);
  const Status s = tight.copy_from(big);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(tight.bytes(), 0u);
}

TEST(KvCache, F16HoldsTheRoundedValues) {
  KvCache cache(config(1, 16, KvDtype::kF16));
  ASSERT_TRUE(cache.reserve(1, 1).ok());
  const float k[kHeads * kHeadDim] = {0.1f, -3.14159f, 65504.0f, 1e-6f, 70000.0f};
  float v[kHeads * kHeadDim] = {};
  ASSERT_TRUE(cache.write(0, 0, 1, k, v, 0).ok());
  const KvLayerView view = cache.view(0);
  for (size_t d = 0; d < 5; ++d) EXPECT_EQ(element(view, false, 0, 0, d), f16_to_f32(f32_to_f16(k[d])));
  EXPECT_TRUE(std::isinf(element(view, false, 0, 0, 4)));  // f16's range ends at 65504
}

TEST(KvCache, WindowKeepsWhatItsQueriesSee) {
  // Layer 0 full, layer 1 a window of 5 keys, layer 2 a window of 300.
  for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
    KvCache cache(config(3, 4000, dtype, {0, 5, 300}));
    const size_t chunk = 16;
    for (size_t pos = 0; pos < 2000;) {
      const size_t n = pos % 3 == 0 ? chunk : 1 + pos % 7;
      ASSERT_TRUE(cache.reserve(pos + n, chunk).ok());
      ASSERT_TRUE(write_chunk(cache, pos, n).ok());
      pos += n;
      for (size_t l : {1, 2}) {
        const KvLayerView v = cache.view(l);
        const size_t window = l == 1 ? 5 : 300;
        // The newest chunk's first query sees window - 1 keys before it.
        EXPECT_LE(v.pos0 + window, pos - n + 1 > window ? pos - n + 1 + window - 1 : window) << pos;
        EXPECT_EQ(v.window, window);
        EXPECT_LE(cache.capacity(l), window - 1 + chunk);  // memory bounded by the window
      }
      EXPECT_EQ(cache.view(0).pos0, 0u);
    }
    EXPECT_EQ(cache.capacity(1), 5 - 1 + chunk);
    EXPECT_EQ(cache.capacity(2), 300 - 1 + chunk);
    // Check the contents the windows kept, layer by layer.
    for (size_t l = 0; l < 3; ++l) {
      const KvLayerView v = cache.view(l);
      for (size_t pos = v.pos0; pos < 2000; ++pos)
        for (size_t d = 0; d < kHeadDim; ++d)
          ASSERT_EQ(element(v, true, 1, pos - v.pos0, d), value(l, 1, pos, d, true)) << l << " " << pos;
    }
    // bytes_for saturates on windowed layers: only the full layer grows.
    const size_t row = 2 * kHeads * kHeadDim * kv_dtype_bytes(dtype);
    EXPECT_EQ(cache.bytes_for(4000, chunk), row * (4000 + (5 - 1 + chunk) + (300 - 1 + chunk)));
  }
}

TEST(KvCache, TruncateForgetsAndRewrites) {
  KvCache cache(config(2, 1000));
  ASSERT_TRUE(cache.reserve(600, 128).ok());
  ASSERT_TRUE(write_chunk(cache, 0, 600).ok());
  const size_t bytes = cache.bytes();
  ASSERT_TRUE(cache.truncate(250).ok());
  EXPECT_EQ(cache.positions(), 250u);
  EXPECT_EQ(cache.bytes(), bytes);  // memory stays for the rewrite
  ASSERT_TRUE(write_chunk(cache, 250, 100, /*salt=*/1).ok());
  expect_holds(cache, 0, 350, [](size_t pos) { return pos < 250 ? size_t{0} : size_t{1}; });
  // Writing anywhere but the end is refused.
  std::vector<float> rows(2 * kHeads * kHeadDim);
  EXPECT_EQ(cache.write(0, 100, 1, rows.data(), rows.data(), 0).code(), StatusCode::kInternal);
  const Status past = cache.truncate(351);
  EXPECT_EQ(past.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(past.message().find("holds 350 positions"), std::string::npos) << past.message();
  ASSERT_TRUE(cache.truncate(0).ok());
  EXPECT_EQ(cache.positions(), 0u);
}

TEST(KvCache, TruncateInsideAWindowAndRefusalPastIt) {
  KvCache cache(config(2, 1000, KvDtype::kF32, {0, 10}));
  for (size_t pos = 0; pos < 100; ++pos) {
    ASSERT_TRUE(cache.reserve(pos + 1, 4).ok());
    ASSERT_TRUE(write_chunk(cache, pos, 1).ok());
  }
  const size_t kept_from = cache.view(1).pos0;  // rows 100 - (10 - 1 + 4) .. 99 at most
  EXPECT_GE(kept_from, 100u - (10 - 1 + 4));
  // A query at `kept_from + 9` still sees every key it needs.
  ASSERT_TRUE(cache.truncate(kept_from + 9).ok());
  ASSERT_TRUE(cache.reserve(kept_from + 12, 4).ok());
  ASSERT_TRUE(write_chunk(cache, kept_from + 9, 3, 2).ok());
  expect_holds(cache, cache.view(1).pos0, kept_from + 12,
               [&](size_t pos) { return pos < kept_from + 9 ? size_t{0} : size_t{2}; });
  // One earlier and the window has already dropped a key it needs.
  const size_t positions = cache.positions();
  const Status s = cache.truncate(cache.view(1).pos0 + 8);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("sliding window of 10 keys has dropped"), std::string::npos) << s.message();
  EXPECT_EQ(cache.positions(), positions);  // nothing changed
  ASSERT_TRUE(cache.truncate(0).ok());      // starting over is always possible
  ASSERT_TRUE(cache.reserve(3, 4).ok());
  ASSERT_TRUE(write_chunk(cache, 0, 3).ok());
  expect_holds(cache, 0, 3);
}

TEST(KvCache, RefusesBeyondTheBudgetBeforeAllocating) {
  for (KvDtype dtype : {KvDtype::kF32, KvDtype::kF16}) {
    KvCacheConfig c = config(4, 100000, dtype, {0, 0, 0, 64});
    const size_t row = 2 * kHeads * kHeadDim * kv_dtype_bytes(dtype);
    // Room for exactly 1000 positions: 3 full layers of 1000 rows and the
    // windowed one's 64 - 1 + 128.
    c.max_bytes = row * (3 * 1000 + 64 - 1 + 128);
    KvCache cache(c);
    ASSERT_TRUE(cache.reserve(10, 128).ok());
    ASSERT_TRUE(write_chunk(cache, 0, 10).ok());
    const size_t bytes = cache.bytes();
    const Status s = cache.reserve(1001, 128);
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
    EXPECT_NE(s.message().find("1001 positions need"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("; 1000 positions fit"), std::string::npos) << s.message();
    EXPECT_EQ(cache.bytes(), bytes);  // nothing allocated
    EXPECT_EQ(cache.positions_that_fit(c.max_bytes, 128), 1000u);
    // Exactly what fits is granted (without the doubling headroom).
    ASSERT_TRUE(cache.reserve(1000, 128).ok());
    EXPECT_EQ(cache.bytes(), c.max_bytes);
    expect_holds(cache, 0, 10);
  }
  KvCache small(config(1, 50));
  EXPECT_EQ(small.reserve(51, 1).code(), StatusCode::kInvalidArgument);
}

// Without max_bytes the platform decides (wasm: the heap's maximum, 4 GB;
// natively half the physical memory): a 64-layer, 64-head cache of a million
// positions (8 TB, past 32-bit sizes) cannot be had; part of it can.
TEST(KvCache, RefusesWhatThePlatformCannotHold) {
  KvCacheConfig c = config(64, size_t{1} << 20);
  c.n_head_kv = 64;
  c.head_dim = 256;
  KvCache cache(c);
  EXPECT_EQ(cache.bytes_for(size_t{1} << 20, 128), uint64_t{64} * 2 * 64 * 256 * 4 << 20);
  const Status s = cache.reserve(size_t{1} << 20, 128);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  const size_t at = s.message().find(" positions fit");
  ASSERT_NE(at, std::string::npos) << s.message();
  const size_t start = s.message().rfind(' ', at - 1) + 1;
  const size_t fit = std::stoul(s.message().substr(start, at - start));
  EXPECT_LT(fit, size_t{1} << 20) << s.message();
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(KvCache, ChecksItsConfig) {
  EXPECT_TRUE(KvCache::check_config(config(2, 10)).ok());
  EXPECT_FALSE(KvCache::check_config(config(0, 10)).ok());
  EXPECT_FALSE(KvCache::check_config(config(2, 0)).ok());
  const Status s = KvCache::check_config(config(2, 10, KvDtype::kF32, {1, 2, 3}));
  EXPECT_NE(s.message().find("3 layer windows for 2 layers"), std::string::npos) << s.message();
  EXPECT_FALSE(KvCache::check_config(config(2, 10, static_cast<KvDtype>(9))).ok());
}

}  // namespace
}  // namespace qkv
