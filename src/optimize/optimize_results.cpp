// The optimizer's results.h5, candidates.csv and allocation.csv (docs/result_format.md#optimize).
#include <filesystem>

#include "xbarsim/experiment/result_layout.hpp"
#include "xbarsim/io/csv.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/io/text_file.hpp"
#include "xbarsim/optimize/knobs.hpp"
#include "xbarsim/optimize/optimize_files.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

namespace {

void write_bound(ResultFile& out, const std::string& g, const AccuracyBound& b) {
  out.attr(g, "images", b.images);
  out.attr(g, "trials", b.trials);
  out.attr(g, "confidence", b.confidence);
  out.dataset(g + "/accuracy_float", {b.accuracy_float}, unit_of_key("accuracy_float"));
  out.dataset(g + "/accuracy_analog", {b.accuracy_analog}, unit_of_key("accuracy_analog"));
  out.dataset(g + "/accuracy_analog_trials", b.accuracy_trials, "1");
  out.dataset(g + "/drop_mean", {b.drop_mean}, "1");
  out.dataset(g + "/drop_std", {b.drop_std}, "1");
  out.dataset(g + "/drop_upper", {b.drop_upper}, "1");
  out.dataset(g + "/accuracy_lower", {b.accuracy_lower()}, "1");
}

std::string num(double v) {
  return csv_number(v);
}

}  // namespace

