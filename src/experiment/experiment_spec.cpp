// Experiment specs: loader, point expansion, validation (docs/experiments.md).
#include "xbarsim/experiment/experiment_spec.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/nn/network.hpp"
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

// An arch or workload: a file next to the spec, a path, or a shipped name (looks_like_path);
// a folder next to the spec or in the current directory does not hide a shipped name.
std::string resolve_yaml(const std::string& spec_file, const std::string& name,
                         const std::string& folder, const std::string& what) {
  if (!name.empty() && !fs::path(name).is_absolute()) {
    const fs::path next_to_spec = fs::path(spec_file).parent_path() / name;
    if (fs::is_regular_file(next_to_spec)) return next_to_spec.lexically_normal().string();
  }
  if (looks_like_path(name)) return relative_to(spec_file, name);
  return resolve_shipped(name, folder, what);
}

std::string resolve_arch(const std::string& spec_file, const std::string& arch) {
  return resolve_yaml(spec_file, arch, "arch", "architecture");
}

std::string resolve_workload(const std::string& spec_file, const std::string& w) {
  return resolve_yaml(spec_file, w, "workloads", "workload");
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
  spdlog::debug("experiment {} ({}{}): {} points, {} trial{} each, {} mode", s.name, path,
                quick ? ", quick" : "", s.points.size(), s.trials, s.trials > 1 ? "s" : "", s.mode);
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
      if (!out.back().layers.empty()) {  // per-layer settings must name layers of the network
        const Workload w = ps.model.empty() ? load_workload(ps.workload)
                                            : workload_from_network(load_network(ps.model));
        std::vector<std::string> crossbar;
        for (const LayerWork& l : w.layers)
          if (l.uses_crossbar()) crossbar.push_back(l.name);
        check_layer_names(out.back().layer_origins(), crossbar, w.name);
      }
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

std::string point_label(const SweepPoint& p) {
  std::string s;
  for (const auto& [k, v] : p) s += (s.empty() ? "" : " ") + k + "=" + v;
  return s;
}

}  // namespace xbarsim
