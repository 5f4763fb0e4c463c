// The Embind surface of qkv: the only file that includes Emscripten headers.
// It holds no logic of its own; it checks what JS hands over, calls into
// src/, and turns every failure into a thrown JS Error (see raise()).
#include <emscripten/bind.h>
#include <emscripten/em_js.h>
#include <emscripten/heap.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <thread>

#include "binding_support.h"
#include "core/status.h"
#include "core/thread_pool.h"
#include "kernels/f32-softmax/softmax.h"
#include "kernels/simd_target.h"

namespace qkv_bind {

using qkv::Status;
using qkv::ThreadPool;

// Throws through Module.qkvThrowError (web/src/errors.ts) so JS gets the
// right Error subclass, thrown from a readable source line (Node prints the
// throw site of an uncaught error); a plain Error for raw module users.
EM_JS(void, qkv_throw_js_error, (int code, const char* message), {
  const text = UTF8ToString(message);
  if (Module['qkvThrowError']) Module['qkvThrowError'](code, text);
  throw new Error(text);
});

// A JS exception unwinds the wasm stack without running C++ destructors, so
// the message is moved into this static buffer first: nothing owned by a C++
// frame is alive when the throw happens, and nothing leaks.
namespace {
std::string g_error_message;
std::unique_ptr<ThreadPool> g_pool;
}  // namespace

void raise(Status&& status) {
  const int code = static_cast<int>(status.code());
  g_error_message = std::move(status.message_mutable());
  qkv_throw_js_error(code, g_error_message.c_str());
}

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Status to_count(double v, double min_value, const char* what, size_t* out) {
  if (!(v >= min_value) || v != static_cast<double>(static_cast<uint64_t>(v)) ||
      v > static_cast<double>(SIZE_MAX)) {
    return Status::invalid_argument(std::string(what) + " must be a whole number >= " +
                                    number_text(min_value) + ", got " + number_text(v));
  }
  *out = static_cast<size_t>(v);
  return Status::ok_status();
}

void raise_if_error(Status status) {
  if (!status.ok()) raise(std::move(status));
}

Status check_heap_range(uintptr_t ptr, size_t bytes, const char* what) {
  const size_t heap = emscripten_get_heap_size();
  if (ptr == 0 || ptr > heap || bytes > heap - ptr) {
    return Status::invalid_argument(std::string(what) + ": buffer [" + std::to_string(ptr) + ", +" +
                                    std::to_string(bytes) + ") is outside wasm memory");
  }
  return Status::ok_status();
}

// (Re)creates the process-wide pool. num_threads counts the calling thread.
void init_threads(int num_threads) {
  bound<void>([&]() -> Status {
    if (num_threads < 1) {
      return Status::invalid_argument("numThreads must be at least 1, got " + std::to_string(num_threads));
    }
    g_pool.reset();
    g_pool = std::make_unique<ThreadPool>(static_cast<size_t>(num_threads));
    return Status::ok_status();
  });
}

ThreadPool* pool() { return g_pool.get(); }

emscripten::val thread_info() {
  emscripten::val info = emscripten::val::object();
  const bool have = g_pool != nullptr;
  info.set("workersCreated", have ? g_pool->created_workers() : 0);
  info.set("workersStarted", have ? g_pool->started_workers() : 0);
  info.set("threadLimit", have ? g_pool->thread_limit() : 1);
  return info;
}

void set_thread_limit(int limit) {
  bound<void>([&]() -> Status {
    if (limit < 1)
      return Status::invalid_argument("numThreads must be at least 1, got " + std::to_string(limit));
    if (g_pool) g_pool->set_thread_limit(static_cast<size_t>(limit));
    return Status::ok_status();
  });
}

std::string simd_target() { return qkv::simd_target_name(); }

// In-place softmax of `length` floats at wasm address ptr, split into `rows`
// rows of equal length.
void softmax_rows(uintptr_t ptr, double length, double rows) {
  bound<void>([&]() -> Status {
    size_t n = 0, r = 0;
    QKV_RETURN_IF_ERROR(to_count(length, 1, "softmax: input length", &n));
    QKV_RETURN_IF_ERROR(to_count(rows, 1, "softmax: rows", &r));
    if (n % r != 0) {
      return Status::invalid_argument("softmax: " + std::to_string(n) + " values do not split into " +
                                      std::to_string(r) + " rows of equal length");
    }
    const size_t c = n / r;
    if (n > SIZE_MAX / sizeof(float)) return Status::invalid_argument("softmax: input is too large");
    QKV_RETURN_IF_ERROR(check_heap_range(ptr, n * sizeof(float), "softmax"));
    float* data = reinterpret_cast<float*>(ptr);
    return qkv::f32_softmax_rows(pool(), r, c, data, data);
  });
}

}  // namespace qkv_bind

EMSCRIPTEN_BINDINGS(qkv) {
  using namespace qkv_bind;
  emscripten::function("initThreads", &init_threads);
  emscripten::function("threadInfo", &thread_info);
  emscripten::function("setThreadLimit", &set_thread_limit);
  emscripten::function("simdTarget", &simd_target);
  emscripten::function("softmaxRows", &softmax_rows);
}
