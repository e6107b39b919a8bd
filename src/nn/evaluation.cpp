#include "xbarsim/nn/evaluation.hpp"

#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>

#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/nn/forward.hpp"
#include "xbarsim/system/report_json.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

std::string default_calibration_spec(const std::string& dataset_spec) {
  return dataset_spec.rfind("fashion-mnist", 0) == 0 ? std::string("fashion-mnist:train")
                                                     : dataset_spec;
}

std::vector<std::string> input_warnings(const Network& net, const Dataset& scored,
                                        bool calibrated_on_scored) {
  std::vector<std::string> out;
  // 8-bit sources are scaled to [0, 1] when read, so a value above 1 can only be a float image
  // stored unscaled.
  if (scored.images.size() > 0 && scored.images.maxCoeff() > 1.0f) {
    std::ostringstream w;
    w << scored.name << ": float images reach " << scored.images.maxCoeff()
      << ", above 1: they are probably 0-255 pixels. Model '" << net.name
      << "' expects pixels in [0, 1], which it normalises itself as (x - " << net.input_mean
      << ") / " << net.input_std << "; store them divided by 255 (docs/datasets.md)";
    out.push_back(w.str());
  }
  if (calibrated_on_scored)
    out.push_back("the ranges are calibrated on the images being scored (" + scored.name +
                  " has no separate calibration split): the accuracy is optimistic; pass "
                  "--calibration-dataset FILE to keep calibration data apart");
  return out;
}

double EvalResult::accuracy_analog_mean() const {
  if (accuracy_analog.empty()) return 0;
  return std::accumulate(accuracy_analog.begin(), accuracy_analog.end(), 0.0) /
         static_cast<double>(accuracy_analog.size());
}

double EvalResult::accuracy_analog_std() const {
  const std::size_t n = accuracy_analog.size();
  if (n < 2) return 0;
  const double mean = accuracy_analog_mean();
  double var = 0;
  for (double a : accuracy_analog) var += (a - mean) * (a - mean);
  return std::sqrt(var / static_cast<double>(n - 1));
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Pass {
  double accuracy = 0;
  double seconds = 0;
};

// Runs the whole data set through `product` in batches and scores top-1 accuracy.
Pass run_pass(const Network& net, const Matrix& inputs, const std::vector<int>& labels, Index batch,
              const CrossbarProduct& product, const ProgressFn& progress, double& done,
              double total, const std::string& detail, const AttentionProducts& attention = {}) {
  const auto start = std::chrono::steady_clock::now();
  Index correct = 0;
  for (Index b0 = 0; b0 < inputs.cols(); b0 += batch) {
    const Index n = std::min(batch, inputs.cols() - b0);
    const std::vector<int> pred =
        argmax_columns(forward(net, inputs.middleCols(b0, n), product, attention));
    for (Index i = 0; i < n; ++i)
      correct += pred[static_cast<std::size_t>(i)] == labels[static_cast<std::size_t>(b0 + i)];
    done += static_cast<double>(n);
    if (progress) progress(done, total, detail);
  }
  return {static_cast<double>(correct) / static_cast<double>(inputs.cols()), seconds_since(start)};
}

}  // namespace

