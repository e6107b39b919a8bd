// Experiment specs and the sweep runner (docs/experiments.md).
#include "xbarsim/experiment/experiment.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <thread>

#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/forward.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/system/analog_system.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

bool ExperimentSpec::wants(const std::string& metric) const {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

namespace {

std::string scalar(const YAML::Node& n, const std::string& file, const std::string& key) {
  if (!n.IsScalar()) throw ConfigError(file, key, "expected a scalar");
  return n.Scalar();
}

template <typename T>
T as(const YAML::Node& n, const std::string& file, const std::string& key) {
  if (!n.IsScalar()) throw ConfigError(file, key, "expected a scalar");
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    throw ConfigError(file, key, "cannot read '" + n.Scalar() + "' as a number");
  }
}

std::vector<std::string> scalar_list(const YAML::Node& n, const std::string& file,
                                     const std::string& key) {
  if (!n.IsSequence() || n.size() == 0) throw ConfigError(file, key, "expected a non-empty list");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n.size(); ++i)
    out.push_back(scalar(n[i], file, key + "[" + std::to_string(i) + "]"));
  return out;
}

// A path relative to the spec file when it names an existing file there.
std::string relative_to(const std::string& spec_file, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  const fs::path candidate = fs::path(spec_file).parent_path() / p;
  return fs::exists(candidate) ? candidate.lexically_normal().string() : p;
}

std::string resolve_arch(const std::string& spec_file, const std::string& arch) {
  const std::string rel = relative_to(spec_file, arch);
  if (fs::exists(rel) || arch.find('/') != std::string::npos ||
      arch.find(".yaml") != std::string::npos)
    return rel;
  return data_dir() + "/arch/" + arch + ".yaml";
}

std::string resolve_workload(const std::string& spec_file, const std::string& w) {
  const std::string rel = relative_to(spec_file, w);
  if (fs::exists(rel) || w.find('/') != std::string::npos || w.find(".yaml") != std::string::npos)
    return rel;
  return data_dir() + "/workloads/" + w + ".yaml";
}

std::string resolve_model(const std::string& spec_file, const std::string& m) {
  const std::string rel = relative_to(spec_file, m);
  if (fs::exists(rel) || m.find('/') != std::string::npos) return rel;
  return data_dir() + "/models/" + m;
}

std::vector<SweepAxis> read_axes(const YAML::Node& n, const std::string& file,
                                 const std::string& key) {
  if (!n.IsSequence() || n.size() == 0) throw ConfigError(file, key, "expected a non-empty list");
  std::vector<SweepAxis> axes;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string k = key + "[" + std::to_string(i) + "]";
    if (!n[i].IsMap()) throw ConfigError(file, k, "expected {path: ..., values: [...]}");
    check_keys(n[i], {"path", "values"}, file, k);
    if (!n[i]["path"]) throw ConfigError(file, k + ".path", "missing");
    if (!n[i]["values"]) throw ConfigError(file, k + ".values", "missing");
    axes.push_back({scalar(n[i]["path"], file, k + ".path"),
                    scalar_list(n[i]["values"], file, k + ".values")});
  }
  return axes;
}

}  // namespace

