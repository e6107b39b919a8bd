#pragma once
// The accuracy job (`xbarsim eval`, xbarsim.evaluate in Python): a trained network in float32,
// int8 and on the crossbar tiles of an architecture, over Monte-Carlo trials, with the energy
// of the simulated run against the digital baseline (docs/result_format.md#eval).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/engine/action_counts.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/io/json.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/system/comparison.hpp"

namespace xbarsim {

// The calibration data `xbarsim eval` uses when none is named: the training split for
// Fashion-MNIST, else the scored data itself (a warning then says so).
std::string default_calibration_spec(const std::string& dataset_spec);

// Inputs that are valid but probably wrong (docs/datasets.md#warnings): float images above 1
// (probably 0-255 pixels), and calibration on the very images being scored.
std::vector<std::string> input_warnings(const Network& net, const Dataset& scored,
                                        bool calibrated_on_scored);

// Called as images are scored: (images done, images in all, what runs now).
using ProgressFn = std::function<void(double, double, const std::string&)>;

struct EvalSettings {
  Index batch = 256;
  std::int64_t trials = 1;
  std::uint64_t seed = 1;
  int threads = 1;  // resolved (> 0)
  ComparisonOptions comparison;
};

struct EvalResult {
  std::string arch, model, dataset, calibration_dataset;
  Index images = 0, calibration_images = 0;
  EvalSettings settings;
  std::vector<std::string> warnings;
  double accuracy_float = 0, accuracy_int8 = 0;
  std::vector<double> accuracy_analog;  // one per trial
  double seconds_float = 0, seconds_int8 = 0, seconds_analog_per_trial = 0;
  std::vector<LayerMapping> mapping;  // of trial 1
  std::vector<ActionCounts> counts;   // of trial 1, per layer of the network
  std::vector<std::pair<std::string, ActionCounts>> crossbar_counts;  // the same, by name
  std::optional<Comparison> comparison;  // when the architecture has a chip section

  double accuracy_analog_mean() const;
  // Sample standard deviation over trials (0 for one trial).
  double accuracy_analog_std() const;
};

// Throws ShapeError when the data's labels exceed the model's classes, ConfigError when a
// per-layer setting names no crossbar layer of `net`.
EvalResult evaluate(const Network& net, const ArchConfig& arch, const Registry& registry,
                    const Dataset& data, const Dataset& calibration,
                    const std::vector<std::string>& warnings, const EvalSettings& settings,
                    const ProgressFn& progress = {});

// The result's fields (without provenance): what `eval --format json` prints after it.
Json eval_json(const EvalResult& r);

}  // namespace xbarsim
