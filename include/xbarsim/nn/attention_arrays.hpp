#pragma once
// Attention's products of activations on crossbar arrays that are rewritten for every sample
// and head (docs/transformers.md#attention-on-rewritable-arrays): K_h and V_h are programmed
// into arrays of the architecture's tile with the device's programming error, then Q_h and the
// attention weights A_h are read through them like any crossbar input (DAC, read noise, ADC).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xbarsim/engine/action_counts.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/nn/forward.hpp"

namespace xbarsim {

class AttentionArrays {
 public:
  AttentionArrays(std::shared_ptr<const TileModels> models, AttentionAdcRange adc_range,
                  std::uint64_t seed, std::uint64_t trial, int threads);

  // The products of one call of attention layer `layer` (named `name` in errors), for every
  // item of the batch (forward.hpp: AttentionProducts). Inputs are driven over
  // [-input_range, input_range]. `calibrate` marks the calibration pass: with a calibrated
  // per_layer ADC range, the layer's range for this product is set from this batch first.
  // Adds what the arrays did, their writes included, to `counts` when given.
  std::vector<Matrix> multiply(int layer, const std::string& name, AttentionProduct which,
                               const std::vector<Matrix>& stationary,
                               const std::vector<Matrix>& inputs, double input_range,
                               bool calibrate, ActionCounts* counts);

  // The per_layer full scale of (layer, product), as a fraction of an array's largest current
  // (AnalogMatrix::array_max_current_a); 0 when none has been calibrated.
  double full_scale_rel(int layer, AttentionProduct which) const;

 private:
  using Key = std::pair<int, int>;  // (layer, product)
  std::shared_ptr<const TileModels> models_;
  AttentionAdcRange adc_range_;
  std::uint64_t seed_, trial_;
  int threads_;
  std::map<Key, double> full_scale_rel_;
  std::map<Key, std::uint64_t> calls_;  // calls so far: part of each array's stream name
};

}  // namespace xbarsim
