// The sweep over MPI ranks (include/xbarsim/experiment/sweep_mpi.hpp, docs/cluster.md).
//
// Protocol, all on MPI_COMM_WORLD. Every worker thread of every rank is a slot; a slot asks
// rank 0 for a task, runs it, and sends back its result, which also asks for the next one:
//   rank r -> 0  kRequest  (empty)            a slot is free (sent once per slot at the start)
//   rank r -> 0  kResult   "k\n" + task text  task k finished; the slot is free again
//   rank r -> 0  kFailure  "k\n" + message    task k threw; the slot is free again
//   rank 0 -> r  kAssign   int64 k, or -1     run task k, or stop this slot
// Rank 0 answers every request at once, so a slow task never holds a rank idle (dynamic
// scheduling), and it writes every result to its task file as it arrives. A run ends when
// every slot has been told to stop. Only the thread that initialised MPI calls it; the worker
// threads talk to it through queues. Idle loops sleep rather than spin, because Open MPI's
// blocking calls busy-poll and would take a core from the worker threads.
#include "xbarsim/experiment/sweep_mpi.hpp"

#include <mpi.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>

#include "sweep_state.hpp"
#include "xbarsim/core/parallel.hpp"

namespace xbarsim {

namespace {

enum Tag : int { kRequest = 1, kResult = 2, kFailure = 3, kAssign = 4 };
constexpr std::int64_t kStop = -1;
// How long an idle communication loop sleeps between polls: short against any task (the
// quickest, a shape-only energy estimate, takes milliseconds), long enough not to load a core.
constexpr auto kPollInterval = std::chrono::microseconds(500);

struct Message {
  int tag = 0;
  std::string payload;
};

std::string with_index(std::size_t k, const std::string& text) {
  return std::to_string(k) + "\n" + text;
}

// Splits "k\nrest"; false when the message is malformed.
bool split_index(const std::string& payload, std::size_t tasks, std::size_t& k, std::string& rest) {
  const std::size_t nl = payload.find('\n');
  if (nl == std::string::npos || nl == 0) return false;
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(payload.substr(0, nl), &used);
    if (used != nl || v >= tasks) return false;
    k = static_cast<std::size_t>(v);
  } catch (const std::exception&) {
    return false;
  }
  rest = payload.substr(nl + 1);
  return true;
}

void send_text(int tag, const std::string& text, int to) {
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

void send_assignment(std::int64_t k, int to) {
  MPI_Send(&k, 1, MPI_INT64_T, to, kAssign, MPI_COMM_WORLD);
}

// Receives a probed message, whatever its size.
Message receive(const MPI_Status& probed) {
  int n = 0;
  MPI_Get_count(&probed, MPI_CHAR, &n);
  Message m{probed.MPI_TAG, std::string(static_cast<std::size_t>(n), '\0')};
  MPI_Recv(m.payload.data(), n, MPI_CHAR, probed.MPI_SOURCE, probed.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return m;
}

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Rank 0: serves the other ranks' slots while its own threads run tasks. Returns the number
// of results received from other ranks and the total time spent handling them.
std::pair<std::size_t, double> coordinate(detail::SweepState& state, TaskContext& context, int jobs,
                                          int remote_slots) {
  WorkerThreads threads;
  threads.start(jobs, [&] { state.run_tasks(context); });
  const std::size_t tasks = state.tasks().size();
  std::size_t received = 0;
  double handling_s = 0;
  for (int stopped = 0; stopped < remote_slots;) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (!flag) {
      std::this_thread::sleep_for(kPollInterval);
      continue;
    }
    const Clock::time_point start = Clock::now();
    const int from = status.MPI_SOURCE;
    const Message m = receive(status);
    if (m.tag == kResult || m.tag == kFailure) {
      std::size_t k = 0;
      std::string rest;
      if (!split_index(m.payload, tasks, k, rest)) {
        spdlog::warn("sweep: malformed message from rank {} ignored", from);
      } else if (m.tag == kResult) {
        state.finished(k, rest);
      } else {
        state.failed(k, rest + " (on rank " + std::to_string(from) + ")");
      }
    }
    const std::optional<std::size_t> next = state.take();
    send_assignment(next ? static_cast<std::int64_t>(*next) : kStop, from);
    if (!next) ++stopped;
    if (m.tag != kRequest) {
      ++received;
      handling_s += seconds(Clock::now() - start);
    }
  }
  threads.join();
  return {received, handling_s};
}

// Ranks 1..N-1: run the tasks rank 0 assigns and send back the results. Returns the total
// time the worker threads waited from sending a result to holding their next assignment.
double work(const detail::SweepState& state, TaskContext& context, int jobs) {
  std::mutex mutex;
  std::condition_variable assigned, produced;
  std::deque<std::int64_t> inbox;
  std::deque<Message> outbox;
  auto take = [&]() -> std::optional<std::size_t> {
    std::unique_lock<std::mutex> lock(mutex);
    assigned.wait(lock, [&] { return !inbox.empty(); });
    const std::int64_t k = inbox.front();
    inbox.pop_front();
    if (k == kStop) return std::nullopt;
    return static_cast<std::size_t>(k);
  };
  auto post = [&](int tag, std::size_t k, const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex);
    outbox.push_back({tag, with_index(k, text)});
    produced.notify_one();
  };
  auto loop = [&] {
    detail::task_loop(
        state, context, take,
        [&](std::size_t k, const std::string& text) { post(kResult, k, text); },
        [&](std::size_t k, const std::string& message) { post(kFailure, k, message); });
  };
  WorkerThreads threads;
  threads.start(jobs, loop);
  for (int j = 0; j < jobs; ++j) send_text(kRequest, "", 0);
  // Rank 0 answers a rank's messages in the order they were sent (MPI keeps the order between
  // two ranks), so the k-th assignment answers the k-th message; initial requests are not
  // round trips of a result and carry no time.
  std::deque<std::optional<Clock::time_point>> sent(static_cast<std::size_t>(jobs), std::nullopt);
  double waited_s = 0;
  for (int stopped = 0; stopped < jobs;) {
    std::deque<Message> sending;
    {
      std::unique_lock<std::mutex> lock(mutex);
      produced.wait_for(lock, kPollInterval, [&] { return !outbox.empty(); });
      sending.swap(outbox);
    }
    for (const Message& m : sending) {
      sent.push_back(Clock::now());
      send_text(m.tag, m.payload, 0);
    }
    for (;;) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(0, kAssign, MPI_COMM_WORLD, &flag, &status);
      if (!flag) break;
      std::int64_t k = kStop;
      MPI_Recv(&k, 1, MPI_INT64_T, 0, kAssign, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (sent.front()) waited_s += seconds(Clock::now() - *sent.front());
      sent.pop_front();
      if (k == kStop) ++stopped;
      std::lock_guard<std::mutex> lock(mutex);
      inbox.push_back(k);
      assigned.notify_one();
    }
  }
  threads.join();
  return waited_s;
}

}  // namespace

