#pragma once
// Deterministic parallel loop: work is cut into a fixed number of units that never depends
// on the thread count; threads only decide who computes which unit.
#include <cstdint>
#include <functional>

namespace xbarsim {

// Runs body(i) for i in [0, count) on up to `threads` threads (0 = hardware concurrency).
// The first exception thrown by any body is rethrown after all threads have joined.
void parallel_for(std::int64_t count, int threads, const std::function<void(std::int64_t)>& body);

int resolve_thread_count(int requested);

}  // namespace xbarsim
