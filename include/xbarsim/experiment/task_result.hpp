#pragma once
// The unit of work of a sweep: one point and one Monte-Carlo trial (a task), its result, and
// its durable file DIR/tasks/point_PPPPP_trial_TTTT.yaml (docs/experiments.md).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "xbarsim/experiment/experiment_spec.hpp"

namespace xbarsim {

struct TaskId {
  std::size_t point = 0;
  std::size_t trial = 0;
};

// The tasks of a spec, point-major. With the accuracy metric every trial is a task; an
// energy-only sweep has one task per point, since a shape-only estimate has no randomness.
std::vector<TaskId> sweep_tasks(const ExperimentSpec& spec);

// One (component, action) line of a system report, summed over the layers of the network.
struct ActionTotal {
  std::string component;
  std::string action;
  double count = 0;
  double energy_j = 0;
};

struct TaskResult {
  TaskId id;
  std::string key;  // what was computed; checked on --resume
  bool has_accuracy = false;
  double accuracy = 0;
  // The point's system estimate, carried by its trial 0 only (it prices trial 0's counts).
  bool has_energy = false;
  double images = 0;  // inferences priced
  double energy_j_analog = 0, energy_j_digital = 0;
  double latency_s_analog = 0, latency_s_digital = 0;
  double area_m2_analog = 0, area_m2_digital = 0;
  double setup_energy_j_analog = 0, setup_energy_j_digital = 0;         // one-time weight load
  double peak_power_w_analog = 0, peak_power_w_digital = 0;             // whole chip, full activity
  std::vector<std::pair<std::string, double>> energy_breakdown_analog;  // component, J
  std::vector<std::pair<std::string, double>> energy_breakdown_digital;  // component, J
  std::vector<ActionTotal> actions_analog, actions_digital;
  std::vector<std::pair<std::string, double>> counts;  // engine action counts of the trial
};

// The key a task file must carry to be reused by --resume: everything that determines the
// task's result (the point, the spec's overrides, arch, model, data, seed, metrics and the
// trial), but not the number of trials, so that a resumed sweep may add trials.
std::string task_key(const ExperimentSpec& spec, TaskId id);

std::string task_file(const std::string& out_dir, TaskId id);
// The task as YAML text, its numbers printed to 17 significant digits so they read back
// exactly, ending with `complete: true` and a checksum line over everything before it. The same
// text is the task file and the message a rank sends under MPI.
std::string format_task(const TaskResult& r);
// Throws IoError naming `source` when the text is not a complete task: torn (cut anywhere),
// garbled (checksum mismatch) or not a task at all.
TaskResult parse_task(const std::string& text, const std::string& source);
// Atomic and durable (write_file_durably).
void write_task_file(const std::string& out_dir, TaskId id, const std::string& text);
TaskResult read_task_file(const std::string& out_dir, TaskId id);

// A task that threw: DIR/failed/point_PPPPP_trial_TTTT.yaml holds the message, the point's
// axis values and its resolved configuration, so that it can be reproduced alone.
struct TaskFailure {
  TaskId id;
  std::string message;
};
std::string failure_file(const std::string& out_dir, TaskId id);
void write_failure_file(const std::string& out_dir, const TaskFailure& failure,
                        const std::string& label, const std::string& resolved_config_yaml);
// True when `path` is a regular file that write_failure_file wrote (its first line is the
// marker every report starts with): the only files a sweep removes from DIR/failed/.
bool is_own_failure_file(const std::string& path);

// The manifest that marks a folder as a sweep's own: DIR/.xbarsim-sweep. A sweep writes into
// a folder only when it holds this file or is empty (then it writes the manifest first).
std::string sweep_manifest_file(const std::string& out_dir);
// Makes `out_dir` a sweep folder for `experiment_name` or throws IoError naming it: it may not
// exist (it is created), be empty, or hold the manifest; anything else is refused.
void claim_sweep_folder(const std::string& out_dir, const std::string& experiment_name);

}  // namespace xbarsim
