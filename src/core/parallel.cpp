#include "xbarsim/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace xbarsim {

int resolve_thread_count(int requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

void parallel_for(std::int64_t count, int threads, const std::function<void(std::int64_t)>& body) {
  if (count <= 0) return;
  const int workers =
      static_cast<int>(std::min<std::int64_t>(resolve_thread_count(threads), count));
  if (workers == 1) {
    for (std::int64_t i = 0; i < count; ++i) body(i);
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&] {
    for (std::int64_t i = next++; i < count; i = next++) {
      try {
        body(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        next = count;  // stop handing out work
      }
    }
  };
  WorkerThreads pool;
  pool.start(workers - 1, work);
  pool.run_here(work);
  pool.join();
  if (first_error) std::rethrow_exception(first_error);
}

WorkerThreads::~WorkerThreads() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

void WorkerThreads::guarded(const std::function<void()>& body) {
  try {
    body();
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = std::current_exception();
  }
}

void WorkerThreads::start(int count, const std::function<void()>& body) {
  for (int i = 0; i < count; ++i) threads_.emplace_back([this, body] { guarded(body); });
}

void WorkerThreads::run_here(const std::function<void()>& body) {
  guarded(body);
}

void WorkerThreads::join() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(error, error_);
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace xbarsim
