#include "core/thread_pool.h"

#include <algorithm>

namespace qkv {

// The one-thread wasm flavour is built without pthreads: it must not even try.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr bool kHasThreads = false;
#else
constexpr bool kHasThreads = true;
#endif

ThreadPool::ThreadPool(size_t num_threads) {
  const size_t wanted = kHasThreads && num_threads > 1 ? num_threads - 1 : 0;
  workers_.reserve(wanted);
  for (size_t i = 0; i < wanted; ++i) {
    pthread_t thread;
    if (pthread_create(&thread, nullptr, &ThreadPool::worker_entry, this) != 0) {
      break;  // the platform has no more threads for us: run with fewer
    }
    workers_.push_back(thread);
  }
  thread_limit_.store(workers_.size() + 1, std::memory_order_relaxed);
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (pthread_t t : workers_) pthread_join(t, nullptr);
}

void* ThreadPool::worker_entry(void* pool) {
  static_cast<ThreadPool*>(pool)->worker_loop();
  return nullptr;
}

void ThreadPool::set_thread_limit(size_t limit) {
  thread_limit_.store(std::clamp<size_t>(limit, 1, workers_.size() + 1), std::memory_order_relaxed);
}

void ThreadPool::run_chunks(Job& job) {
  for (;;) {
    const size_t begin = job.next.fetch_add(job.grain, std::memory_order_relaxed);
    if (begin >= job.n) return;
    job.fn(job.context, begin, std::min(job.n, begin + job.grain));
  }
}

void ThreadPool::parallel_for(size_t n, size_t grain, RangeFn fn, void* context) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  const size_t chunks = (n + grain - 1) / grain;
  const size_t helpers = std::min(thread_limit() - 1, chunks - 1);
  if (helpers == 0) {
    fn(context, 0, n);
    return;
  }
  Job job;
  job.fn = fn;
  job.context = context;
  job.n = n;
  job.grain = grain;
  {
    std::unique_lock<std::mutex> lock = lock_by_polling();
    job_ = &job;
    job_seats_ = helpers;
    ++job_generation_;
  }
  work_ready_.notify_all();
  run_chunks(job);
  // Every chunk is claimed. Close the job so no late worker joins it, then
  // wait for the workers that did join to finish their last chunk.
  {
    std::unique_lock<std::mutex> lock = lock_by_polling();
    job_ = nullptr;
    job_seats_ = 0;
  }
  while (job_active_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

std::unique_lock<std::mutex> ThreadPool::lock_by_polling() {
  while (!mutex_.try_lock()) std::this_thread::yield();
  return std::unique_lock<std::mutex>(mutex_, std::adopt_lock);
}

void ThreadPool::worker_loop() {
  started_.fetch_add(1, std::memory_order_release);
  size_t seen_generation = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] {
      return stopping_ || (job_ != nullptr && job_seats_ > 0 && job_generation_ != seen_generation);
    });
    if (stopping_) return;
    seen_generation = job_generation_;
    Job* job = job_;
    --job_seats_;
    // Counted under the lock, so the caller (which closes the job under the
    // same lock) sees every worker that joined.
    job_active_.fetch_add(1, std::memory_order_relaxed);
    lock.unlock();
    run_chunks(*job);
    // Release: the chunks' writes are visible to the caller once it reads 0.
    job_active_.fetch_sub(1, std::memory_order_release);
    lock.lock();
  }
}

}  // namespace qkv
