#include "xbarsim/mapping/weight_mapping.hpp"

#include <cmath>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

Index MappingPlan::rows_in_block(Index rb) const {
  return std::min(array_rows, inputs - rb * array_rows);
}
Index MappingPlan::outputs_in_block(Index cb) const {
  return std::min(outputs_per_array, outputs - cb * outputs_per_array);
}
Index MappingPlan::physical_cols_in_block(Index cb) const {
  return outputs_in_block(cb) * columns_per_output + (reference_column ? 1 : 0);
}

MappingPlan plan_mapping(Index outputs, Index inputs, const TileConfig& tile, int device_levels) {
  if (outputs <= 0 || inputs <= 0)
    throw ShapeError("cannot map a weight matrix of shape " + std::to_string(outputs) + "x" +
                     std::to_string(inputs) + ": both dimensions must be positive");
  const MappingConfig& m = tile.mapping;
  MappingPlan p;
  p.inputs = inputs;
  p.outputs = outputs;
  p.array_rows = tile.rows;
  p.array_cols = tile.cols;
  const bool differential = m.signed_weights == SignedWeights::kDifferential;
  p.columns_per_output = differential ? 2 : 1;
  p.reference_column = !differential;
  if (m.weight_encoding == WeightEncoding::kSliced) {
    const int b = m.bits_per_cell;
    if (device_levels > 0 && (1LL << b) > device_levels)
      throw ConfigError(tile.source, "tile.mapping.bits_per_cell",
                        std::to_string(b) + " bits per cell need " + std::to_string(1LL << b) +
                            " levels, but the device holds only " + std::to_string(device_levels));
    // Digit d is written to device level d (L-1)/(2^b-1), which must be a whole level.
    if (device_levels > 0 && (device_levels - 1) % ((1LL << b) - 1) != 0)
      throw ConfigError(tile.source, "tile.mapping.bits_per_cell",
                        std::to_string(b) + " bits per cell put digits between the device's " +
                            std::to_string(device_levels) +
                            " levels: levels - 1 must be a "
                            "multiple of 2^bits_per_cell - 1 = " +
                            std::to_string((1LL << b) - 1));
    // Differential pairs carry the sign, so only the magnitude is sliced; offset encoding
    // stores the full unsigned range.
    const int magnitude_bits = differential ? m.weight_bits - 1 : m.weight_bits;
    p.slices = (magnitude_bits + b - 1) / b;
  }
  const Index usable = tile.cols - (p.reference_column ? 1 : 0);
  p.outputs_per_array = usable / p.columns_per_output;
  if (p.outputs_per_array < 1)
    throw ConfigError(tile.source, "tile.cols",
                      std::to_string(tile.cols) + " columns cannot hold one output: " +
                          (differential ? "a differential pair needs 2"
                                        : "offset encoding needs a data and a reference column"));
  p.row_blocks = (inputs + tile.rows - 1) / tile.rows;
  p.col_blocks = (outputs + p.outputs_per_array - 1) / p.outputs_per_array;
  return p;
}

int input_cycles(int input_bits, int dac_bits) {
  return dac_bits > 0 ? (input_bits + dac_bits - 1) / dac_bits : 1;
}

ActionCountsFor crossbar_counts(const MappingPlan& p, int cycles, bool signed_inputs,
                                double vectors) {
  // Every array is read once per input cycle and phase of every vector; all its used rows
  // are driven, all its used cells multiply, and every logical output column (pair) is
  // digitised and shifted into the accumulator once per read.
  const double reads = vectors * cycles * (signed_inputs ? 2 : 1);
  double cells = 0, driven_rows = 0;
  for (Index rb = 0; rb < p.row_blocks; ++rb)
    for (Index cb = 0; cb < p.col_blocks; ++cb) {
      cells += static_cast<double>(p.rows_in_block(rb) * p.physical_cols_in_block(cb));
      driven_rows += static_cast<double>(p.rows_in_block(rb));
    }
  ActionCountsFor c{};
  c.array_reads = static_cast<double>(p.arrays()) * reads;
  c.dac_drives = driven_rows * p.slices * reads;
  c.cell_macs = cells * p.slices * reads;
  c.adc_conversions = static_cast<double>(p.outputs * p.slices * p.row_blocks) * reads;
  c.shift_adds = c.adc_conversions;
  c.digital_adds = static_cast<double>(p.outputs * (p.row_blocks - 1)) * vectors;
  return c;
}

ActionCounts as_action_counts(const ActionCountsFor& f) {
  ActionCounts c;
  c.array_reads = f.array_reads;
  c.dac_drives = f.dac_drives;
  c.adc_conversions = f.adc_conversions;
  c.cell_macs = f.cell_macs;
  c.shift_adds = f.shift_adds;
  c.digital_adds = f.digital_adds;
  return c;
}

WeightCodes encode_weights(const Matrix& weights, const MappingConfig& m) {
  WeightCodes c;
  const double max_abs = weights.size() ? static_cast<double>(weights.cwiseAbs().maxCoeff()) : 0;
  const double range = max_abs > 0 ? max_abs : 1.0;  // an all-zero layer maps to zero codes
  const bool differential = m.signed_weights == SignedWeights::kDifferential;
  if (m.weight_encoding == WeightEncoding::kContinuous) {
    const Matrix normalised = weights / static_cast<float>(range);  // in [-1, 1]
    c.full_code = 1.0;
    if (differential) {
      c.scale = range;
      c.magnitude_pos = normalised.cwiseMax(0.0f);
      c.magnitude_neg = (-normalised).cwiseMax(0.0f);
    } else {
      // u = (w/range + 1)/2 in [0, 1], so w = 2 range (u - 1/2).
      c.scale = 2.0 * range;
      c.offset = 0.5;
      c.magnitude_pos = (normalised.array() + 1.0f) * 0.5f;
    }
    return c;
  }
  const double q_max = std::ldexp(1.0, m.weight_bits - 1) - 1.0;  // symmetric: +-(2^(N-1)-1)
  c.scale = range / q_max;
  const Matrix q = (weights.array() / static_cast<float>(c.scale)).round().matrix();
  if (differential) {
    c.full_code = q_max;
    c.magnitude_pos = q.cwiseMax(0.0f);
    c.magnitude_neg = (-q).cwiseMax(0.0f);
  } else {
    c.offset = q_max;
    c.full_code = 2.0 * q_max;
    c.magnitude_pos = q.array() + static_cast<float>(q_max);
  }
  return c;
}

Matrix slice_digits(const Matrix& codes, int bits_per_cell, int slice) {
  const float divisor = std::ldexp(1.0f, bits_per_cell * slice);
  const float modulus = std::ldexp(1.0f, bits_per_cell);
  // Codes are exact integers below 2^24, so float floor/mod is exact.
  return (codes.array() / divisor)
      .floor()
      .unaryExpr([modulus](float v) { return v - modulus * std::floor(v / modulus); })
      .matrix();
}

}  // namespace xbarsim