void write_optimize_results(const OptimizeSetup& s, const OptimizeResult& r,
                            const std::string& dir) {
  const OptimizeOptions& o = s.options;
  const SearchOutcome& so = r.search;
  const std::size_t nc = so.evaluated.size(), nl = s.layers.size(), nk = s.knobs.size();
  const ObjectiveInfo info = objective_info(o.objective);
  std::vector<bool> on_front(nc, false);
  for (std::size_t i : r.pareto) on_front[i] = true;

  ResultFile out((fs::path(dir) / "results.h5").string());
  out.provenance(o.command_line, o.seed);
  out.attr("/", "kind", std::string("optimize"));
  out.attr("/", "arch_file", s.arch.file);
  out.attr("/", "model_file", o.model_file);
  out.attr("/", "objective", o.objective);
  out.attr("/", "objective_key", info.key);
  out.attr("/", "max_accuracy_drop", o.max_drop);
  out.attr("/", "confidence", o.confidence);
  out.attr("/", "trials", o.trials);
  out.attr("/", "search_dataset", s.search.name);
  out.attr("/", "calibration_dataset", s.calibration.name);
  out.attr("/", "test_dataset", s.test.name);
  out.attr("/", "candidates", static_cast<std::int64_t>(nc));
  out.attr("/", "rounds", so.rounds);
  out.attr("/", "feasible", static_cast<std::int64_t>(so.chosen.has_value()));
  out.attr("/", "seconds", r.seconds);
  std::vector<std::string> columns;
  for (const std::string& l : s.layers)
    for (const Knob& k : s.knobs) columns.push_back(l + ":" + k.key);
  out.string_dataset("/layers", s.layers);
  std::vector<std::string> keys;
  std::vector<std::int64_t> lo, hi;
  for (const Knob& k : s.knobs) {
    keys.push_back(k.key);
    lo.push_back(k.lo);
    hi.push_back(k.hi);
  }
  out.string_dataset("/knobs/key", keys);
  out.int_dataset("/knobs/lo", lo, "1");
  out.int_dataset("/knobs/hi", hi, "1");

  // /candidates: one row per evaluated setting, in evaluation order.
  std::vector<double> values, energy, latency, area, objective, acc, acc_trials, drop, drop_std,
      upper, lower;
  std::vector<std::int64_t> feasible, pareto, round;
  std::vector<std::string> stage, label;
  for (std::size_t i = 0; i < nc; ++i) {
    const Candidate& c = so.evaluated[i];
    for (const std::int64_t v : c.setting) values.push_back(static_cast<double>(v));
    energy.push_back(r.costs[i].energy_per_inference_j);
    latency.push_back(r.costs[i].latency_s);
    area.push_back(r.costs[i].area_m2);
    objective.push_back(c.objective);
    acc.push_back(c.bound.accuracy_analog);
    for (const double a : c.bound.accuracy_trials) acc_trials.push_back(a);
    drop.push_back(c.bound.drop_mean);
    drop_std.push_back(c.bound.drop_std);
    upper.push_back(c.bound.drop_upper);
    lower.push_back(c.bound.accuracy_lower());
    feasible.push_back(c.feasible);
    pareto.push_back(on_front[i]);
    round.push_back(c.round);
    stage.push_back(c.stage);
    label.push_back(setting_label(s.layers, s.knobs, c.setting));
  }
  if (nc > 0) {
    out.matrix("/candidates/values", values, nc, nl * nk, "1");
    out.string_dataset("/candidates/columns", columns);
    out.string_dataset("/candidates/label", label);
    out.string_dataset("/candidates/stage", stage);
    out.int_dataset("/candidates/round", round, "1");
    out.dataset("/candidates/energy_per_inference_j", energy, "J");
    out.attr("/candidates/energy_per_inference_j", "per", std::string(kPerInference));
    out.attr("/candidates/energy_per_inference_j", "batch", std::int64_t{1});
    out.dataset("/candidates/latency_s", latency, "s");
    out.dataset("/candidates/area_m2", area, "m^2");
    out.dataset("/candidates/accuracy_analog", acc, "1");
    out.matrix("/candidates/accuracy_analog_trials", acc_trials, nc,
               static_cast<std::size_t>(o.trials), "1");
    out.dataset("/candidates/drop_mean", drop, "1");
    out.dataset("/candidates/drop_std", drop_std, "1");
    out.dataset("/candidates/drop_upper", upper, "1");
    out.dataset("/candidates/accuracy_lower", lower, "1");
    out.int_dataset("/candidates/feasible", feasible, "1");
    out.int_dataset("/candidates/pareto", pareto, "1");
    out.dataset("/candidates/accuracy_float", {so.evaluated[0].bound.accuracy_float}, "1");
  }
  if (so.uniform) out.attr("/result", "uniform_index", static_cast<std::int64_t>(*so.uniform));
  if (so.chosen) {
    const Candidate& c = so.evaluated[*so.chosen];
    const Candidate& u = so.evaluated[*so.uniform];
    out.attr("/result", "chosen_index", static_cast<std::int64_t>(*so.chosen));
    out.attr("/result", "label", setting_label(s.layers, s.knobs, c.setting));
    out.attr("/result", "uniform_label", setting_label(s.layers, s.knobs, u.setting));
    std::vector<double> chosen_values(c.setting.begin(), c.setting.end()),
        uniform_values(u.setting.begin(), u.setting.end());
    out.matrix("/result/values", chosen_values, nl, nk, "1");
    out.matrix("/result/uniform_values", uniform_values, nl, nk, "1");
    out.dataset("/result/objective", {c.objective}, info.unit);
    out.dataset("/result/objective_uniform", {u.objective}, info.unit);
    out.dataset("/result/saving_rel", {relative_saving(c.objective, u.objective)}, "1");
    write_bound(out, "/result/search", c.bound);
    write_bound(out, "/result/search_uniform", u.bound);
    if (r.test) write_bound(out, "/result/test", *r.test);
    out.text("/result/arch_resolved_yaml", r.chosen_arch_yaml);
  }
  out.commit();

  // candidates.csv: every evaluated setting, the Pareto front flagged.
  std::vector<std::string> head = {"index", "stage", "round"};
  for (const std::string& c : columns) head.push_back(c);
  for (const char* h : {"energy_per_inference_j", "latency_s", "area_m2", "objective",
                        "accuracy_float", "accuracy_analog", "drop_mean", "drop_upper",
                        "accuracy_lower", "feasible", "pareto", "uniform_baseline", "chosen"})
    head.push_back(h);
  std::string csv = csv_record(head);
  for (std::size_t i = 0; i < nc; ++i) {
    const Candidate& c = so.evaluated[i];
    std::vector<std::string> f = {std::to_string(i), c.stage, std::to_string(c.round)};
    for (const std::int64_t v : c.setting) f.push_back(std::to_string(v));
    for (const double v :
         {r.costs[i].energy_per_inference_j, r.costs[i].latency_s, r.costs[i].area_m2, c.objective,
          c.bound.accuracy_float, c.bound.accuracy_analog, c.bound.drop_mean, c.bound.drop_upper,
          c.bound.accuracy_lower()})
      f.push_back(num(v));
    f.push_back(c.feasible ? "1" : "0");
    f.push_back(on_front[i] ? "1" : "0");
    f.push_back(so.uniform && *so.uniform == i ? "1" : "0");
    f.push_back(so.chosen && *so.chosen == i ? "1" : "0");
    csv += csv_record(f);
  }
  write_file_durably((fs::path(dir) / "candidates.csv").string(), csv);

  // allocation.csv: per layer and knob, the allocation found and the uniform baseline.
  std::string alloc = csv_record({"layer", "knob", "value", "uniform_value"});
  if (so.chosen)
    for (std::size_t l = 0; l < nl; ++l)
      for (std::size_t k = 0; k < nk; ++k)
        alloc += csv_record({s.layers[l], s.knobs[k].key,
                             std::to_string(so.evaluated[*so.chosen].setting[l * nk + k]),
                             std::to_string(so.evaluated[*so.uniform].setting[l * nk + k])});
  write_file_durably((fs::path(dir) / "allocation.csv").string(), alloc);
}

}  // namespace xbarsim