SweepOutcome run_sweep_mpi(const ExperimentSpec& spec, const SweepOptions& options,
                           const Registry& registry, const MpiContext& mpi) {
  std::unique_ptr<detail::SweepState> state;
  mpi_collective_step(
      mpi, [&] { state = std::make_unique<detail::SweepState>(spec, options, registry); });
  mpi_collective_step(mpi, [&] {
    if (mpi.rank() == 0) state->prepare_output();
  });
  const int jobs = std::max(1, options.jobs);
  std::vector<int> slots(static_cast<std::size_t>(mpi.size()), 0);
  MPI_Allgather(&jobs, 1, MPI_INT, slots.data(), 1, MPI_INT, MPI_COMM_WORLD);
  TaskContext context(spec);
  // Nothing below may throw past a rank's loop, or the other ranks would wait for it forever:
  // task errors are results, and anything else ends the whole job.
  std::size_t received = 0;
  double handling_s = 0, waited_s = 0;
  try {
    if (mpi.rank() == 0) {
      std::tie(received, handling_s) =
          coordinate(*state, context, jobs, std::accumulate(slots.begin() + 1, slots.end(), 0));
    } else {
      waited_s = work(*state, context, jobs);
    }
  } catch (const std::exception& e) {
    spdlog::error("sweep: rank {}: {}", mpi.rank(), e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  double total_waited_s = 0;
  MPI_Reduce(&waited_s, &total_waited_s, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  if (mpi.rank() != 0) {
    SweepOutcome outcome;
    outcome.total = state->tasks().size();
    return outcome;
  }
  SweepOutcome outcome = state->finish();
  outcome.remote_tasks = received;
  if (received > 0) {
    outcome.mean_round_trip_s = total_waited_s / static_cast<double>(received);
    outcome.mean_handling_s = handling_s / static_cast<double>(received);
  }
  return outcome;
}

}  // namespace xbarsim
