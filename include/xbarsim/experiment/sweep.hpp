#pragma once
// The sweep runner behind `xbarsim sweep` (docs/experiments.md): every task of a spec, on
// threads of one process (run_sweep) or over MPI ranks (sweep_mpi.hpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "xbarsim/config/registry.hpp"
#include "xbarsim/experiment/experiment_spec.hpp"
#include "xbarsim/experiment/task_result.hpp"

namespace xbarsim {

struct SweepOptions {
  std::string out_dir;
  int jobs = 1;  // threads per process, each running one task at a time
  bool resume = false;
  std::string command_line;
  std::int64_t stop_after = -1;  // test hook: hand out no more than this many tasks
  // Called after each task finishes, one call at a time: (tasks done, tasks total, task).
  std::function<void(std::size_t, std::size_t, TaskId)> on_task;
  // Called when a task fails, one call at a time, as soon as the failure is known.
  std::function<void(const TaskFailure&)> on_failure;
  // Called for each warning (a damaged task file that --resume recomputes), as it is found.
  std::function<void(const std::string&)> on_warning;
};

struct SweepOutcome {
  std::size_t total = 0;     // tasks of the spec
  std::size_t computed = 0;  // tasks computed by this run
  std::size_t skipped = 0;   // tasks kept from an earlier run (--resume)
  std::vector<TaskFailure> failures;
  std::vector<std::string> warnings;  // as passed to SweepOptions::on_warning
  bool complete = false;              // every task done and results.h5 / summary.csv written
  // Under MPI, on rank 0: the cost of distributing the work. Tasks run on the other ranks;
  // the mean round trip a worker thread waits from sending a result to holding its next task;
  // rank 0's mean time to handle one result (receive, parse, save durably, reply).
  std::size_t remote_tasks = 0;
  double mean_round_trip_s = 0;
  double mean_handling_s = 0;
};

// A failed task does not stop the others: every task that can finish is saved, the failures
// are listed in the outcome and in DIR/failed/, and no results file is written.
SweepOutcome run_sweep(const ExperimentSpec& spec, const SweepOptions& options,
                       const Registry& registry);

// "point 3 (model=broken.h5), trial 0: <message>".
std::string describe_failure(const ExperimentSpec& spec, const TaskFailure& failure);

}  // namespace xbarsim
