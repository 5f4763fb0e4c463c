// How much memory the process may still allocate, for components that must
// refuse a request before allocating (the KV cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qkv {

// Bytes that further allocations may take, minus a headroom for everything
// else that allocates (activations, JS-side copies, fragmentation). In wasm:
// the heap's maximum size (emscripten_get_heap_max) minus what is in use
// (static data and stacks below the malloc arena, plus what malloc hands
// out). Natively there is no such ceiling short of the machine: half the
// physical memory, a guard against requests that cannot be meant, which
// callers can lower (SessionOptions::max_cache_bytes).
size_t memory_available_bytes();

// Decimal megabytes (10^6 bytes), the unit of every size qkv prints: "12.3 MB".
std::string megabytes(uint64_t bytes);

}  // namespace qkv
