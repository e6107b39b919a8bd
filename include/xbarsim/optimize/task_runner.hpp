#pragma once
// Where the optimizer's evaluations run: threads of this process, or the ranks of an MPI job
// (docs/optimizer.md#parallel-runs-determinism-and-resume). Each task returns a text; the
// runner returns every task's text in task order, on every process, so that every rank follows
// the same search.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xbarsim {

class MpiContext;

class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // `known[i]` non-empty: task i is done already (read back by --resume on the owner); only
  // the others run. `run(i, share)` computes task i with `share` times the threads of one
  // task: when a process has fewer than two tasks per job (a round of one setting over 3
  // trials on 2 jobs), they run one after the other with every job's threads, instead of
  // leaving a job idle in the last wave (results never depend on thread counts); `save(i, text)` is
  // called on the owner for each computed task as soon as its text is there (at once for its own
  // tasks, at the end of the round for those of other ranks).
  virtual std::vector<std::string> run(
      std::vector<std::string> known, const std::function<std::string(std::size_t, int)>& run,
      const std::function<void(std::size_t, const std::string&)>& save) = 0;
  // True on the process that owns the output folder.
  virtual bool owner() const = 0;
  // Runs `step` on every process; when it throws on any, every process throws.
  virtual void collective(const std::function<void()>& step) = 0;
};

// `jobs` threads of this process.
std::unique_ptr<TaskRunner> local_task_runner(int jobs);

// The jobs to run `tasks` tasks on, and the thread share of each (TaskRunner::run).
struct Waves {
  int workers = 1;
  int share = 1;
};
Waves plan_waves(std::size_t tasks, int jobs);

// The ranks of an MPI job, `jobs` threads each: task i runs on rank i mod size. Throws when
// the build has no MPI.
std::unique_ptr<TaskRunner> mpi_task_runner(const MpiContext& mpi, int jobs);

}  // namespace xbarsim
