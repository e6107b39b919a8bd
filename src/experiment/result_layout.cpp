// The HDF5 result layout shared by sweep and eval (include/xbarsim/experiment/result_layout.hpp).
#include "xbarsim/experiment/result_layout.hpp"

#include <algorithm>
#include <optional>
#include <array>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "xbarsim/core/error.hpp"
#include "xbarsim/experiment/run_task.hpp"
#include "xbarsim/experiment/sweep_results.hpp"
#include "xbarsim/io/json.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/report.hpp"
#include "xbarsim/system/report_json.hpp"

namespace xbarsim {

namespace {

std::string point_group(std::size_t i) {
  char g[32];
  std::snprintf(g, sizeof(g), "/points/%05zu", i);
  return g;
}

// ---- /axes ----

enum class AxisType { kInt, kFloat, kText };

// How the YAML 1.2 core schema reads a plain scalar as written in the spec: an integer that
// fits int64, another number, or text (booleans, null and anything else).
AxisType scalar_type(const std::string& value) {
  const Json j = yaml_to_json(YAML::Node(value));
  if (j.is_number_integer() &&
      !(j.is_number_unsigned() &&
        j.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
    return AxisType::kInt;
  if (j.is_number()) return AxisType::kFloat;
  return AxisType::kText;
}

// Names a swap of the architecture, model or workload: a file or shipped name, text even
// when it looks like a number (an architecture named 12).
bool is_special_axis(const std::string& path) {
  return path == "arch" || path == "model" || path == "workload";
}

// ---- /points and /cards ----

void collect_cards(const ArchConfig& a, std::vector<const ComponentConfig*>& out) {
  for (const ComponentConfig* c : {&a.tile.device, &a.tile.dac, &a.tile.adc}) out.push_back(c);
  if (a.system) {
    const SystemConfig& s = *a.system;
    for (const ComponentConfig* c :
         {&s.sample_hold, &s.shift_add, &s.input_buffer, &s.output_buffer, &s.global_buffer, &s.noc,
          &s.dram, &s.digital})
      out.push_back(c);
    if (s.tile_buffer) out.push_back(&*s.tile_buffer);
    if (s.bus) out.push_back(&*s.bus);
  }
  // A layer's own tile may use other cards (tile.adc.card swapped for one layer).
  for (const auto& [name, layer] : a.layers)
    if (layer) collect_cards(*layer, out);
}

void collect_cards(const DigitalBaseline& d, std::vector<const ComponentConfig*>& out) {
  for (const DigitalComponent* c :
       {&d.mac, &d.logic, &d.register_file, &d.global_buffer, &d.weight_buffer, &d.noc, &d.dram})
    if (c->present()) out.push_back(&c->config);
}

// /cards/<path under data/cards, '/' as ':'>; a card outside data/cards keeps its whole path.
std::string card_key(const std::string& card_path) {
  std::string key = card_path;
  // A binary with no data folder (cards all given by path) still writes its results.
  if (const std::optional<std::string> data = find_data_dir()) {
    const std::string root = *data + "/cards/";
    if (key.rfind(root, 0) == 0) key = key.substr(root.size());
  }
  std::replace(key.begin(), key.end(), '/', ':');
  return key;
}

// ---- /results ----

// A dataset of one value per point, its unit from `key` (unit_of_key); an energy also says
// what it is per and the batch size of the point's run.
struct Quantity {
  ResultFile& out;
  std::int64_t batch;
  void write(const std::string& path, const std::string& key, const std::vector<double>& values,
             const char* per = kPerBatch) const {
    const std::string unit = unit_of_key(key);
    out.dataset(path, values, unit);
    if (unit == "J") {
      out.attr(path, "per", std::string(per));
      out.attr(path, "batch", batch);
    }
  }
};

// One column per name across the points, 0 where a point lacks the name.
std::map<std::string, std::vector<double>> columns_by_name(
    const std::vector<ResultPoint>& points,
    const std::vector<std::pair<std::string, double>> TaskResult::*member) {
  std::map<std::string, std::vector<double>> by;
  for (std::size_t i = 0; i < points.size(); ++i)
    for (const auto& [name, value] : points[i].estimate->*member) {
      auto& column = by[name];
      column.resize(points.size(), 0.0);
      column[i] += value;
    }
  return by;
}

std::vector<double> column(const std::vector<ResultPoint>& points, double TaskResult::*field) {
  std::vector<double> v;
  for (const ResultPoint& p : points) v.push_back(p.estimate->*field);
  return v;
}

void write_accuracy(ResultFile& out, const std::vector<ResultPoint>& points, std::int64_t trials) {
  std::vector<double> all, mean, sd, ci;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::vector<double>& a = points[i].accuracy;
    if (static_cast<std::int64_t>(a.size()) != trials)
      throw Error("result file: point " + std::to_string(i) + " has " + std::to_string(a.size()) +
                  " accuracies, expected one per trial (" + std::to_string(trials) + ")");
    all.insert(all.end(), a.begin(), a.end());
    const TrialStats s = trial_stats(a);
    mean.push_back(s.mean);
    sd.push_back(s.std);
    ci.push_back(s.ci95);
  }
  out.matrix("/results/accuracy", all, points.size(), static_cast<std::size_t>(trials),
             unit_of_key("accuracy"));
  out.dataset("/results/accuracy_mean", mean, unit_of_key("accuracy_mean"));
  out.dataset("/results/accuracy_std", sd, unit_of_key("accuracy_std"));
  out.dataset("/results/accuracy_ci95", ci, unit_of_key("accuracy_ci95"));
}

void write_actions(const Quantity& q, const std::string& side,
                   const std::vector<ResultPoint>& points,
                   std::vector<ActionTotal> TaskResult::*member) {
  std::map<std::pair<std::string, std::string>, std::array<std::vector<double>, 2>> by;
  for (std::size_t i = 0; i < points.size(); ++i)
    for (const ActionTotal& a : points[i].estimate->*member) {
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
    q.write(g + "/count", "count", count);
    q.write(g + "/energy_j", "energy_j", energy);
    // Mean over the network's layers (a cell read's energy depends on the data it sees).
    q.write(g + "/energy_per_action_j", "energy_per_action_j", each, kPerAction);
  }
}

void write_energy(const Quantity& q, const std::vector<ResultPoint>& points) {
  for (const char* side_name : {"analog", "digital"}) {
    const std::string side = side_name;
    const bool analog = side == "analog";
    const auto pick = [&](double TaskResult::*a, double TaskResult::*d) {
      return column(points, analog ? a : d);
    };
    const std::vector<double> energy =
        pick(&TaskResult::energy_j_analog, &TaskResult::energy_j_digital);
    std::vector<double> per_inference;
    for (double e : energy) per_inference.push_back(e / static_cast<double>(q.batch));
    q.write("/results/energy_j_" + side, "energy_j", energy);
    q.write("/results/energy_per_inference_j_" + side, "energy_per_inference_j", per_inference,
            kPerInference);
    q.write("/results/latency_s_" + side, "latency_s",
            pick(&TaskResult::latency_s_analog, &TaskResult::latency_s_digital));
    q.write("/results/area_m2_" + side, "area_m2",
            pick(&TaskResult::area_m2_analog, &TaskResult::area_m2_digital));
    q.write("/results/setup_energy_j_" + side, "setup_energy_j",
            pick(&TaskResult::setup_energy_j_analog, &TaskResult::setup_energy_j_digital),
            kPerWeightLoad);
    q.write("/results/peak_power_w_" + side, "peak_power_w",
            pick(&TaskResult::peak_power_w_analog, &TaskResult::peak_power_w_digital));
    const auto breakdown = columns_by_name(points, analog ? &TaskResult::energy_breakdown_analog
                                                          : &TaskResult::energy_breakdown_digital);
    // Energy split the way an architect reads it (docs/energy_model.md#categories).
    const std::string by_category = "energy_j_by_category_" + side;
    for (EnergyCategory c :
         {EnergyCategory::kCompute, EnergyCategory::kOnChipMovement, EnergyCategory::kDram}) {
      std::vector<double> v(points.size(), 0.0);
      for (const auto& [component, values] : breakdown)
        if (energy_category(component) == c)
          for (std::size_t i = 0; i < v.size(); ++i) v[i] += values[i];
      q.write("/results/" + by_category + "/" + to_string(c), by_category, v);
    }
    const std::string by_component = "energy_j_by_component_" + side;
    for (const auto& [component, values] : breakdown)
      q.write("/results/" + by_component + "/" + component, by_component, values);
    write_actions(q, side, points,
                  analog ? &TaskResult::actions_analog : &TaskResult::actions_digital);
  }
}

}  // namespace

void write_result_header(ResultFile& out, const std::string& kind, const std::string& command_line,
                         std::uint64_t master_seed, std::size_t points, std::int64_t trials) {
  out.provenance(command_line, master_seed);
  out.attr("/", "kind", kind);
  out.attr("/", "points", static_cast<std::int64_t>(points));
  out.attr("/", "trials", trials);
}

void write_axes(ResultFile& out, const std::vector<SweepPoint>& points) {
  std::vector<std::string> order;  // first appearance: the sweep's own order
  for (const SweepPoint& p : points)
    for (const auto& [path, value] : p)
      if (std::find(order.begin(), order.end(), path) == order.end()) order.push_back(path);
  out.attr("/axes", "axes", static_cast<std::int64_t>(order.size()));
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::string& path = order[k];
    std::vector<std::string> text;
    bool everywhere = true;
    AxisType type = is_special_axis(path) ? AxisType::kText : AxisType::kInt;
    for (const SweepPoint& p : points) {
      const auto it =
          std::find_if(p.begin(), p.end(), [&](const auto& kv) { return kv.first == path; });
      everywhere = everywhere && it != p.end();
      text.push_back(it != p.end() ? it->second : std::string());
      if (it != p.end()) type = std::max(type, scalar_type(it->second));
    }
    // A list sweep may leave an axis at its default at some points; the file does not know
    // that value, so such an axis is text with "" there, never a made-up number.
    if (!everywhere) type = AxisType::kText;
    std::string name = path;
    std::replace(name.begin(), name.end(), '/', ':');
    const std::string d = "/axes/" + name;
    if (type == AxisType::kInt) {
      std::vector<std::int64_t> v;
      for (const std::string& t : text)
        v.push_back(yaml_to_json(YAML::Node(t)).get<std::int64_t>());
      out.int_dataset(d, v, unit_of_key(path));
    } else if (type == AxisType::kFloat) {
      std::vector<double> v;
      for (const std::string& t : text) v.push_back(yaml_to_json(YAML::Node(t)).get<double>());
      out.dataset(d, v, unit_of_key(path));
    } else {
      out.string_dataset(d, text);
    }
    out.attr(d, "path", path);
    out.attr(d, "position", static_cast<std::int64_t>(k));
  }
}

void write_points(ResultFile& out, const std::vector<ResultPoint>& points) {
  std::set<std::string> cards;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const ResultPoint& p = points[i];
    const std::string g = point_group(i);
    out.attr(g, "label", p.label);
    // As decimal text: HDF5 int64 attributes are signed, the seed is a uint64.
    out.attr(g, "seed", std::to_string(p.seed));
    out.text(g + "/arch_resolved_yaml", YAML::Dump(p.arch->resolved));
    std::vector<const ComponentConfig*> used;
    collect_cards(*p.arch, used);
    if (p.digital) {
      out.attr(g, "digital_file", p.digital->file);
      out.text(g + "/digital_resolved_yaml", YAML::Dump(p.digital->resolved));
      collect_cards(*p.digital, used);
    }
    for (const ComponentConfig* c : used)
      if (!c->card_path.empty() && cards.insert(c->card_path).second)
        out.text("/cards/" + card_key(c->card_path), YAML::Dump(c->card));
  }
}

