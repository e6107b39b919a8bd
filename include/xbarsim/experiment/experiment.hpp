#pragma once
// Experiment specs (experiments/<study>/experiment.yaml) and the sweep runner behind
// `xbarsim sweep` (docs/experiments.md).
#include <cstdint>
#include <functional>
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

struct PointResult {
  std::size_t index = 0;
  std::string key;  // what was computed (point, seed, trials, images): checked on --resume
  std::vector<double> accuracy;  // per trial (empty without the accuracy metric)
  bool has_energy = false;
  double energy_j_analog = 0, energy_j_digital = 0;  // per batch of `images` inferences
  double latency_s_analog = 0, latency_s_digital = 0;
  double area_m2_analog = 0, area_m2_digital = 0;
  double images = 0;                                                     // inferences priced
  std::vector<std::pair<std::string, double>> energy_breakdown_analog;   // component, J
  std::vector<std::pair<std::string, double>> energy_breakdown_digital;  // component, J
  std::vector<std::pair<std::string, double>> counts;  // action counts summed over layers
};

struct SweepOptions {
  std::string out_dir;
  int jobs = 1;
  bool resume = false;
  std::string command_line;
  std::int64_t stop_after = -1;  // test hook: stop after this many points were computed
  // Called (under a lock) after each point finishes: (points done, points total, index).
  std::function<void(std::size_t, std::size_t, std::size_t)> on_point;
};

struct SweepOutcome {
  std::size_t total = 0, computed = 0, skipped = 0;
  bool complete = false;  // all points done and results.h5 / summary.csv written
};

SweepOutcome run_sweep(const ExperimentSpec& spec, const SweepOptions& options,
                       const Registry& registry);

// Two-sided 95 % Student t quantile t_{0.975, df}: table for df <= 30, 1.96 above.
double t_975(std::int64_t df);

// The key a point file must carry to be reused by --resume.
std::string point_key(const ExperimentSpec& spec, std::size_t index);

// Point files: DIR/points/point_NNNNN.yaml, written atomically (temp + rename).
std::string point_file(const std::string& out_dir, std::size_t index);
void write_point(const std::string& out_dir, const PointResult& r);
PointResult read_point(const std::string& out_dir, std::size_t index);

}  // namespace xbarsim