ExperimentSpec load_experiment(const std::string& path, bool quick) {
  ExperimentSpec s;
  s.file = path;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path, "cannot read the experiment file");
    std::ostringstream ss;
    ss << in.rdbuf();
    s.text = ss.str();
  }
  const YAML::Node root = load_yaml_file(path);
  if (!root.IsMap()) throw ConfigError(path, "", "expected a mapping at the top level");
  check_keys(
      root,
      {"name", "question", "arch", "model", "workload", "dataset", "limit", "calibration_images",
       "batch", "quick", "overrides", "sweep", "trials", "held_constant", "seed", "metrics"},
      path, "");
  for (const char* k : {"name", "question", "arch", "sweep"})
    if (!root[k]) throw ConfigError(path, k, "missing");
  s.name = scalar(root["name"], path, "name");
  s.question = scalar(root["question"], path, "question");
  s.arch = scalar(root["arch"], path, "arch");
  if (root["model"]) s.model = scalar(root["model"], path, "model");
  if (root["workload"]) s.workload = scalar(root["workload"], path, "workload");
  if (root["dataset"]) s.dataset = scalar(root["dataset"], path, "dataset");
  if (root["limit"]) s.limit = as<std::int64_t>(root["limit"], path, "limit");
  if (root["calibration_images"])
    s.calibration_images = as<std::int64_t>(root["calibration_images"], path, "calibration_images");
  if (root["batch"]) s.batch = as<std::int64_t>(root["batch"], path, "batch");
  if (root["trials"]) s.trials = as<std::int64_t>(root["trials"], path, "trials");
  if (root["seed"]) s.seed = as<std::uint64_t>(root["seed"], path, "seed");
  if (s.limit < 0) throw ConfigError(path, "limit", "must be >= 0");
  if (s.trials < 1) throw ConfigError(path, "trials", "must be >= 1");
  if (s.batch < 1) throw ConfigError(path, "batch", "must be >= 1");
  if (s.calibration_images < 1) throw ConfigError(path, "calibration_images", "must be >= 1");
  if (root["overrides"]) {
    const auto list = scalar_list(root["overrides"], path, "overrides");
    try {
      s.overrides = parse_overrides(list);
    } catch (const Error& e) {
      throw ConfigError(path, "overrides", e.what());
    }
  }
  if (root["held_constant"])
    s.held_constant = scalar_list(root["held_constant"], path, "held_constant");
  s.metrics = root["metrics"] ? scalar_list(root["metrics"], path, "metrics")
                              : std::vector<std::string>{"accuracy", "energy"};
  for (const auto& m : s.metrics)
    if (m != "accuracy" && m != "energy")
      throw ConfigError(path, "metrics", "unknown metric '" + m + "' (accuracy, energy)");

  // Sweep.
  const YAML::Node sw = root["sweep"];
  if (!sw.IsMap()) throw ConfigError(path, "sweep", "expected a mapping");
  check_keys(sw, {"mode", "axes", "points"}, path, "sweep");
  if (sw["mode"]) s.mode = scalar(sw["mode"], path, "sweep.mode");
  if (s.mode != "grid" && s.mode != "zip" && s.mode != "list")
    throw ConfigError(path, "sweep.mode", "expected grid, zip or list, not '" + s.mode + "'");
  if (s.mode == "list") {
    if (sw["axes"]) throw ConfigError(path, "sweep.axes", "list mode takes points, not axes");
    const YAML::Node pts = sw["points"];
    if (!pts || !pts.IsSequence() || pts.size() == 0)
      throw ConfigError(path, "sweep.points", "expected a non-empty list of {path: value}");
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const std::string k = "sweep.points[" + std::to_string(i) + "]";
      if (!pts[i].IsMap()) throw ConfigError(path, k, "expected a mapping path: value");
      SweepPoint p;
      for (const auto& kv : pts[i])
        p.emplace_back(kv.first.Scalar(), scalar(kv.second, path, k + "." + kv.first.Scalar()));
      s.points.push_back(std::move(p));
    }
  } else {
    if (sw["points"])
      throw ConfigError(path, "sweep.points", s.mode + " mode takes axes, not points");
    if (!sw["axes"]) throw ConfigError(path, "sweep.axes", "missing");
    s.axes = read_axes(sw["axes"], path, "sweep.axes");
  }

  // Quick mode.
  if (root["quick"]) {
    const YAML::Node q = root["quick"];
    if (!q.IsMap()) throw ConfigError(path, "quick", "expected a mapping");
    check_keys(q, {"limit", "trials", "calibration_images", "axes"}, path, "quick");
    if (quick) {
      s.quick = true;
      if (q["limit"]) s.limit = as<std::int64_t>(q["limit"], path, "quick.limit");
      if (q["trials"]) s.trials = as<std::int64_t>(q["trials"], path, "quick.trials");
      if (q["calibration_images"])
        s.calibration_images =
            as<std::int64_t>(q["calibration_images"], path, "quick.calibration_images");
      if (s.trials < 1) throw ConfigError(path, "quick.trials", "must be >= 1");
    }
    if (q["axes"]) {
      if (s.mode == "list") throw ConfigError(path, "quick.axes", "not available in list mode");
      for (const SweepAxis& qa : read_axes(q["axes"], path, "quick.axes")) {
        auto it = std::find_if(s.axes.begin(), s.axes.end(),
                               [&](const SweepAxis& a) { return a.path == qa.path; });
        if (it == s.axes.end())
          throw ConfigError(path, "quick.axes", "'" + qa.path + "' is not a sweep axis");
        if (quick) it->values = qa.values;
      }
    }
  } else if (quick) {
    s.quick = true;
  }

  // Axis checks and expansion.
  std::set<std::string> seen;
  for (const SweepAxis& a : s.axes)
    if (!seen.insert(a.path).second)
      throw ConfigError(path, "sweep.axes", "axis '" + a.path + "' given twice");
  if (s.mode == "zip") {
    for (const SweepAxis& a : s.axes)
      if (a.values.size() != s.axes.front().values.size())
        throw ConfigError(path, "sweep.axes",
                          "zip mode needs axes of equal length ('" + a.path + "' has " +
                              std::to_string(a.values.size()) + ", '" + s.axes.front().path +
                              "' has " + std::to_string(s.axes.front().values.size()) + ")");
    for (std::size_t i = 0; i < s.axes.front().values.size(); ++i) {
      SweepPoint p;
      for (const SweepAxis& a : s.axes) p.emplace_back(a.path, a.values[i]);
      s.points.push_back(std::move(p));
    }
  } else if (s.mode == "grid") {
    s.points.push_back({});
    for (const SweepAxis& a : s.axes) {  // first axis varies slowest
      std::vector<SweepPoint> next;
      for (const SweepPoint& p : s.points)
        for (const std::string& v : a.values) {
          SweepPoint q = p;
          q.emplace_back(a.path, v);
          next.push_back(std::move(q));
        }
      s.points = std::move(next);
    }
  }
  // Held-constant paths: no axis may touch them (the path itself, a parent or a child).
  for (const std::string& h : s.held_constant)
    for (const SweepPoint& p : s.points)
      for (const auto& [k, v] : p) {
        const bool touches = k == h || k.rfind(h + ".", 0) == 0 || h.rfind(k + ".", 0) == 0;
        if (touches)
          throw ConfigError(path, "held_constant",
                            "'" + h + "' is held constant but the sweep sets '" + k + "'");
      }
  if (s.model.empty() && s.workload.empty()) {
    bool swept = false;
    for (const auto& [k, v] : s.points.front()) swept |= k == "model" || k == "workload";
    if (!swept) throw ConfigError(path, "model", "give a model or a workload");
  }
  return s;
}

