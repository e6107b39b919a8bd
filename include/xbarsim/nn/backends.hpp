#pragma once
// The three ways a network's crossbar layers are computed: float32 (exact reference), int8
// (the digital baseline's arithmetic), and analog (crossbar tiles of an architecture).
#include <memory>
#include <string>
#include <vector>

#include "xbarsim/engine/analog_matrix.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/nn/attention_arrays.hpp"
#include "xbarsim/nn/forward.hpp"

namespace xbarsim {

// Input range of every crossbar layer, calibrated on a batch of training data with the
// float network: max |x| of the layer's input, and whether any input was negative.
struct ActivationRanges {
  std::vector<double> max_abs;  // per layer index (0 for non-crossbar layers)
  std::vector<bool> has_negative;
  // Per attention layer: max |Q|, the input range of Q K^T when it runs on arrays (the
  // attention weights of A V lie in [0, 1] by construction and need no calibration).
  std::vector<double> query_max_abs;
};
ActivationRanges calibrate_ranges(const Network& net, const Matrix& inputs, int threads);

CrossbarProduct float_product(const Network& net, int threads);

// Per-layer symmetric int8 weights (s_w = max|W| / 127); activations quantised at each
// crossbar layer's input over the calibrated range: uint8 (255 steps) when the layer never
// saw a negative input, else int8 (+-127 steps). Products accumulate in float32, which is
// exact while |sum| < 2^24.
CrossbarProduct int8_product(const Network& net, const ActivationRanges& ranges, int threads);

struct LayerMapping {
  std::string name;
  std::string type;
  Index crossbar_rows = 0, crossbar_cols = 0;  // inputs (rows) and outputs of the matrix
  Index arrays = 0;
  double utilization = 0;  // cells used / cells of the arrays used
};

// Names of the layers of `net` that run on crossbars, in order.
std::vector<std::string> crossbar_layer_names(const Network& net);

// Every crossbar layer of a network programmed onto the tiles of one architecture, for one
// Monte-Carlo trial (the trial selects fresh programming noise). `net` must outlive it.
class AnalogNetwork {
 public:
  // Each layer runs on models.of(its name); a per-layer entry that names no crossbar layer
  // of `net` is a ConfigError.
  AnalogNetwork(const Network& net, const NetworkTileModels& models, const ActivationRanges& ranges,
                std::uint64_t seed, std::uint64_t trial, int threads);
  // Sets calibrated ADC ranges layer by layer, feeding each layer what the analog layers
  // before it really produce.
  void calibrate(const Matrix& inputs);
  CrossbarProduct product();
  // Attention's products of activations, on rewritten arrays when the architecture says
  // attention.products: in_memory; empty (exact, digital) otherwise.
  AttentionProducts attention_products();
  // Action counts per layer index; an attention layer's are those of its rewritten arrays.
  const std::vector<ActionCounts>& layer_counts() const { return counts_; }
  // The rewritten attention arrays, or null when attention runs digitally.
  const AttentionArrays* attention_arrays() const { return attention_.get(); }
  std::vector<LayerMapping> mapping() const;

 private:
  const Network& net_;       // must outlive this object (its weights are large)
  ActivationRanges ranges_;  // small: a copy, so a temporary may be passed
  AttentionProducts attention_hook(bool calibrating);
  std::vector<std::unique_ptr<AnalogMatrix>> layers_;
  std::unique_ptr<AttentionArrays> attention_;
  std::vector<ActionCounts> counts_;
};

}  // namespace xbarsim
