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
#include "xbarsim/io/csv.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/io/text_file.hpp"
#include "xbarsim/system/report.hpp"

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

// One dataset per name across the points, 0 where a point lacks the name.
template <typename Items, typename Value>
void write_by_name(ResultFile& out, const std::string& group, const std::vector<PointTasks>& points,
                   Items items, Value value, const std::string& unit) {
  std::map<std::string, std::vector<double>> by;
  for (std::size_t i = 0; i < points.size(); ++i)
    for (const auto& item : items(*points[i].first)) {
      auto& column = by[item.first];
      column.resize(points.size(), 0.0);
      column[i] += value(item);
    }
  for (const auto& [name, column] : by) out.dataset(group + "/" + name, column, unit);
}

void write_provenance(ResultFile& out, const ExperimentSpec& spec,
                      const std::vector<ArchConfig>& archs) {
  out.attr("/", "kind", std::string("sweep"));
  out.attr("/", "experiment_name", spec.name);
  out.attr("/", "question", spec.question);
  out.attr("/", "experiment_file", spec.file);
  out.attr("/", "quick", static_cast<std::int64_t>(spec.quick ? 1 : 0));
  out.attr("/", "sweep_mode", spec.mode);
  out.attr("/", "points", static_cast<std::int64_t>(spec.points.size()));
  out.attr("/", "trials", spec.trials);
  out.attr("/", "dataset", spec.dataset);
  out.attr("/", "limit", spec.limit);
  out.text("/experiment/experiment_yaml", spec.text);
  std::set<std::string> cards;
  for (std::size_t i = 0; i < spec.points.size(); ++i) {
    char g[32];
    std::snprintf(g, sizeof(g), "/points/%05zu", i);
    out.attr(g, "label", point_label(spec.points[i]));
    // The point's stream seed (uint64, as decimal text: HDF5 int64 attributes are signed).
    out.attr(g, "seed", std::to_string(derive_seed(spec.seed, StreamPurpose::kSweepPoint, {i})));
    for (const auto& [k, v] : spec.points[i]) out.attr(g, "axis:" + k, v);
    out.text(std::string(g) + "/arch_resolved_yaml", YAML::Dump(archs[i].resolved));
    const ArchConfig& a = archs[i];
    std::vector<const ComponentConfig*> comps = {&a.tile.device, &a.tile.dac, &a.tile.adc};
    if (a.system)
      for (const ComponentConfig* c :
           {&a.system->sample_hold, &a.system->shift_add, &a.system->input_buffer,
            &a.system->output_buffer, &a.system->global_buffer, &a.system->noc, &a.system->dram,
            &a.system->digital})
        comps.push_back(c);
    for (const ComponentConfig* c : comps) {
      if (c->card_path.empty() || !cards.insert(c->card_path).second) continue;
      std::string key = c->card_path;
      const std::string root = data_dir() + "/cards/";
      if (key.rfind(root, 0) == 0) key = key.substr(root.size());
      std::replace(key.begin(), key.end(), '/', ':');
      out.text("/cards/" + key, YAML::Dump(c->card));
    }
  }
}

void write_accuracy(ResultFile& out, const ExperimentSpec& spec,
                    const std::vector<PointTasks>& points) {
  std::vector<double> all, mean, sd, ci;
  for (const PointTasks& p : points) {
    all.insert(all.end(), p.accuracy.begin(), p.accuracy.end());
    const TrialStats s = trial_stats(p.accuracy);
    mean.push_back(s.mean);
    sd.push_back(s.std);
    ci.push_back(s.ci95);
  }
  out.dataset("/results/accuracy", all, "1");  // row-major points x trials
  out.attr("/results/accuracy", "shape",
           std::to_string(points.size()) + "x" + std::to_string(spec.trials));
  out.dataset("/results/accuracy_mean", mean, "1");
  out.dataset("/results/accuracy_std", sd, "1");
  out.dataset("/results/accuracy_ci95", ci, "1");
}

