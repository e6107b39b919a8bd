#pragma once
// Deterministic parallel loop: work is cut into a fixed number of units that never depends
// on the thread count; threads only decide who computes which unit.
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xbarsim {

// Runs body(i) for i in [0, count) on up to `threads` threads (0 = hardware concurrency).
// The first exception thrown by any body is rethrown after all threads have joined.
void parallel_for(std::int64_t count, int threads, const std::function<void(std::int64_t)>& body);

int resolve_thread_count(int requested);

// Threads that never let an exception escape (which would std::terminate the process): each
// body runs under a catch-all, and join() rethrows the first exception once all have ended.
// The destructor joins too, so no std::thread is ever destroyed while joinable.
class WorkerThreads {
 public:
  WorkerThreads() = default;
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;
  ~WorkerThreads();
  // Starts `count` threads, each running body().
  void start(int count, const std::function<void()>& body);
  // Runs body() on the calling thread with the same protection.
  void run_here(const std::function<void()>& body);
  // Waits for every thread; rethrows the first exception any body (or run_here) threw.
  void join();

 private:
  void guarded(const std::function<void()>& body);
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace xbarsim
