// What every Embind file of wasm-build/ shares: turning a Status into a
// thrown JS Error, catching C++ exceptions at the boundary, checking numbers
// and memory ranges that JS hands over, and the process-wide thread pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include <emscripten/val.h>

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

// A JS argument handed to bound(): a val is moved into the guarded region
// (so its handle is released there, whatever happens); numbers and bools
// pass through.
inline emscripten::val take_arg(emscripten::val& v) { return emscripten::val(std::move(v)); }
template <class T>
T take_arg(T v) {
  return v;
}

// What a bound method returns until its body succeeds (val has no default).
template <class T>
T empty_result() {
  return T{};
}
template <>
inline emscripten::val empty_result<emscripten::val>() {
  return emscripten::val::undefined();
}

// The ritual of every bound method, in one place. A thrown JS Error unwinds
// wasm frames without running C++ destructors, so the call must do all its
// work, and free all it owns (the arguments' JS handles and Embind's copies
// included), before anything is raised:
//   val encode(val ids) {
//     return bound<val>([&](val& out, val ids_arg) -> Status { ...; out = result; return ok; }, ids);
//   }
// body(result, args...) runs inside guarded() with the arguments taken over;
// it sets result only on success (a JS value built in a local and moved out);
// its error is raised once nothing but the Status is left. bound<void> calls
// body(args...) without a result.
template <class Result, class Body, class... Args>
Result bound(Body&& body, Args&... args) {
  if constexpr (std::is_void_v<Result>) {
    raise_if_error(guarded([&]() -> qkv::Status { return body(take_arg(args)...); }));
  } else {
    Result result = empty_result<Result>();
    raise_if_error(guarded([&]() -> qkv::Status { return body(result, take_arg(args)...); }));
    return result;
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