void write_actions(ResultFile& out, const std::string& side, const std::vector<PointTasks>& points,
                   std::vector<ActionTotal> TaskResult::*member) {
  std::map<std::pair<std::string, std::string>, std::array<std::vector<double>, 2>> by;
  for (std::size_t i = 0; i < points.size(); ++i)
    for (const ActionTotal& a : points[i].first->*member) {
      auto& [count, energy] = by[{a.component, a.action}];
      count.resize(points.size(), 0.0);
      energy.resize(points.size(), 0.0);
      count[i] += a.count;
      energy[i] += a.energy_j;
    }
  for (const auto& [name, columns] : by) {
    const std::string g = "/results/actions/" + side + "/" + name.first + "/" + name.second;
    const auto& [count, energy] = columns;
    std::vector<double> each(count.size(), 0.0);
    for (std::size_t i = 0; i < count.size(); ++i)
      if (count[i] > 0) each[i] = energy[i] / count[i];
    out.dataset(g + "/count", count, "1");
    out.dataset(g + "/energy_j", energy, "J");
    // Mean over the network's layers (a cell read's energy depends on the data it sees).
    out.dataset(g + "/energy_per_action_j", each, "J");
  }
}

void write_energy(ResultFile& out, const std::vector<PointTasks>& points) {
  auto col = [&](double TaskResult::*field) {
    std::vector<double> v;
    for (const PointTasks& p : points) v.push_back(p.first->*field);
    return v;
  };
  out.dataset("/results/images", col(&TaskResult::images), "1");
  out.dataset("/results/energy_j_analog", col(&TaskResult::energy_j_analog), "J");
  out.dataset("/results/energy_j_digital", col(&TaskResult::energy_j_digital), "J");
  out.dataset("/results/latency_s_analog", col(&TaskResult::latency_s_analog), "s");
  out.dataset("/results/latency_s_digital", col(&TaskResult::latency_s_digital), "s");
  out.dataset("/results/area_m2_analog", col(&TaskResult::area_m2_analog), "m^2");
  out.dataset("/results/area_m2_digital", col(&TaskResult::area_m2_digital), "m^2");
  out.dataset("/results/setup_energy_j_analog", col(&TaskResult::setup_energy_j_analog), "J");
  out.dataset("/results/setup_energy_j_digital", col(&TaskResult::setup_energy_j_digital), "J");
  out.dataset("/results/peak_power_w_analog", col(&TaskResult::peak_power_w_analog), "W");
  out.dataset("/results/peak_power_w_digital", col(&TaskResult::peak_power_w_digital), "W");
  // Energy split the way an architect reads it (docs/energy_model.md#categories).
  for (const char* side : {"analog", "digital"})
    for (EnergyCategory c :
         {EnergyCategory::kCompute, EnergyCategory::kOnChipMovement, EnergyCategory::kDram}) {
      std::vector<double> v;
      for (const PointTasks& p : points) {
        const auto& breakdown = std::string(side) == "analog" ? p.first->energy_breakdown_analog
                                                              : p.first->energy_breakdown_digital;
        double e = 0;
        for (const auto& [component, j] : breakdown)
          if (energy_category(component) == c) e += j;
        v.push_back(e);
      }
      out.dataset("/results/energy_j_by_category_" + std::string(side) + "/" + to_string(c), v,
                  "J");
    }
  const auto pair_value = [](const std::pair<std::string, double>& p) { return p.second; };
  write_by_name(
      out, "/results/energy_breakdown_analog", points,
      [](const TaskResult& t) { return t.energy_breakdown_analog; }, pair_value, "J");
  write_by_name(
      out, "/results/energy_breakdown_digital", points,
      [](const TaskResult& t) { return t.energy_breakdown_digital; }, pair_value, "J");
  write_actions(out, "analog", points, &TaskResult::actions_analog);
  write_actions(out, "digital", points, &TaskResult::actions_digital);
}

std::string summary_csv(const ExperimentSpec& spec, const std::vector<PointTasks>& points) {
  std::vector<std::string> header = {"point"};
  for (const auto& [k, v] : spec.points.front()) header.push_back(k);
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
    for (const auto& [k, v] : spec.points[i]) row.push_back(v);
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
                         const std::string& command_line) {
  const std::vector<PointTasks> points = group_by_point(spec, tasks);
  ResultFile out((fs::path(out_dir) / "results.h5").string());
  out.provenance(command_line, spec.seed);
  write_provenance(out, spec, archs);
  if (spec.wants("accuracy")) write_accuracy(out, spec, points);
  if (spec.wants("energy")) write_energy(out, points);
  const auto pair_value = [](const std::pair<std::string, double>& p) { return p.second; };
  write_by_name(
      out, "/results/counts", points, [](const TaskResult& t) { return t.counts; }, pair_value,
      "1");
  out.commit();
  write_file_durably((fs::path(out_dir) / "summary.csv").string(), summary_csv(spec, points));
}

}  // namespace xbarsim