PointSetup point_setup(const ExperimentSpec& spec, std::size_t point) {
  PointSetup ps;
  std::string arch = spec.arch;
  ps.model = spec.model;
  ps.workload = spec.workload;
  ps.overrides = spec.overrides;
  for (const auto& [k, v] : spec.points.at(point)) {
    if (k == "arch") {
      arch = v;
    } else if (k == "model") {
      ps.model = v;
      ps.workload.clear();
    } else if (k == "workload") {
      ps.workload = v;
      ps.model.clear();
    } else {
      ps.overrides.push_back({k, v});
    }
  }
  ps.arch_path = resolve_arch(spec.file, arch);
  if (!ps.model.empty()) ps.model = resolve_model(spec.file, ps.model);
  if (!ps.workload.empty()) ps.workload = resolve_workload(spec.file, ps.workload);
  return ps;
}

std::vector<ArchConfig> validate_experiment(const ExperimentSpec& spec, const Registry& registry) {
  std::vector<ArchConfig> out;
  for (std::size_t i = 0; i < spec.points.size(); ++i) {
    std::string desc;
    for (const auto& [k, v] : spec.points[i]) desc += (desc.empty() ? "" : ", ") + k + "=" + v;
    try {
      const PointSetup ps = point_setup(spec, i);
      out.push_back(load_arch(ps.arch_path, ps.overrides, registry));
      if (!ps.model.empty() && !fs::exists(ps.model))
        throw IoError(ps.model, "model file not found");
      if (!ps.workload.empty() && !fs::exists(ps.workload))
        throw IoError(ps.workload, "workload file not found");
      if (spec.wants("accuracy") && ps.model.empty())
        throw ConfigError(spec.file, "metrics", "accuracy needs a model, not a workload");
      if (spec.wants("energy") && !out.back().system)
        throw ConfigError(ps.arch_path, "chip", "energy needs an architecture with a chip section");
    } catch (const Error& e) {
      throw ConfigError(spec.file, "sweep",
                        "point " + std::to_string(i) + " (" + desc + "): " + e.what());
    }
  }
  // Held-constant paths must exist and resolve to the same value at every point (an axis may
  // change them indirectly, e.g. by swapping a card).
  for (const std::string& h : spec.held_constant) {
    std::string first;
    for (std::size_t i = 0; i < out.size(); ++i) {
      YAML::Node n;
      n.reset(out[i].resolved);  // rebinds without touching the tree (operator= would assign)
      bool found = true;
      std::size_t start = 0;
      while (start <= h.size()) {
        const std::size_t dot = std::min(h.find('.', start), h.size());
        const std::string part = h.substr(start, dot - start);
        const YAML::Node child = n.IsMap() ? n[part] : YAML::Node();
        if (!n.IsMap() || !child) {
          found = false;
          break;
        }
        n.reset(child);
        start = dot + 1;
      }
      if (!found) throw ConfigError(spec.file, "held_constant", "'" + h + "' is not a config path");
      const std::string value = YAML::Dump(n);
      if (i == 0) {
        first = value;
      } else if (value != first) {
        throw ConfigError(spec.file, "held_constant",
                          "'" + h + "' is held constant but differs between point 0 and point " +
                              std::to_string(i));
      }
    }
  }
  return out;
}

