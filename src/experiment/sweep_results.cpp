// results.h5 and summary.csv of a finished sweep (include/xbarsim/experiment/sweep_results.hpp).
#include "xbarsim/experiment/sweep_results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"
#include "xbarsim/experiment/result_layout.hpp"
#include "xbarsim/io/csv.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/io/text_file.hpp"
#include "xbarsim/system/comparison.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

double t_975(std::int64_t df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return 0;
  if (df <= 30) return table[df - 1];
  return 1.96;
}

TrialStats trial_stats(const std::vector<double>& v) {
  TrialStats s;
  if (v.empty()) return s;
  const double n = static_cast<double>(v.size());
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  if (v.size() < 2) return s;
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(ss / (n - 1));
  s.ci95 = t_975(static_cast<std::int64_t>(v.size()) - 1) * s.std / std::sqrt(n);
  return s;
}

namespace {

// A point's view of its tasks: per-trial accuracy, and trial 0 for energy and counts.
struct PointTasks {
  std::vector<double> accuracy;
  const TaskResult* first = nullptr;
};

std::vector<PointTasks> group_by_point(const ExperimentSpec& spec,
                                       const std::vector<TaskResult>& tasks) {
  std::vector<PointTasks> points(spec.points.size());
  for (const TaskResult& t : tasks) {
    PointTasks& p = points.at(t.id.point);
    if (t.has_accuracy) p.accuracy.push_back(t.accuracy);
    if (t.id.trial == 0) p.first = &t;
  }
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!points[i].first)
      throw Error("sweep results: point " + std::to_string(i) + " has no trial 0");
  return points;
}

std::string summary_csv(const ExperimentSpec& spec, const std::vector<PointTasks>& points) {
  // Every key any point sets, in order of first appearance: a list sweep's points may set
  // different keys (a point that does not set one leaves its cell empty).
  std::vector<std::string> keys;
  for (const SweepPoint& point : spec.points)
    for (const auto& [k, v] : point)
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  std::vector<std::string> header = {"point"};
  header.insert(header.end(), keys.begin(), keys.end());
  if (spec.wants("accuracy"))
    header.insert(header.end(), {"trials", "accuracy_mean", "accuracy_std", "accuracy_ci95_low",
                                 "accuracy_ci95_high"});
  if (spec.wants("energy"))
    header.insert(header.end(), {"energy_j_analog", "energy_j_digital", "latency_s_analog",
                                 "latency_s_digital", "area_m2_analog", "area_m2_digital"});
  std::string csv = csv_record(header);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const PointTasks& p = points[i];
    std::vector<std::string> row = {std::to_string(i)};
    // Axis values as written in the spec: a text value may hold commas (a list of numbers).
    for (const std::string& key : keys) {
      std::string value;
      for (const auto& [k, v] : spec.points[i])
        if (k == key) value = v;
      row.push_back(value);
    }
    if (spec.wants("accuracy")) {
      const TrialStats s = trial_stats(p.accuracy);
      row.insert(row.end(),
                 {std::to_string(p.accuracy.size()), csv_number(s.mean), csv_number(s.std),
                  csv_number(s.mean - s.ci95), csv_number(s.mean + s.ci95)});
    }
    if (spec.wants("energy")) {
      const TaskResult& r = *p.first;
      row.insert(row.end(), {csv_number(r.energy_j_analog), csv_number(r.energy_j_digital),
                             csv_number(r.latency_s_analog), csv_number(r.latency_s_digital),
                             csv_number(r.area_m2_analog), csv_number(r.area_m2_digital)});
    }
    csv += csv_record(row);
  }
  return csv;
}

}  // namespace

std::string summary_csv(const ExperimentSpec& spec, const std::vector<TaskResult>& tasks) {
  return summary_csv(spec, group_by_point(spec, tasks));
}

void write_sweep_results(const ExperimentSpec& spec, const std::vector<ArchConfig>& archs,
                         const std::vector<TaskResult>& tasks, const std::string& out_dir,
                         const std::string& command_line, const Registry& registry) {
  const std::vector<PointTasks> points = group_by_point(spec, tasks);
  std::vector<ResultPoint> stored(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    ResultPoint& p = stored[i];
    p.label = point_label(spec.points[i]);
    p.seed = derive_seed(spec.seed, StreamPurpose::kSweepPoint, {i});
    p.arch = &archs[i];
    // The baseline the tasks compared with (run_task: the default comparison options).
    if (spec.wants("energy") && archs[i].system)
      p.digital = fair_digital_baseline(archs[i], ComparisonOptions{}, registry);
    p.accuracy = points[i].accuracy;
    p.estimate = points[i].first;
  }
  ResultFile out((fs::path(out_dir) / "results.h5").string());
  write_result_header(out, "sweep", command_line, spec.seed, spec.points.size(), spec.trials);
  out.attr("/", "experiment_name", spec.name);
  out.attr("/", "question", spec.question);
  out.attr("/", "experiment_file", spec.file);
  out.attr("/", "quick", static_cast<std::int64_t>(spec.quick ? 1 : 0));
  out.attr("/", "sweep_mode", spec.mode);
  out.attr("/", "dataset", spec.dataset);
  out.attr("/", "limit", spec.limit);
  out.text("/experiment/experiment_yaml", spec.text);
  write_axes(out, spec.points);
  write_points(out, stored);
  write_point_results(out, stored, spec.trials, spec.wants("accuracy"), spec.wants("energy"));
  out.commit();
  write_file_durably((fs::path(out_dir) / "summary.csv").string(), summary_csv(spec, points));
}

}  // namespace xbarsim
