#pragma once
// Computes one sweep task: a point's accuracy in one Monte-Carlo trial and, in its trial 0,
// the point's energy, latency and area (docs/experiments.md).
#include <memory>
#include <mutex>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/experiment/experiment_spec.hpp"
#include "xbarsim/experiment/task_result.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/system/comparison.hpp"

namespace xbarsim {

// What the tasks of one process share: the evaluation and calibration images, read once
// (thread-safe). Everything else a task needs it builds itself, so that its result depends
// only on the spec, the point and the trial, never on which thread or rank ran it.
class TaskContext {
 public:
  explicit TaskContext(const ExperimentSpec& spec) : spec_(spec) {}
  const Dataset& test_images();
  const Dataset& calibration_images();

 private:
  void load();
  const ExperimentSpec& spec_;
  std::mutex mutex_;
  bool loaded_ = false;
  Dataset test_, calibration_;
};

// Puts a comparison's figures into `r` (has_energy, images = the batch priced, energy,
// latency, area, one-time load, peak power, the per-component and per-action lines summed over
// the layers): what a sweep stores of a point, and an eval run of its one point.
void record_estimate(TaskResult& r, const Comparison& cmp);

// Throws on any failure (a model file that does not load, a configuration error that only
// shows when the point runs); the sweep records it as a failed task.
TaskResult run_task(const ExperimentSpec& spec, TaskId id, const ArchConfig& arch,
                    const Registry& registry, TaskContext& context);

}  // namespace xbarsim