EvalResult evaluate(const Network& net, const ArchConfig& arch, const Registry& registry,
                    const Dataset& data, const Dataset& calibration,
                    const std::vector<std::string>& warnings, const EvalSettings& settings,
                    const ProgressFn& progress) {
  if (data.size() == 0) throw ShapeError(data.name + " holds no images to evaluate");
  if (calibration.size() == 0) throw ShapeError(calibration.name + " holds no calibration images");
  if (data.num_classes > net.num_classes)
    throw ShapeError(data.name + " has labels up to " + std::to_string(data.num_classes - 1) +
                     " but model '" + net.name + "' has " + std::to_string(net.num_classes) +
                     " classes");
  check_layer_names(arch.layer_origins(), crossbar_layer_names(net), net.name);
  const NetworkTileModels models = make_network_tile_models(arch, registry);
  EvalResult r;
  r.arch = arch.name;
  r.model = net.name;
  r.dataset = data.name;
  r.images = data.size();
  r.calibration_dataset = calibration.name;
  r.calibration_images = calibration.size();
  r.settings = settings;
  r.warnings = warnings;

  const int threads = settings.threads;
  const Matrix inputs = normalise_inputs(net, data.images);
  const Matrix calibration_inputs = normalise_inputs(net, calibration.images);
  const ActivationRanges ranges = calibrate_ranges(net, calibration_inputs, threads);

  const double total =
      static_cast<double>(data.size()) * (2.0 + static_cast<double>(settings.trials));
  double done = 0;
  const Pass fp = run_pass(net, inputs, data.labels, settings.batch, float_product(net, threads),
                           progress, done, total, "float32");
  const Pass i8 = run_pass(net, inputs, data.labels, settings.batch,
                           int8_product(net, ranges, threads), progress, done, total, "int8");
  r.accuracy_float = fp.accuracy;
  r.accuracy_int8 = i8.accuracy;
  r.seconds_float = fp.seconds;
  r.seconds_int8 = i8.seconds;
  double analog_seconds = 0;
  for (std::int64_t t = 0; t < settings.trials; ++t) {
    AnalogNetwork analog(net, models, ranges, settings.seed, static_cast<std::uint64_t>(t),
                         threads);
    const auto start = std::chrono::steady_clock::now();
    analog.calibrate(calibration_inputs);
    const Pass p =
        run_pass(net, inputs, data.labels, settings.batch, analog.product(), progress, done, total,
                 "analog trial " + std::to_string(t + 1) + "/" + std::to_string(settings.trials),
                 analog.attention_products());
    analog_seconds += seconds_since(start);
    r.accuracy_analog.push_back(p.accuracy);
    if (t == 0) {
      r.mapping = analog.mapping();
      r.counts = analog.layer_counts();
      // The crossbar layers, and the attention layers whose products ran on rewritten arrays.
      for (std::size_t i = 0; i < r.counts.size(); ++i)
        if (net.layers[i].uses_crossbar() || r.counts[i].cell_writes > 0)
          r.crossbar_counts.emplace_back(net.layers[i].name, r.counts[i]);
    }
  }
  r.seconds_analog_per_trial = analog_seconds / static_cast<double>(settings.trials);
  // Energy of the run that was simulated (trial 1): its counts, including the cell read
  // energy of the real inputs and conductances, priced with the architecture's cards, next to
  // the digital baseline on the same network and batch.
  if (arch.system)
    r.comparison = compare(workload_from_network(net), arch, registry,
                           static_cast<double>(data.size()), settings.comparison, &r.counts);
  return r;
}

Json eval_json(const EvalResult& r) {
  Json j = Json::object();
  j["arch"] = r.arch;
  j["model"] = r.model;
  j["dataset"] = r.dataset;
  j["calibration_dataset"] = r.calibration_dataset;
  j["calibration_images"] = r.calibration_images;
  j["warnings"] = r.warnings;
  j["images"] = r.images;
  j["trials"] = r.settings.trials;
  j["seed"] = r.settings.seed;
  j["threads"] = r.settings.threads;
  j["accuracy_float"] = r.accuracy_float;
  j["accuracy_int8"] = r.accuracy_int8;
  j["accuracy_analog_mean"] = r.accuracy_analog_mean();
  j["accuracy_analog_std"] = r.accuracy_analog_std();
  j["accuracy_analog_trials"] = r.accuracy_analog;
  const double images = static_cast<double>(r.images);
  j["images_per_second_float"] = images / r.seconds_float;
  j["images_per_second_int8"] = images / r.seconds_int8;
  j["images_per_second_analog"] = images / r.seconds_analog_per_trial;
  j["layers"] = Json::array();
  for (const LayerMapping& m : r.mapping)
    j["layers"].push_back({{"name", m.name},
                           {"type", m.type},
                           {"crossbar_rows", m.crossbar_rows},
                           {"crossbar_cols", m.crossbar_cols},
                           {"arrays", m.arrays},
                           {"utilization", m.utilization}});
  for (const auto& [layer, counts] : r.crossbar_counts)
    for (const auto& [k, v] : counts.items()) j["counts_by_layer"][layer][k] = v;
  if (r.comparison) j.update(comparison_json(*r.comparison));
  return j;
}

}  // namespace xbarsim