double t_975(std::int64_t df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return 0;
  if (df <= 30) return table[df - 1];
  return 1.96;
}

// ---------------------------------------------------------------- point files

namespace {
std::string point_label(const SweepPoint& p) {
  std::string s;
  for (const auto& [k, v] : p) s += (s.empty() ? "" : " ") + k + "=" + v;
  return s;
}
}  // namespace

std::string point_key(const ExperimentSpec& spec, std::size_t index) {
  std::string k = point_label(spec.points.at(index));
  for (const Override& o : spec.overrides) k += " set:" + o.path + "=" + o.value;
  k += " arch=" + spec.arch + " model=" + spec.model + " workload=" + spec.workload +
       " dataset=" + spec.dataset + " limit=" + std::to_string(spec.limit) +
       " calibration_images=" + std::to_string(spec.calibration_images) +
       " trials=" + std::to_string(spec.trials) + " seed=" + std::to_string(spec.seed);
  for (const std::string& m : spec.metrics) k += " metric=" + m;
  std::replace(k.begin(), k.end(), '"', '\'');
  return k;
}

std::string point_file(const std::string& out_dir, std::size_t index) {
  char name[64];
  std::snprintf(name, sizeof(name), "point_%05zu.yaml", index);
  return (fs::path(out_dir) / "points" / name).string();
}

namespace {
std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof(b), "%.17g", v);
  return b;
}
void emit_pairs(std::ostream& o, const char* key,
                const std::vector<std::pair<std::string, double>>& items) {
  o << key << ":\n";
  for (const auto& [k, v] : items) o << "  - [\"" << k << "\", " << num(v) << "]\n";
}
std::vector<std::pair<std::string, double>> read_pairs(const YAML::Node& n) {
  std::vector<std::pair<std::string, double>> out;
  if (n && n.IsSequence())
    for (const auto& e : n) out.emplace_back(e[0].as<std::string>(), e[1].as<double>());
  return out;
}
}  // namespace

