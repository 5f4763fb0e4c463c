// The keys and values a decoder session has computed, per layer, as the
// attention kernels read them: head-major k[head_kv][row][head_dim] (one
// head's keys contiguous), f32 or f16.
//
// - Grows as positions are used: reserve() makes room before a forward pass,
//   doubling a layer's rows (in multiples of kGrainRows) up to max_positions,
//   so the copies add up to O(positions) and positions never reached are
//   never allocated.
// - A layer with a sliding window of w keys holds at most w - 1 + chunk rows
//   (chunk: the most tokens one forward writes): before a chunk would
//   overflow it, the rows no query can see any more are dropped by moving the
//   rest to the front (one move per chunk-or-more of positions, so the cost
//   per position is w/chunk row copies at most). Rows stay contiguous and in
//   position order, so the kernels read a plain [begin, end) range.
// - truncate(p) forgets positions >= p (chat prefix reuse, rejected drafts).
// - reserve() refuses, before allocating anything, a request whose bytes
//   exceed the budget (config.max_bytes, or what core/memory.h reports), and
//   says how many positions would fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "kernels/f32-attn/attn.h"  // KvDtype

namespace qkv {

struct KvCacheConfig {
  size_t n_layer = 0, n_head_kv = 0, head_dim = 0;
  size_t max_positions = 0;  // positions the cache may ever hold (the session's context)
  KvDtype dtype = KvDtype::kF32;
  // Per layer: 0 = full attention, w = sliding window of w keys (a query at
  // position i sees keys j with j <= i and i - j < w). Empty: every layer full.
  std::vector<size_t> windows;
  size_t max_bytes = 0;  // budget for the whole cache; 0 = what the platform has
};

// One layer's stored rows, for the attention kernels (AttnParams fields).
struct KvLayerView {
  KvDtype dtype = KvDtype::kF32;
  const void* k = nullptr;
  const void* v = nullptr;
  size_t head_stride = 0;  // elements between KV heads; rows are head_dim elements apart
  size_t pos0 = 0;         // position held by row 0
  size_t rows = 0;         // rows held: positions pos0 .. pos0 + rows - 1
  size_t window = 0;       // 0 = full attention
};

class KvCache {
 public:
  // Rows a full-attention layer grows by at least.
  static constexpr size_t kGrainRows = 256;

  KvCache() = default;
  // config must pass check_config().
  explicit KvCache(KvCacheConfig config);
  static Status check_config(const KvCacheConfig& config);

  const KvCacheConfig& config() const { return config_; }
  // Positions every layer holds (the next write starts here).
  size_t positions() const;

  // Makes room for positions up to `end` (exclusive) written by forward
  // passes of at most `chunk` tokens. Allocates nothing and changes nothing
  // when it fails: resource_exhausted naming the positions that fit, or
  // invalid_argument beyond max_positions.
  Status reserve(size_t end, size_t chunk);
  // reserve()'s refusal without reserving: whether positions up to `end`
  // would fit in the budget (a session asked for a context up front).
  Status check_fits(size_t end, size_t chunk) const;

  // Stores layer `layer`'s keys and values of positions pos0 .. pos0+n-1
  // (pos0 == positions held by that layer): token t's heads side by side at
  // k + t * token_stride and v + t * token_stride. Room must be reserved.
  Status write(size_t layer, size_t pos0, size_t n, const float* k, const float* v, size_t token_stride);
  KvLayerView view(size_t layer) const;

  // Forgets positions >= position. Fails (changing nothing) past positions(),
  // or when a windowed layer has already dropped keys that a query at
  // `position` would see.
  Status truncate(size_t position);

  // Makes this cache hold what `other` holds, the positions and their rows
  // (the beams of a search continue from another beam's keys and values).
  // Both must have the same shape, dtype and windows. Grows only when
  // other's rows do not fit, refusing (changing nothing) what the budget
  // cannot hold; out of memory while growing leaves this cache empty.
  Status copy_from(const KvCache& other);

  // Bytes allocated now, and what holding `positions` positions would take
  // (64-bit: a large model's context can exceed wasm32's size_t).
  size_t bytes() const;
  uint64_t bytes_for(size_t positions, size_t chunk) const;
  // Most positions (<= max_positions) whose bytes_for fits in `budget`.
  size_t positions_that_fit(uint64_t budget, size_t chunk) const;
  // Rows allocated for a layer (tests).
  size_t capacity(size_t layer) const { return layers_[layer].capacity; }

 private:
  struct Layer {
    std::unique_ptr<uint8_t[]> k, v;
    size_t capacity = 0;  // rows per head
    size_t begin = 0;     // position of row 0
    size_t end = 0;       // one past the last position held
    size_t window = 0;
  };
  uint64_t budget() const;                  // config.max_bytes or what the platform has, plus what is held
  size_t row_bytes() const;                 // one row of one head
  uint64_t layer_bytes(size_t rows) const;  // K and V of every head
  size_t rows_needed(const Layer& layer, size_t end, size_t chunk) const;
  Status grow(Layer& layer, size_t capacity);

  KvCacheConfig config_;
  std::vector<Layer> layers_;
};

}  // namespace qkv
