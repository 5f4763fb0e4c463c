// A persistent pool of worker threads with a blocking parallel_for.
//
// Why persistent: spawning a thread costs 57-233 us under Emscripten
// (docs/TOOLCHAIN.md §4), more than many kernels take. Why chunks are claimed from
// an atomic counter by the caller too: under Emscripten a worker may not have
// started yet when the first job arrives (its Web Worker loads asynchronously
// and only starts once the JS event loop turns). A job therefore never waits
// for a worker that has not joined it; the caller simply does the work, so a
// pool smaller than asked, or not yet running, can never deadlock.
#pragma once

#include <pthread.h>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>

#include <thread>
#include <type_traits>
#include <vector>

namespace qkv {

class ThreadPool {
 public:
  // Body of a parallel loop: processes indices [begin, end).
  using RangeFn = void (*)(void* context, size_t begin, size_t end);

  // Starts up to `num_threads - 1` workers (the caller is the last thread).
  // Fewer start when the platform refuses (e.g. the Emscripten pthread pool
  // is exhausted); started_workers() reports how many did.
  explicit ThreadPool(size_t num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Workers whose thread was created successfully.
  size_t created_workers() const { return workers_.size(); }
  // Workers that are running their loop (may lag created_workers() under
  // Emscripten until the event loop has turned).
  size_t started_workers() const { return started_.load(std::memory_order_acquire); }

  // Threads a job may use: the caller plus up to limit-1 workers. Clamped to
  // [1, created_workers() + 1].
  void set_thread_limit(size_t limit);
  size_t thread_limit() const { return thread_limit_.load(std::memory_order_relaxed); }

  // Runs fn(context, b, e) over [0, n) in chunks of `grain` indices, on the
  // caller and any idle workers; returns when every index is done.
  // Not reentrant: fn must not call parallel_for on the same pool.
  void parallel_for(size_t n, size_t grain, RangeFn fn, void* context);

  // Convenience for lambdas: pool.parallel_for(n, grain, [&](size_t b, size_t e) {...}).
  template <class F>
  void parallel_for(size_t n, size_t grain, F&& f) {
    using Fn = std::remove_reference_t<F>;
    parallel_for(
        n, grain, [](void* c, size_t b, size_t e) { (*static_cast<Fn*>(c))(b, e); },
        const_cast<void*>(static_cast<const void*>(&f)));
  }

 private:
  struct Job {
    RangeFn fn = nullptr;
    void* context = nullptr;
    size_t n = 0;
    size_t grain = 1;
    std::atomic<size_t> next{0};
  };

  void worker_loop();
  static void* worker_entry(void* pool);
  static void run_chunks(Job& job);

  // pthreads rather than std::thread: creation failure is a return code we
  // can act on (Emscripten's exhausted worker pool gives EAGAIN), not an
  // exception thrown out of the runtime.
  std::vector<pthread_t> workers_;
  std::atomic<size_t> started_{0};
  std::atomic<size_t> thread_limit_{1};

  // The caller of parallel_for never waits in a futex: on a page's main
  // thread Emscripten forbids that (it busy-waits and warns "Blocking on the
  // main thread is very dangerous"). So it takes the lock with try_lock and
  // waits for workers by polling job_active_, yielding between polls; the
  // wait is for the last chunks already running, so it is short.
  std::unique_lock<std::mutex> lock_by_polling();

  std::mutex mutex_;
  std::condition_variable work_ready_;  // a new job, or shutdown (workers wait on it)
  Job* job_ = nullptr;                  // guarded by mutex_
  size_t job_generation_ = 0;           // guarded by mutex_
  size_t job_seats_ = 0;                // workers that may still join; guarded
  std::atomic<size_t> job_active_{0};   // workers inside the job; incremented under mutex_
  bool stopping_ = false;               // guarded by mutex_
};

// Runs f(begin, end) over [0, n) on the pool, or all at once on the calling
// thread when there is no pool (the one-thread build, or a caller that wants
// no threads). Kernels take a nullable ThreadPool* and call this.
template <class F>
void parallel_for(ThreadPool* pool, size_t n, size_t grain, F&& f) {
  if (pool == nullptr) {
    if (n > 0) f(size_t{0}, n);
  } else {
    pool->parallel_for(n, grain, f);
  }
}

}  // namespace qkv
