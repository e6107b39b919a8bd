#pragma once
// `xbarsim optimize` (docs/optimizer.md): the cheapest per-layer setting of some tile keys
// (ADC bits by default) whose analog accuracy stays within a budget of the float accuracy at
// a stated confidence, searched on training images and re-checked once on the test set.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/optimize/search.hpp"
#include "xbarsim/optimize/task_runner.hpp"

namespace xbarsim {

struct OptimizeOptions {
  std::string arch_path;  // resolved path
  std::vector<Override> overrides;
  std::string model_file;
  double max_drop = 0.005;           // fraction, in (0, 1)
  std::string objective = "energy";  // energy | latency | area
  std::vector<std::string> knobs = {"tile.adc.bits"};
  std::vector<std::string> ranges;  // KEY=LO:HI
  std::int64_t trials = 3;
  double confidence = 0.95;
  Index search_images = 2000;
  Index calibration_images = 256;
  Index test_images = 0;  // 0: the whole test split
  Index batch = 256;
  std::uint64_t seed = 1;
  int threads = 1;  // per task
  int jobs = 1;     // tasks at once per process
  std::string out_dir;
  bool resume = false;
  bool scan_uniform = false;  // evaluate every uniform value of the first knob (figures)
  std::size_t cache_bytes = std::size_t{2} << 30;
  std::string command_line;
  // Test hook: stop (as if killed) after this many tasks were computed; -1 never.
  std::int64_t stop_after = -1;
};

// Everything checked and loaded before any simulation: errors here are bad input.
struct OptimizeSetup {
  OptimizeOptions options;
  ArchConfig arch;
  Network net;
  std::vector<std::string> layers;  // crossbar layers, in order
  std::vector<Knob> knobs;
  Dataset calibration, search, test;  // calibration and search: disjoint parts of train
};

// Throws ConfigError / IoError / ShapeError naming the bad input: a budget outside (0, 1), an
// unknown objective, a knob that is not an integer tile key, a malformed range or one outside
// the key's declared range, more search images than the training split holds beside the
// calibration images, an architecture without a chip section (nothing to price).
OptimizeSetup prepare_optimization(const OptimizeOptions& options, const Registry& registry);

// What the objective is, for reports: its dataset name (with unit suffix) and unit.
struct ObjectiveInfo {
  std::string key;   // energy_per_inference_j, latency_s or area_m2
  std::string unit;  // J, s, m^2
};
ObjectiveInfo objective_info(const std::string& objective);

// The three costs of a setting (shape-only estimate, one inference).
struct SettingCosts {
  double energy_per_inference_j = 0, latency_s = 0, area_m2 = 0;
};

struct OptimizeResult {
  SearchOutcome search;
  std::vector<SettingCosts> costs;    // per evaluated candidate
  std::vector<std::size_t> pareto;    // indices into search.evaluated
  std::optional<AccuracyBound> test;  // the chosen allocation on the test set
  std::string chosen_arch_yaml;       // its resolved architecture
  double seconds = 0;
  std::int64_t tasks_computed = 0, tasks_resumed = 0;
  std::int64_t layers_reused = 0, layers_computed = 0;
  bool complete = true;  // false when stopped by the test hook
};

// Runs the search (progress: a line per round) and the test re-check; on the owner writes
// DIR/results.h5, DIR/candidates.csv and DIR/allocation.csv.
OptimizeResult run_optimization(const OptimizeSetup& setup, const Registry& registry,
                                TaskRunner& runner,
                                const std::function<void(const std::string&)>& progress = {});

}  // namespace xbarsim
