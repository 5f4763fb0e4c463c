#include "models/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include "core/memory.h"
#include "kernels/cvt/cvt.h"

namespace qkv {
namespace {

std::string str(size_t v) { return std::to_string(v); }

// First position a query at `pos` can see with a window of `window` keys.
size_t window_start(size_t pos, size_t window) {
  return window != 0 && pos + 1 > window ? pos + 1 - window : 0;
}

}  // namespace

KvCache::KvCache(KvCacheConfig config) : config_(std::move(config)) {
  layers_.resize(config_.n_layer);
  for (size_t l = 0; l < layers_.size(); ++l)
    layers_[l].window = l < config_.windows.size() ? config_.windows[l] : 0;
}

Status KvCache::check_config(const KvCacheConfig& c) {
  if (c.n_layer == 0 || c.n_head_kv == 0 || c.head_dim == 0) {
    return Status::invalid_argument("KV cache: n_layer, n_head_kv and head_dim must be at least 1");
  }
  if (c.max_positions == 0) return Status::invalid_argument("KV cache: max_positions must be at least 1");
  if (c.dtype != KvDtype::kF32 && c.dtype != KvDtype::kF16) {
    return Status::invalid_argument("KV cache: dtype must be f32 or f16");
  }
  if (!c.windows.empty() && c.windows.size() != c.n_layer) {
    return Status::invalid_argument("KV cache: " + str(c.windows.size()) + " layer windows for " +
                                    str(c.n_layer) + " layers");
  }
  return Status::ok_status();
}

size_t KvCache::positions() const {
  size_t p = SIZE_MAX;
  for (const Layer& layer : layers_) p = std::min(p, layer.end);
  return layers_.empty() ? 0 : p;
}

size_t KvCache::row_bytes() const { return config_.head_dim * kv_dtype_bytes(config_.dtype); }

size_t KvCache::rows_needed(const Layer& layer, size_t end, size_t chunk) const {
  if (layer.window == 0) return end;
  // After dropping what the chunk's first query cannot see: window - 1 keys
  // before it plus the chunk itself.
  return std::min(end, layer.window - 1 + std::max<size_t>(chunk, 1));
}

uint64_t KvCache::layer_bytes(size_t rows) const {
  return uint64_t{2} * config_.n_head_kv * rows * row_bytes();
}

size_t KvCache::bytes() const {
  uint64_t total = 0;
  for (const Layer& layer : layers_) total += layer_bytes(layer.capacity);
  return static_cast<size_t>(total);  // allocated, so it fits
}

uint64_t KvCache::bytes_for(size_t positions, size_t chunk) const {
  uint64_t total = 0;
  for (const Layer& layer : layers_) total += layer_bytes(rows_needed(layer, positions, chunk));
  return total;
}

size_t KvCache::positions_that_fit(uint64_t budget, size_t chunk) const {
  size_t lo = 0, hi = config_.max_positions;  // bytes_for is monotone in positions
  while (lo < hi) {
    const size_t mid = lo + (hi - lo + 1) / 2;
    if (bytes_for(mid, chunk) <= budget) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

Status KvCache::grow(Layer& layer, size_t capacity) {
  const size_t heads = config_.n_head_kv, rb = row_bytes();
  std::unique_ptr<uint8_t[]> k(new (std::nothrow) uint8_t[heads * capacity * rb]);
  std::unique_ptr<uint8_t[]> v(new (std::nothrow) uint8_t[heads * capacity * rb]);
  if (k == nullptr || v == nullptr) {
    return Status::resource_exhausted("KV cache: out of memory allocating " +
                                      megabytes(2 * heads * capacity * rb));
  }
  const size_t rows = layer.end - layer.begin;
  for (size_t h = 0; h < heads && rows != 0; ++h) {
    std::memcpy(k.get() + h * capacity * rb, layer.k.get() + h * layer.capacity * rb, rows * rb);
    std::memcpy(v.get() + h * capacity * rb, layer.v.get() + h * layer.capacity * rb, rows * rb);
  }
  layer.k = std::move(k);
  layer.v = std::move(v);
  layer.capacity = capacity;
  return Status::ok_status();
}

uint64_t KvCache::budget() const {
  const uint64_t platform = uint64_t{bytes()} + memory_available_bytes();
  return config_.max_bytes != 0 ? std::min<uint64_t>(config_.max_bytes, platform) : platform;
}

Status KvCache::check_fits(size_t end, size_t chunk) const {
  if (end > config_.max_positions) {
    return Status::invalid_argument("KV cache: " + str(end) + " positions exceed the session's " +
                                    str(config_.max_positions));
  }
  uint64_t need = 0;
  for (const Layer& layer : layers_)
    need += layer_bytes(std::max(layer.capacity, rows_needed(layer, end, chunk)));
  const uint64_t available = budget();
  if (need <= available) return Status::ok_status();
  const size_t fit = positions_that_fit(available, chunk);
  return Status::resource_exhausted("KV cache: " + str(end) + " positions need " +
                                    megabytes(bytes_for(end, chunk)) + " (" + kv_dtype_name(config_.dtype) +
                                    ", " + str(config_.n_layer) + " layers of " + str(config_.n_head_kv) +
                                    " heads of " + str(config_.head_dim) + "), more than the " +
                                    megabytes(available) + " available; " + str(fit) + " positions fit");
}

Status KvCache::reserve(size_t end, size_t chunk) {
  if (end > config_.max_positions) return check_fits(end, chunk);  // names the limit
  // The common case, every decode step: the room is there. Nothing is
  // allocated and the budget (mallinfo walks the heap) is not asked.
  bool grows = false;
  for (const Layer& layer : layers_) grows = grows || rows_needed(layer, end, chunk) > layer.capacity;
  if (!grows) return Status::ok_status();
  QKV_RETURN_IF_ERROR(check_fits(end, chunk));
  // Targets: what is needed, plus doubling headroom for full layers.
  std::vector<size_t> need(layers_.size()), target(layers_.size());
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    need[l] = std::max(layer.capacity, rows_needed(layer, end, chunk));
    target[l] = need[l];
    if (need[l] > layer.capacity && layer.window == 0) {
      const size_t doubled = (2 * layer.capacity + kGrainRows - 1) / kGrainRows * kGrainRows;
      target[l] = std::min(config_.max_positions, std::max({need[l], doubled, kGrainRows}));
    }
  }
  uint64_t target_bytes = 0;
  for (size_t rows : target) target_bytes += layer_bytes(rows);
  if (target_bytes > budget()) target = need;  // no headroom, but what was asked for fits
  for (size_t l = 0; l < layers_.size(); ++l) {
    if (target[l] > layers_[l].capacity) QKV_RETURN_IF_ERROR(grow(layers_[l], target[l]));
  }
  return Status::ok_status();
}

Status KvCache::write(size_t l, size_t pos0, size_t n, const float* k, const float* v, size_t token_stride) {
  if (l >= layers_.size()) return Status::internal("KV cache: no layer " + str(l));
  Layer& layer = layers_[l];
  if (pos0 != layer.end) {
    return Status::internal("KV cache: layer " + str(l) + " holds " + str(layer.end) +
                            " positions, write starts at " + str(pos0));
  }
  const size_t heads = config_.n_head_kv, hd = config_.head_dim, rb = row_bytes();
  if (pos0 + n - layer.begin > layer.capacity) {
    // Drop the rows that no query of this chunk (or later) can see.
    const size_t keep = std::max(layer.begin, window_start(pos0, layer.window));
    const size_t rows = layer.end - keep;
    for (size_t h = 0; h < heads && keep != layer.begin; ++h) {
      const size_t base = h * layer.capacity * rb, from = (keep - layer.begin) * rb;
      std::memmove(layer.k.get() + base, layer.k.get() + base + from, rows * rb);
      std::memmove(layer.v.get() + base, layer.v.get() + base + from, rows * rb);
    }
    layer.begin = keep;
    if (pos0 + n - layer.begin > layer.capacity) {
      return Status::internal("KV cache: no room reserved for positions " + str(pos0) + " .. " +
                              str(pos0 + n - 1) + " in layer " + str(l));
    }
  }
  for (size_t t = 0; t < n; ++t) {
    const size_t row = pos0 + t - layer.begin;
    for (size_t h = 0; h < heads; ++h) {
      const float* ks = k + t * token_stride + h * hd;
      const float* vs = v + t * token_stride + h * hd;
      uint8_t* kd = layer.k.get() + (h * layer.capacity + row) * rb;
      uint8_t* vd = layer.v.get() + (h * layer.capacity + row) * rb;
      if (config_.dtype == KvDtype::kF16) {
        f32_to_f16_ukernel__simd(hd, ks, reinterpret_cast<uint16_t*>(kd));
        f32_to_f16_ukernel__simd(hd, vs, reinterpret_cast<uint16_t*>(vd));
      } else {
        std::memcpy(kd, ks, rb);
        std::memcpy(vd, vs, rb);
      }
    }
  }
  layer.end = pos0 + n;
  return Status::ok_status();
}

Status KvCache::copy_from(const KvCache& other) {
  if (&other == this) return Status::ok_status();
  const KvCacheConfig& o = other.config_;
  bool same_windows = true;
  for (size_t l = 0; l < layers_.size() && l < other.layers_.size(); ++l)
    same_windows = same_windows && layers_[l].window == other.layers_[l].window;
  if (o.n_layer != config_.n_layer || o.n_head_kv != config_.n_head_kv || o.head_dim != config_.head_dim ||
      o.dtype != config_.dtype || !same_windows) {
    return Status::invalid_argument("KV cache: cannot copy a cache of another shape, dtype or windows");
  }
  if (other.positions() > config_.max_positions) {
    return Status::invalid_argument("KV cache: cannot copy " + str(other.positions()) +
                                    " positions into a cache of " + str(config_.max_positions));
  }
  uint64_t need = 0;
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& from = other.layers_[l];
    need += layer_bytes(std::max(layers_[l].capacity, from.end - from.begin));
  }
  const uint64_t available = budget();
  if (need > available) {
    return Status::resource_exhausted("KV cache: copying " + str(other.positions()) + " positions needs " +
                                      megabytes(need) + ", more than the " + megabytes(available) +
                                      " available");
  }
  const size_t heads = config_.n_head_kv, rb = row_bytes();
  for (size_t l = 0; l < layers_.size(); ++l) {
    Layer& to = layers_[l];
    const Layer& from = other.layers_[l];
    const size_t rows = from.end - from.begin;
    if (rows > to.capacity) {
      to.end = to.begin;  // nothing of ours to keep while growing
      const Status grown = grow(to, std::max(rows, from.capacity));
      if (!grown.ok()) {
        for (Layer& layer : layers_) layer.begin = layer.end = 0;
        return grown;
      }
    }
    for (size_t h = 0; h < heads && rows != 0; ++h) {
      std::memcpy(to.k.get() + h * to.capacity * rb, from.k.get() + h * from.capacity * rb, rows * rb);
      std::memcpy(to.v.get() + h * to.capacity * rb, from.v.get() + h * from.capacity * rb, rows * rb);
    }
    to.begin = from.begin;
    to.end = from.end;
  }
  return Status::ok_status();
}

KvLayerView KvCache::view(size_t l) const {
  const Layer& layer = layers_[l];
  KvLayerView view;
  view.dtype = config_.dtype;
  view.k = layer.k.get();
  view.v = layer.v.get();
  view.head_stride = layer.capacity * config_.head_dim;
  view.pos0 = layer.begin;
  view.rows = layer.end - layer.begin;
  view.window = layer.window;
  return view;
}

Status KvCache::truncate(size_t position) {
  if (position > positions()) {
    return Status::invalid_argument("KV cache: cannot truncate to " + str(position) + ": it holds " +
                                    str(positions()) + " positions");
  }
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    if (position != 0 && layer.begin > window_start(position, layer.window)) {
      return Status::invalid_argument("KV cache: cannot truncate to " + str(position) + ": layer " + str(l) +
                                      "'s sliding window of " + str(layer.window) +
                                      " keys has dropped the positions before " + str(layer.begin));
    }
  }
  for (Layer& layer : layers_) {
    if (position == 0) layer.begin = 0;
    layer.end = std::min(layer.end, position);
  }
  return Status::ok_status();
}

}  // namespace qkv
