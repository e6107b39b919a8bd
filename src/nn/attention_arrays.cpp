#include "xbarsim/nn/attention_arrays.hpp"

#include <algorithm>

#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/core/random.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

namespace xbarsim {

AttentionArrays::AttentionArrays(std::shared_ptr<const TileModels> models,
                                 AttentionAdcRange adc_range, std::uint64_t seed,
                                 std::uint64_t trial, int threads)
    : models_(std::move(models)),
      adc_range_(adc_range),
      seed_(seed),
      trial_(trial),
      threads_(threads) {}

double AttentionArrays::full_scale_rel(int layer, AttentionProduct which) const {
  const auto it = full_scale_rel_.find({layer, static_cast<int>(which)});
  return it == full_scale_rel_.end() ? 0.0 : it->second;
}

std::vector<Matrix> AttentionArrays::multiply(int layer, const std::string& name,
                                              AttentionProduct which,
                                              const std::vector<Matrix>& stationary,
                                              const std::vector<Matrix>& inputs, double input_range,
                                              bool calibrate, ActionCounts* counts) {
  const Key key{layer, static_cast<int>(which)};
  const std::uint64_t call = calls_[key]++;
  const Adc& adc = *models_->adc;
  const bool calibrated_adc = adc.bits() > 0 && adc.range_mode() == AdcRangeMode::kCalibrated;
  const bool per_layer = calibrated_adc && adc_range_ == AttentionAdcRange::kPerLayer;
  const bool per_matrix = calibrated_adc && adc_range_ == AttentionAdcRange::kPerMatrix;
  if (per_layer && !calibrate && !full_scale_rel_.count(key))
    throw Error("layer '" + name +
                "': the ADC range of its rewritten attention arrays is set on the calibration "
                "batch (attention.adc_range = per_layer), and none has run");
  const auto items = static_cast<std::int64_t>(stationary.size());
  const char* what = which == AttentionProduct::kScores ? "keys" : "values";
  // Each item is its own matrix with its own streams, named by what it is and not by the
  // thread that computes it; one thread per matrix, the items in parallel.
  std::vector<std::unique_ptr<AnalogMatrix>> arrays(stationary.size());
  auto program = [&](std::int64_t i) {
    const std::uint64_t id =
        derive_seed(0, StreamPurpose::kAttentionArray,
                    {static_cast<std::uint64_t>(layer), static_cast<std::uint64_t>(which), call,
                     static_cast<std::uint64_t>(i)});
    const auto k = static_cast<std::size_t>(i);
    arrays[k] = std::make_unique<AnalogMatrix>(
        stationary[k], models_, StreamKey{seed_, id, trial_},
        "layer '" + name + "' (" + what + " of item " + std::to_string(i) + ")", 1);
    if (per_matrix || (per_layer && calibrate)) arrays[k]->calibrate(inputs[k], input_range);
  };
  parallel_for(items, threads_, program);
  if (per_layer && calibrate) {
    // The largest range any matrix of the calibration batch asked for (each at the ADC's
    // calibration quantile), as a fraction of the array's largest current: a per-layer gain
    // that can be set before any of these matrices exists.
    double widest = 0;
    for (const auto& a : arrays)
      widest = std::max(widest, a->largest_full_scale_a() / a->array_max_current_a());
    if (!(widest > 0))
      throw Error("layer '" + name + "': the calibration batch drove no current through its " +
                  what + " arrays, so no ADC range can be set");
    full_scale_rel_[key] = widest;
  }
  std::vector<Matrix> out(stationary.size());
  std::vector<ActionCounts> done(stationary.size());
  parallel_for(items, threads_, [&](std::int64_t i) {
    const auto k = static_cast<std::size_t>(i);
    if (per_layer) arrays[k]->set_full_scale_rel(full_scale_rel_.at(key));
    out[k] = arrays[k]->multiply(inputs[k], input_range, &done[k]);
    done[k].cell_writes = arrays[k]->programmed_cells();
    arrays[k].reset();
  });
  // Summed in item order, so that the totals do not depend on the thread count.
  if (counts)
    for (const ActionCounts& c : done) *counts += c;
  return out;
}

}  // namespace xbarsim
