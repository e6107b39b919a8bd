#pragma once
// The results of a finished sweep: DIR/results.h5 and DIR/summary.csv (schema in
// docs/result_format.md#hdf5), assembled from the task results.
#include <cstdint>
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/experiment/experiment_spec.hpp"
#include "xbarsim/experiment/task_result.hpp"

namespace xbarsim {

// Two-sided 95 % Student t quantile t_{0.975, df}: table for df <= 30, 1.96 above.
double t_975(std::int64_t df);

// Mean, sample standard deviation and half-width of the 95 % confidence interval of the mean
// over Monte-Carlo trials (std and ci95 are 0 for one trial).
struct TrialStats {
  double mean = 0, std = 0, ci95 = 0;
};
TrialStats trial_stats(const std::vector<double>& values);

// DIR/summary.csv: one row per point, its axis values and the summary statistics, in RFC 4180
// CSV with numbers in their shortest round-trip form (docs/experiments.md#summary-csv).
std::string summary_csv(const ExperimentSpec& spec, const std::vector<TaskResult>& tasks);

// `tasks` holds every task of sweep_tasks(spec), in that order. Both files are written to a
// temporary name and renamed, so a crash never leaves a half-written result. `registry` loads
// the digital baseline each point was compared with, to store it with the point.
void write_sweep_results(const ExperimentSpec& spec, const std::vector<ArchConfig>& archs,
                         const std::vector<TaskResult>& tasks, const std::string& out_dir,
                         const std::string& command_line, const Registry& registry);

}  // namespace xbarsim
