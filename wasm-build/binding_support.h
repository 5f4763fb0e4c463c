// What every Embind file of wasm-build/ shares: turning a Status into a
// thrown JS Error, catching C++ exceptions at the boundary, checking numbers
// and memory ranges that JS hands over, and the process-wide thread pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"

namespace qkv_bind {

// Throws the JS Error subclass for status (never returns normally).
void raise(qkv::Status&& status);
void raise_if_error(qkv::Status status);

// Runs f (returning Status) and converts C++ exceptions (std::bad_alloc from
// a container, std::system_error) into a Status, so none escapes as a number.
template <class F>
qkv::Status guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return qkv::Status::resource_exhausted("out of memory");
  } catch (const std::exception& e) {
    return qkv::Status::internal(std::string("unexpected C++ exception: ") + e.what());
  } catch (...) {
    return qkv::Status::internal("unexpected C++ exception of unknown type");
  }
}

// Integers arrive from JS as doubles; prints them without a fraction.
std::string number_text(double v);
// A JS number that must be a whole count in [min_value, SIZE_MAX].
qkv::Status to_count(double v, double min_value, const char* what, size_t* out);
// A range of wasm memory handed over by JS must lie inside the heap.
qkv::Status check_heap_range(uintptr_t ptr, size_t bytes, const char* what);
// The pool kernels run on (null before initThreads).
qkv::ThreadPool* pool();

}  // namespace qkv_bind
