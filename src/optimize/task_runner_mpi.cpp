// The optimizer's tasks over the ranks of an MPI job (include/xbarsim/optimize/task_runner.hpp).
//
// Every rank runs the same deterministic search and reaches each round with the same task
// list. Rank 0 broadcasts which tasks it read back from the output folder; the rest are dealt
// round-robin (task i to rank i mod size), each rank runs its share on its threads, and every
// rank's texts are gathered on all ranks (MPI_Allgatherv), so the search goes on identically
// everywhere. Static dealing keeps the protocol two collectives per round; the tasks of a
// round cost about the same, so little balance is lost.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "xbarsim/core/parallel.hpp"
#include "xbarsim/experiment/sweep_mpi.hpp"
#include "xbarsim/optimize/task_runner.hpp"

namespace xbarsim {

namespace {

// Texts as one buffer: per text its length (int64) then its bytes.
std::string pack(const std::vector<std::pair<std::int64_t, std::string>>& items) {
  std::string out;
  for (const auto& [index, text] : items) {
    const std::int64_t header[2] = {index, static_cast<std::int64_t>(text.size())};
    out.append(reinterpret_cast<const char*>(header), sizeof(header));
    out += text;
  }
  return out;
}

std::vector<std::pair<std::int64_t, std::string>> unpack(const std::string& buffer) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  std::size_t at = 0;
  while (at + 2 * sizeof(std::int64_t) <= buffer.size()) {
    std::int64_t header[2];
    std::memcpy(header, buffer.data() + at, sizeof(header));
    at += sizeof(header);
    out.emplace_back(header[0], buffer.substr(at, static_cast<std::size_t>(header[1])));
    at += static_cast<std::size_t>(header[1]);
  }
  return out;
}

class MpiRunner : public TaskRunner {
 public:
  MpiRunner(const MpiContext& mpi, int jobs) : mpi_(mpi), jobs_(std::max(1, jobs)) {}

  std::vector<std::string> run(
      std::vector<std::string> known, const std::function<std::string(std::size_t, int)>& run,
      const std::function<void(std::size_t, const std::string&)>& save) override {
    // What rank 0 read back, on every rank.
    std::vector<std::pair<std::int64_t, std::string>> done;
    for (std::size_t i = 0; i < known.size(); ++i)
      if (!known[i].empty()) done.emplace_back(static_cast<std::int64_t>(i), known[i]);
    std::string buffer = mpi_.rank() == 0 ? pack(done) : std::string();
    std::int64_t size = static_cast<std::int64_t>(buffer.size());
    MPI_Bcast(&size, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    buffer.resize(static_cast<std::size_t>(size));
    MPI_Bcast(buffer.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD);
    std::fill(known.begin(), known.end(), std::string());
    for (auto& [i, text] : unpack(buffer)) known[static_cast<std::size_t>(i)] = std::move(text);
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < known.size(); ++i)
      if (known[i].empty()) todo.push_back(i);
    std::vector<std::size_t> mine;
    for (std::size_t k = 0; k < todo.size(); ++k)
      if (static_cast<int>(k % static_cast<std::size_t>(mpi_.size())) == mpi_.rank())
        mine.push_back(todo[k]);
    // This rank's share on its threads; an error is kept and rethrown on every rank after the
    // exchange, so that no rank waits for one that has failed.
    std::vector<std::pair<std::int64_t, std::string>> results(mine.size());
    const Waves waves = plan_waves(mine.size(), jobs_);
    std::atomic<std::size_t> next{0};
    std::mutex save_mutex;
    std::string error;
    auto loop = [&] {
      for (std::size_t k; (k = next++) < mine.size();) {
        std::string text = run(mine[k], waves.share);
        if (mpi_.rank() == 0) {
          std::lock_guard<std::mutex> lock(save_mutex);
          save(mine[k], text);
        }
        results[k] = {static_cast<std::int64_t>(mine[k]), std::move(text)};
      }
    };
    try {
      WorkerThreads threads;
      threads.start(waves.workers - 1, loop);
      threads.run_here(loop);
      threads.join();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      // The test hook --stop-after, or anything else: every rank must still reach the
      // agreement below, or the others would wait for this one forever.
      error = "an evaluation was stopped or failed without a message";
    }
    int failed = error.empty() ? mpi_.size() : mpi_.rank(), lowest = mpi_.size();
    MPI_Allreduce(&failed, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (lowest != mpi_.size()) {
      if (lowest == mpi_.rank()) throw Error(error);
      throw PeerRankFailed("rank " + std::to_string(lowest) + " failed");
    }
    const std::string mine_packed = pack(results);
    int my_size = static_cast<int>(mine_packed.size());
    std::vector<int> sizes(static_cast<std::size_t>(mpi_.size())), offsets(sizes.size(), 0);
    MPI_Allgather(&my_size, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
    int total = 0;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      offsets[r] = total;
      total += sizes[r];
    }
    std::string all(static_cast<std::size_t>(total), '\0');
    MPI_Allgatherv(mine_packed.data(), my_size, MPI_CHAR, all.data(), sizes.data(), offsets.data(),
                   MPI_CHAR, MPI_COMM_WORLD);
    for (auto& [i, text] : unpack(all)) {
      const auto idx = static_cast<std::size_t>(i);
      // Rank 0 saved its own as they finished; the other ranks' now.
      if (mpi_.rank() == 0 &&
          static_cast<int>(std::find(todo.begin(), todo.end(), idx) - todo.begin()) % mpi_.size() !=
              0)
        save(idx, text);
      known[idx] = std::move(text);
    }
    return known;
  }
  bool owner() const override { return mpi_.rank() == 0; }
  void collective(const std::function<void()>& step) override { mpi_collective_step(mpi_, step); }

 private:
  const MpiContext& mpi_;
  int jobs_;
};

}  // namespace

std::unique_ptr<TaskRunner> mpi_task_runner(const MpiContext& mpi, int jobs) {
  return std::make_unique<MpiRunner>(mpi, jobs);
}

}  // namespace xbarsim
