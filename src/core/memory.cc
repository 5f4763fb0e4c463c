#include "core/memory.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#include <malloc.h>
#include <unistd.h>
#else
#include <unistd.h>
#endif

namespace qkv {

size_t memory_available_bytes() {
#ifdef __EMSCRIPTEN__
  const size_t heap_max = emscripten_get_heap_max();
  // sbrk(0) is the top of the malloc arena; below it sit static data, the
  // stacks and malloc's blocks, of which fordblks bytes are free again.
  const size_t top = reinterpret_cast<uintptr_t>(sbrk(0));
  const size_t free_in_arena = static_cast<size_t>(mallinfo().fordblks);
  const size_t in_use = top - std::min(top, free_in_arena);
  const size_t available = heap_max - std::min(heap_max, in_use);
  // Headroom: 1/16 of the heap's maximum (256 MB of a 4 GB heap) stays for
  // activations, copies to JS and fragmentation.
  const size_t headroom = heap_max / 16;
  return available - std::min(available, headroom);
#else
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return SIZE_MAX / 2;
  return static_cast<size_t>(pages) / 2 * static_cast<size_t>(page_size);
#endif
}

std::string megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace qkv
