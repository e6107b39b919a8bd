// parallel_for (include/xbarsim/core/parallel.hpp): every index runs exactly once for any
// thread count, and an exception thrown by a body reaches the caller after all threads join.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "xbarsim/core/parallel.hpp"

namespace xbarsim {
namespace {

struct BodyFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST_CASE("parallel_for runs every index exactly once for 1 to 5 threads") {
  for (int threads = 1; threads <= 5; ++threads) {
    for (std::int64_t count : {1, 2, 3, 4, 5, 7, 64, 1000}) {
      CAPTURE(threads);
      CAPTURE(count);
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(count));
      for (auto& h : hits) h = 0;
      std::atomic<std::int64_t> out_of_range{0};
      parallel_for(count, threads, [&](std::int64_t i) {
        if (i < 0 || i >= count) {
          ++out_of_range;
          return;
        }
        ++hits[static_cast<std::size_t>(i)];
      });
      CHECK(out_of_range == 0);
      int wrong = 0;
      for (const auto& h : hits) wrong += h != 1;
      CHECK(wrong == 0);
    }
  }
}

TEST_CASE("parallel_for uses more than one thread when asked to") {
  // Each body waits until another thread has started a body too, so a serial loop would never
  // see two bodies at once; a bounded wait keeps a serial implementation from hanging.
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  parallel_for(4, 2, [&](std::int64_t) {
    const int now = ++running;
    int seen = max_running.load();
    while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
    }
    for (int spin = 0; spin < 10000 && max_running.load() < 2; ++spin)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    --running;
  });
  CHECK(max_running.load() == 2);
}

TEST_CASE("parallel_for with no work never calls the body") {
  for (int threads = 1; threads <= 5; ++threads) {
    int calls = 0;
    parallel_for(0, threads, [&](std::int64_t) { ++calls; });
    parallel_for(-3, threads, [&](std::int64_t) { ++calls; });
    CHECK(calls == 0);
  }
}

TEST_CASE("parallel_for rethrows an exception from a body, for 1 to 5 threads") {
  for (int threads = 1; threads <= 5; ++threads) {
    CAPTURE(threads);
    std::atomic<int> calls{0};
    bool caught = false;
    try {
      parallel_for(100, threads, [&](std::int64_t i) {
        ++calls;
        if (i == 37) throw BodyFailure("index 37 failed");
      });
    } catch (const BodyFailure& e) {
      caught = true;
      CHECK(std::string(e.what()) == "index 37 failed");
    }
    CHECK(caught);
    CHECK(calls.load() >= 1);
    CHECK(calls.load() <= 100);
  }
}

TEST_CASE("parallel_for rethrows one exception when every body throws") {
  for (int threads = 1; threads <= 5; ++threads) {
    CAPTURE(threads);
    CHECK_THROWS_AS(
        parallel_for(50, threads,
                     [](std::int64_t i) { throw BodyFailure("body " + std::to_string(i)); }),
        BodyFailure);
  }
}

TEST_CASE("resolve_thread_count") {
  CHECK(resolve_thread_count(3) == 3);
  CHECK(resolve_thread_count(1) == 1);
  CHECK(resolve_thread_count(0) >= 1);  // 0 = all cores, and there is always at least one
}

}  // namespace
}  // namespace xbarsim

TEST_CASE("WorkerThreads: an exception in a thread is rethrown by join, never escapes") {
  xbarsim::WorkerThreads threads;
  std::atomic<int> ran{0};
  threads.start(3, [&] {
    ++ran;
    throw std::runtime_error("worker failed");
  });
  threads.run_here([&] { ++ran; });
  CHECK_THROWS_WITH_AS(threads.join(), "worker failed", std::runtime_error);
  CHECK(ran == 4);
  threads.join();  // the error is reported once
}