void write_point(const std::string& out_dir, const PointResult& r) {
  const std::string path = point_file(out_dir, r.index);
  fs::create_directories(fs::path(path).parent_path());
  std::ostringstream o;
  o << "index: " << r.index << "\nkey: \"" << r.key << "\"\naccuracy: [";
  for (std::size_t i = 0; i < r.accuracy.size(); ++i) o << (i ? ", " : "") << num(r.accuracy[i]);
  o << "]\nhas_energy: " << (r.has_energy ? "true" : "false") << "\n"
    << "images: " << num(r.images) << "\n"
    << "energy_j_analog: " << num(r.energy_j_analog) << "\n"
    << "energy_j_digital: " << num(r.energy_j_digital) << "\n"
    << "latency_s_analog: " << num(r.latency_s_analog) << "\n"
    << "latency_s_digital: " << num(r.latency_s_digital) << "\n"
    << "area_m2_analog: " << num(r.area_m2_analog) << "\n"
    << "area_m2_digital: " << num(r.area_m2_digital) << "\n";
  emit_pairs(o, "energy_breakdown_analog", r.energy_breakdown_analog);
  emit_pairs(o, "energy_breakdown_digital", r.energy_breakdown_digital);
  emit_pairs(o, "counts", r.counts);
  o << "complete: true\n";
  // Durable and atomic: write a temporary file, flush it to disk, rename it over the target.
  const std::string tmp = path + ".tmp";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw IoError(tmp, "cannot write");
    const std::string s = o.str();
    const bool ok = std::fwrite(s.data(), 1, s.size(), f) == s.size() && std::fflush(f) == 0;
    std::fclose(f);
    if (!ok) throw IoError(tmp, "cannot write");
  }
  fs::rename(tmp, path);
}

PointResult read_point(const std::string& out_dir, std::size_t index) {
  const std::string path = point_file(out_dir, index);
  const YAML::Node n = load_yaml_file(path);
  if (!n["complete"] || !n["complete"].as<bool>() || n["index"].as<std::size_t>() != index)
    throw IoError(path, "point file is incomplete");
  PointResult r;
  r.index = index;
  r.key = n["key"] ? n["key"].as<std::string>() : "";
  for (const auto& a : n["accuracy"]) r.accuracy.push_back(a.as<double>());
  r.has_energy = n["has_energy"].as<bool>();
  r.images = n["images"].as<double>();
  r.energy_j_analog = n["energy_j_analog"].as<double>();
  r.energy_j_digital = n["energy_j_digital"].as<double>();
  r.latency_s_analog = n["latency_s_analog"].as<double>();
  r.latency_s_digital = n["latency_s_digital"].as<double>();
  r.area_m2_analog = n["area_m2_analog"].as<double>();
  r.area_m2_digital = n["area_m2_digital"].as<double>();
  r.energy_breakdown_analog = read_pairs(n["energy_breakdown_analog"]);
  r.energy_breakdown_digital = read_pairs(n["energy_breakdown_digital"]);
  r.counts = read_pairs(n["counts"]);
  return r;
}

// ---------------------------------------------------------------- running

