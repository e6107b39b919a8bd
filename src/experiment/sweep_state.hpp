#pragma once
// What the single-process and the MPI sweep drivers share (private to src/experiment).
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "xbarsim/experiment/run_task.hpp"
#include "xbarsim/experiment/sweep.hpp"

namespace xbarsim::detail {

// The tasks of a sweep and its bookkeeping. Every process builds one from the spec (the task
// list and the configs are the same everywhere); only the process that owns the output folder
// calls prepare_output, take, finished, failed and finish.
class SweepState {
 public:
  // Resolves every point's configuration first: a bad path or value fails before any task runs.
  SweepState(const ExperimentSpec& spec, const SweepOptions& options, const Registry& registry);

  const ExperimentSpec& spec() const { return spec_; }
  const std::vector<TaskId>& tasks() const { return tasks_; }

  // Computes task k of tasks(); throws what the task throws.
  TaskResult compute(std::size_t k, TaskContext& context) const;

  // Output folder: with --resume keeps the task files whose key matches (a file from another
  // spec is a ConfigError; a torn or garbled one is a warning and is recomputed), else removes
  // them; clears earlier failure reports and the temporaries of a killed run.
  void prepare_output();
  // The next task to run (index into tasks()), or none. Thread-safe.
  std::optional<std::size_t> take();
  // Saves a finished task (its text as format_task wrote it). Thread-safe.
  void finished(std::size_t k, const std::string& text);
  // Records and reports a failed task. Thread-safe.
  void failed(std::size_t k, const std::string& message);
  // Reads every task file back and writes results.h5 and summary.csv when all are there.
  SweepOutcome finish();
  // The loop of a worker thread in the process that owns the output folder: take, compute,
  // save or record the failure, until take() has nothing left.
  void run_tasks(TaskContext& context);

 private:
  void warn(const std::string& message);
  void remove_stale_temporaries();

  const ExperimentSpec& spec_;
  const SweepOptions& options_;
  const Registry& registry_;
  std::vector<ArchConfig> archs_;
  std::vector<TaskId> tasks_;
  std::vector<std::size_t> todo_;
  std::mutex mutex_;
  std::size_t next_ = 0;
  std::size_t done_ = 0;
  SweepOutcome outcome_;
};

// Takes tasks from `take` until it has none, computes each and hands the text of its result
// to `deliver`, or its error message to `fail`: the loop of every worker thread.
void task_loop(const SweepState& state, TaskContext& context,
               const std::function<std::optional<std::size_t>()>& take,
               const std::function<void(std::size_t, const std::string&)>& deliver,
               const std::function<void(std::size_t, const std::string&)>& fail);

}  // namespace xbarsim::detail
