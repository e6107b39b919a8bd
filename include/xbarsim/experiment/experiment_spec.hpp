#pragma once
// Experiment specs (experiments/<study>/experiment.yaml): the strict loader, the expansion of
// the sweep into points, and the validation of every point's configuration
// (docs/experiments.md).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

struct SweepAxis {
  std::string path;                 // config path, or one of the specials arch, model, workload
  std::vector<std::string> values;  // YAML scalars, as written
};

// One point of a sweep: (path, value) pairs applied after the spec's overrides.
using SweepPoint = std::vector<std::pair<std::string, std::string>>;

struct ExperimentSpec {
  std::string file;  // where it was loaded from
  std::string text;  // the file verbatim, for provenance
  std::string name;
  std::string question;
  std::string arch;      // path (relative to the spec) or shipped name
  std::string model;     // .h5 model file (accuracy and energy), or empty
  std::string workload;  // workload YAML or shipped name (energy only), or empty
  std::string dataset = "fashion-mnist";
  std::int64_t limit = 0;
  std::int64_t calibration_images = 256;
  std::int64_t batch = 500;
  std::int64_t trials = 1;
  std::uint64_t seed = 1;
  std::vector<Override> overrides;
  std::string mode = "grid";       // grid | zip | list
  std::vector<SweepAxis> axes;     // grid and zip modes
  std::vector<SweepPoint> points;  // expanded points (all modes)
  std::vector<std::string> held_constant;
  std::vector<std::string> metrics;  // accuracy, energy
  bool quick = false;
  bool wants(const std::string& metric) const;
};

// Strict loader: unknown keys, wrong types and inconsistent axes are ConfigErrors naming the
// file and key. `quick` applies the spec's quick: block (limit, trials, axis values).
ExperimentSpec load_experiment(const std::string& path, bool quick);

// A point's model, workload and arch after the axis specials are applied.
struct PointSetup {
  std::string arch_path;
  std::string model;
  std::string workload;
  std::vector<Override> overrides;  // spec overrides, then the point's config paths
};
PointSetup point_setup(const ExperimentSpec& spec, std::size_t point);

// Resolves every point's config (load_arch) before anything runs; the first failure is a
// ConfigError naming the point index, path and value.
std::vector<ArchConfig> validate_experiment(const ExperimentSpec& spec, const Registry& registry);

// "path=value path=value": a point's axis values, for logs, errors and the results file.
std::string point_label(const SweepPoint& point);

}  // namespace xbarsim