namespace {

struct SharedData {
  std::mutex mutex;
  bool loaded = false;
  Dataset test, calibration;
};

std::vector<std::pair<std::string, double>> breakdown(const SystemReport& r) {
  std::map<std::string, double> by;
  for (const ActionLine& a : r.actions) by[a.component] += a.energy_j();
  return {by.begin(), by.end()};
}

PointResult run_point(const ExperimentSpec& spec, std::size_t index, const ArchConfig& arch,
                      const Registry& registry, SharedData& shared) {
  PointResult r;
  r.index = index;
  r.key = point_key(spec, index);
  const PointSetup ps = point_setup(spec, index);
  std::vector<ActionCounts> counts;
  std::unique_ptr<Network> net;
  if (!ps.model.empty()) net = std::make_unique<Network>(load_network(ps.model));
  if (spec.wants("accuracy")) {
    {
      std::lock_guard<std::mutex> lock(shared.mutex);
      if (!shared.loaded) {
        shared.test = load_dataset(spec.dataset, Split::kTest, spec.limit);
        const bool fashion = spec.dataset.rfind("fashion-mnist", 0) == 0;
        shared.calibration =
            load_dataset(fashion ? std::string("fashion-mnist:train") : spec.dataset, Split::kTrain,
                         spec.calibration_images);
        shared.loaded = true;
      }
    }
    const Dataset& data = shared.test;
    const auto models = make_tile_models(arch, registry);
    const Matrix inputs = normalise_inputs(*net, data.images);
    const Matrix calibration_inputs = normalise_inputs(*net, shared.calibration.images);
    const ActivationRanges ranges = calibrate_ranges(*net, calibration_inputs, 1);
    const std::uint64_t seed = derive_seed(spec.seed, StreamPurpose::kSweepPoint, {index});
    for (std::int64_t t = 0; t < spec.trials; ++t) {
      AnalogNetwork analog(*net, models, ranges, seed, static_cast<std::uint64_t>(t), 1);
      analog.calibrate(calibration_inputs);
      Index correct = 0;
      const CrossbarProduct product = analog.product();
      for (Index b0 = 0; b0 < inputs.cols(); b0 += spec.batch) {
        const Index n = std::min<Index>(spec.batch, inputs.cols() - b0);
        const std::vector<int> pred =
            argmax_columns(forward(*net, inputs.middleCols(b0, n), product));
        for (Index i = 0; i < n; ++i)
          correct +=
              pred[static_cast<std::size_t>(i)] == data.labels[static_cast<std::size_t>(b0 + i)];
      }
      r.accuracy.push_back(static_cast<double>(correct) / static_cast<double>(inputs.cols()));
      if (t == 0) counts = analog.layer_counts();
    }
    r.images = static_cast<double>(data.size());
    std::map<std::string, double> summed;
    for (std::size_t l = 0; l < counts.size(); ++l) {
      if (!net->layers[l].uses_crossbar()) continue;
      for (const auto& [k, v] : counts[l].items()) summed[k] += v;
    }
    r.counts.assign(summed.begin(), summed.end());
  }
  if (spec.wants("energy")) {
    const Workload workload = net ? workload_from_network(*net) : load_workload(ps.workload);
    const double batch = r.images > 0 ? r.images : 1.0;
    const SystemReport a =
        estimate_analog(workload, arch, registry, batch, counts.empty() ? nullptr : &counts);
    const SystemReport d = estimate_digital(
        workload, load_digital(data_dir() + "/arch/digital/int8_ws.yaml", {}, registry), batch);
    r.has_energy = true;
    r.images = batch;
    r.energy_j_analog = a.energy_j();
    r.energy_j_digital = d.energy_j();
    r.latency_s_analog = a.latency_s;
    r.latency_s_digital = d.latency_s;
    r.area_m2_analog = a.area_m2();
    r.area_m2_digital = d.area_m2();
    r.energy_breakdown_analog = breakdown(a);
    r.energy_breakdown_digital = breakdown(d);
  }
  return r;
}

void assemble(const ExperimentSpec& spec, const std::vector<ArchConfig>& archs,
              const std::vector<PointResult>& results, const SweepOptions& o) {
  const std::size_t n = results.size();
  ResultFile out((fs::path(o.out_dir) / "results.h5").string());
  out.provenance(o.command_line, spec.seed);
  out.attr("/", "kind", std::string("sweep"));
  out.attr("/", "experiment_name", spec.name);
  out.attr("/", "question", spec.question);
  out.attr("/", "experiment_file", spec.file);
  out.attr("/", "quick", static_cast<std::int64_t>(spec.quick ? 1 : 0));
  out.attr("/", "sweep_mode", spec.mode);
  out.attr("/", "points", static_cast<std::int64_t>(n));
  out.attr("/", "trials", spec.trials);
  out.attr("/", "dataset", spec.dataset);
  out.attr("/", "limit", spec.limit);
  out.text("/experiment/experiment_yaml", spec.text);
  std::set<std::string> cards;
  for (std::size_t i = 0; i < n; ++i) {
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
  const std::size_t trials = static_cast<std::size_t>(spec.trials);
  if (spec.wants("accuracy")) {
    std::vector<double> acc, mean, sd, ci;
    for (const PointResult& r : results) {
      acc.insert(acc.end(), r.accuracy.begin(), r.accuracy.end());
      const double m = std::accumulate(r.accuracy.begin(), r.accuracy.end(), 0.0) /
                       static_cast<double>(r.accuracy.size());
      double v = 0;
      for (double x : r.accuracy) v += (x - m) * (x - m);
      const double s = trials > 1 ? std::sqrt(v / static_cast<double>(trials - 1)) : 0.0;
      mean.push_back(m);
      sd.push_back(s);
      ci.push_back(t_975(spec.trials - 1) * s / std::sqrt(static_cast<double>(trials)));
    }
    out.dataset("/results/accuracy", acc, "1");  // row-major points x trials
    out.attr("/results/accuracy", "shape", std::to_string(n) + "x" + std::to_string(trials));
    out.dataset("/results/accuracy_mean", mean, "1");
    out.dataset("/results/accuracy_std", sd, "1");
    out.dataset("/results/accuracy_ci95", ci, "1");
  }
  if (spec.wants("energy")) {
    auto col = [&](auto f) {
      std::vector<double> v;
      for (const PointResult& r : results) v.push_back(f(r));
      return v;
    };
    out.dataset("/results/images", col([](const PointResult& r) { return r.images; }), "1");
    out.dataset("/results/energy_j_analog",
                col([](const PointResult& r) { return r.energy_j_analog; }), "J");
    out.dataset("/results/energy_j_digital",
                col([](const PointResult& r) { return r.energy_j_digital; }), "J");
    out.dataset("/results/latency_s_analog",
                col([](const PointResult& r) { return r.latency_s_analog; }), "s");
    out.dataset("/results/latency_s_digital",
                col([](const PointResult& r) { return r.latency_s_digital; }), "s");
    out.dataset("/results/area_m2_analog",
                col([](const PointResult& r) { return r.area_m2_analog; }), "m^2");
    out.dataset("/results/area_m2_digital",
                col([](const PointResult& r) { return r.area_m2_digital; }), "m^2");
    for (const char* side : {"analog", "digital"}) {
      std::set<std::string> comps;
      for (const PointResult& r : results)
        for (const auto& [k, v] :
             std::string(side) == "analog" ? r.energy_breakdown_analog : r.energy_breakdown_digital)
          comps.insert(k);
      for (const std::string& c : comps) {
        std::vector<double> v;
        for (const PointResult& r : results) {
          double e = 0;
          for (const auto& [k, x] : std::string(side) == "analog" ? r.energy_breakdown_analog
                                                                  : r.energy_breakdown_digital)
            if (k == c) e = x;
          v.push_back(e);
        }
        out.dataset(std::string("/results/energy_breakdown_") + side + "/" + c, v, "J");
      }
    }
  }
  {
    std::set<std::string> keys;
    for (const PointResult& r : results)
      for (const auto& [k, v] : r.counts) keys.insert(k);
    for (const std::string& k : keys) {
      std::vector<double> v;
      for (const PointResult& r : results) {
        double c = 0;
        for (const auto& [kk, x] : r.counts)
          if (kk == k) c = x;
        v.push_back(c);
      }
      out.dataset("/results/counts/" + k, v, "1");
    }
  }
  out.commit();

  // summary.csv, written atomically too.
  const std::string csv = (fs::path(o.out_dir) / "summary.csv").string();
  std::ostringstream c;
  c << "point";
  std::vector<std::string> axis_paths;
  for (const auto& [k, v] : spec.points.front()) axis_paths.push_back(k);
  for (const auto& k : axis_paths) c << "," << k;
  if (spec.wants("accuracy"))
    c << ",trials,accuracy_mean,accuracy_std,accuracy_ci95_low,accuracy_ci95_high";
  if (spec.wants("energy"))
    c << ",energy_j_analog,energy_j_digital,latency_s_analog,latency_s_digital,area_m2_analog,area_"
         "m2_digital";
  c << "\n";
  for (std::size_t i = 0; i < n; ++i) {
    const PointResult& r = results[i];
    c << i;
    for (const auto& [k, v] : spec.points[i]) c << "," << v;
    if (spec.wants("accuracy")) {
      const double m =
          std::accumulate(r.accuracy.begin(), r.accuracy.end(), 0.0) / static_cast<double>(trials);
      double v = 0;
      for (double x : r.accuracy) v += (x - m) * (x - m);
      const double s = trials > 1 ? std::sqrt(v / static_cast<double>(trials - 1)) : 0.0;
      const double h = t_975(spec.trials - 1) * s / std::sqrt(static_cast<double>(trials));
      c << "," << trials << "," << num(m) << "," << num(s) << "," << num(m - h) << ","
        << num(m + h);
    }
    if (spec.wants("energy"))
      c << "," << num(r.energy_j_analog) << "," << num(r.energy_j_digital) << ","
        << num(r.latency_s_analog) << "," << num(r.latency_s_digital) << ","
        << num(r.area_m2_analog) << "," << num(r.area_m2_digital);
    c << "\n";
  }
  {
    std::ofstream f(csv + ".tmp", std::ios::binary);
    f << c.str();
    if (!f.flush()) throw IoError(csv, "cannot write");
  }
  fs::rename(csv + ".tmp", csv);
}

}  // namespace

SweepOutcome run_sweep(const ExperimentSpec& spec, const SweepOptions& o,
                       const Registry& registry) {
  // Every point's config is resolved before any point runs.
  const std::vector<ArchConfig> archs = validate_experiment(spec, registry);
  SweepOutcome outcome;
  outcome.total = spec.points.size();
  fs::create_directories(fs::path(o.out_dir) / "points");
  std::vector<bool> done(outcome.total, false);
  if (o.resume) {
    for (std::size_t i = 0; i < outcome.total; ++i) {
      if (!fs::exists(point_file(o.out_dir, i))) continue;
      PointResult r;
      try {
        r = read_point(o.out_dir, i);
      } catch (const std::exception&) {
        continue;  // a damaged point file is recomputed
      }
      if (r.key != point_key(spec, i))
        throw ConfigError(spec.file, "sweep",
                          "--resume: " + point_file(o.out_dir, i) +
                              " was computed with a different spec (" + r.key +
                              "); use another output folder or drop --resume");
      done[i] = true;
      ++outcome.skipped;
    }
  } else {
    for (std::size_t i = 0; i < outcome.total; ++i) fs::remove(point_file(o.out_dir, i));
  }
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < outcome.total; ++i)
    if (!done[i]) todo.push_back(i);