void write_point_results(ResultFile& out, const std::vector<ResultPoint>& points,
                         std::int64_t trials, bool accuracy, bool energy) {
  if (points.empty()) return;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!points[i].estimate)
      throw Error("result file: point " + std::to_string(i) + " has no trial 0");
  const std::vector<double> images = column(points, &TaskResult::images);
  // Every point runs the same images (or prices one inference), so one batch size holds for
  // the whole file. Only task files of an earlier xbarsim, which did not record the images of
  // an accuracy-only task, can make them differ.
  for (std::size_t i = 0; i < images.size(); ++i)
    if (images[i] != images.front())
      throw Error("result file: point " + std::to_string(i) + " ran " +
                  std::to_string(static_cast<long long>(images[i])) + " inferences, point 0 " +
                  std::to_string(static_cast<long long>(images.front())) +
                  "; task files of an earlier xbarsim may lack their images: rerun the sweep "
                  "without --resume");
  const Quantity q{out, static_cast<std::int64_t>(images.front())};
  if (accuracy) write_accuracy(out, points, trials);
  q.write("/results/images", "images", images);
  if (energy) write_energy(q, points);
  for (const auto& [name, values] : columns_by_name(points, &TaskResult::counts))
    q.write("/results/counts/" + name, name, values);
}