  SharedData shared;
  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> started{0};
  std::mutex report_mutex;
  std::size_t finished = outcome.skipped;
  std::exception_ptr error;
  auto worker = [&] {
    for (;;) {
      if (o.stop_after >= 0 && started.fetch_add(1) >= o.stop_after) return;
      const std::size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      {
        std::lock_guard<std::mutex> lock(report_mutex);
        if (error) return;
      }
      try {
        const PointResult r = run_point(spec, todo[k], archs[todo[k]], registry, shared);
        write_point(o.out_dir, r);
        std::lock_guard<std::mutex> lock(report_mutex);
        ++finished;
        ++outcome.computed;
        if (o.on_point) o.on_point(finished, outcome.total, todo[k]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(report_mutex);
        if (!error) error = std::current_exception();
        return;
      }
    }
  };
  const int jobs =
      std::max(1, std::min<int>(o.jobs, static_cast<int>(std::max<std::size_t>(1, todo.size()))));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);

  std::vector<PointResult> results;
  for (std::size_t i = 0; i < outcome.total; ++i) {
    if (!fs::exists(point_file(o.out_dir, i))) return outcome;  // stopped early
    results.push_back(read_point(o.out_dir, i));
  }
  assemble(spec, archs, results, o);
  outcome.complete = true;
  return outcome;
}

}  // namespace xbarsim