void write_eval_results(ResultFile& out, const EvalResult& r, const ArchConfig& arch,
                        const std::string& model_file, const std::string& command_line,
                        const Registry& registry) {
  TaskResult estimate;
  estimate.images = static_cast<double>(r.images);
  if (r.comparison) record_estimate(estimate, *r.comparison);
  std::map<std::string, double> summed;
  for (const auto& [layer, counts] : r.crossbar_counts)
    for (const auto& [k, v] : counts.items()) summed[k] += v;
  estimate.counts.assign(summed.begin(), summed.end());

  ResultPoint point;
  point.seed = r.settings.seed;
  point.arch = &arch;
  if (r.comparison) point.digital = fair_digital_baseline(arch, r.settings.comparison, registry);
  point.accuracy = r.accuracy_analog;
  point.estimate = &estimate;

  write_result_header(out, "eval", command_line, r.settings.seed, 1, r.settings.trials);
  out.attr("/", "model_file", model_file);
  out.attr("/", "dataset", r.dataset);
  out.attr("/", "images", static_cast<std::int64_t>(r.images));
  // Which images calibrated the activation and ADC ranges (docs/reliability.md).
  out.attr("/", "calibration_dataset", r.calibration_dataset);
  out.attr("/", "calibration_images", static_cast<std::int64_t>(r.calibration_images));
  std::string joined;
  for (const std::string& w : r.warnings) joined += (joined.empty() ? "" : "\n") + w;
  out.attr("/", "warnings", joined);
  out.attr("/", "inferences_per_load", r.settings.comparison.inferences_per_load);
  write_axes(out, {});
  write_points(out, {point});
  write_point_results(out, {point}, r.settings.trials, true, r.comparison.has_value());
  // Eval only: the references and the per-layer counts, which a sweep does not compute.
  out.dataset("/results/accuracy_float", {r.accuracy_float}, unit_of_key("accuracy_float"));
  out.dataset("/results/accuracy_int8", {r.accuracy_int8}, unit_of_key("accuracy_int8"));
  const Quantity q{out, static_cast<std::int64_t>(r.images)};
  for (const auto& [layer, counts] : r.crossbar_counts)
    for (const auto& [k, v] : counts.items())
      q.write("/results/counts_by_layer/" + layer + "/" + k, k, {v});
  if (r.comparison) {
    out.text("/reports/analog_json", dump_json(report_json(r.comparison->analog)));
    out.text("/reports/digital_json", dump_json(report_json(r.comparison->digital)));
  }
}

}  // namespace xbarsim
