#pragma once
// How a weight matrix is laid out over crossbar arrays: quantisation, bit slices, signed
// encoding and tiling. Pure geometry and arithmetic; no device physics here.
#include <cstdint>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/types.hpp"
#include "xbarsim/engine/action_counts.hpp"

namespace xbarsim {

// Geometry of one weight matrix (out x in, y = W x) on arrays of rows x cols cells.
struct MappingPlan {
  Index inputs = 0;               // crossbar rows used in total (= W.cols())
  Index outputs = 0;              // logical output columns (= W.rows())
  Index array_rows = 0;           // tile.rows
  Index array_cols = 0;           // tile.cols (physical bit lines)
  int slices = 1;                 // weight slices, each in its own set of arrays
  int columns_per_output = 2;     // 2 for a differential pair, 1 for offset encoding
  bool reference_column = false;  // offset encoding: one G_min column per array
  Index outputs_per_array = 0;    // logical outputs that fit in one array
  Index row_blocks = 0;           // ceil(inputs / array_rows)
  Index col_blocks = 0;           // ceil(outputs / outputs_per_array)

  Index arrays() const { return row_blocks * col_blocks * slices; }
  Index rows_in_block(Index rb) const;
  Index outputs_in_block(Index cb) const;
  // Physical columns used in one array of column block cb (pairs plus reference).
  Index physical_cols_in_block(Index cb) const;
  // Stable array id: used to derive each array's random streams.
  Index array_id(Index rb, Index cb, int slice) const {
    return (rb * col_blocks + cb) * slices + slice;
  }
};

// Throws ConfigError naming tile.* keys when the geometry is impossible.
MappingPlan plan_mapping(Index outputs, Index inputs, const TileConfig& tile, int device_levels);

// Input cycles per vector for `input_bits` over a DAC of `dac_bits` per cycle (0 = continuous).
int input_cycles(int input_bits, int dac_bits);

// Action counts of `vectors` input vectors through a mapped matrix: the closed forms the
// engine also uses, so simulated and shape-only estimates count the same way.
struct ActionCountsFor {
  double array_reads, dac_drives, adc_conversions, cell_macs, shift_adds, digital_adds;
};
ActionCountsFor crossbar_counts(const MappingPlan& plan, int cycles, bool signed_inputs,
                                double vectors);
// The same counts as the engine reports them (no cell read energy, no writes).
ActionCounts as_action_counts(const ActionCountsFor& f);

// Signed integer (or, for continuous encoding, real) weight codes and the scale back to W.
struct WeightCodes {
  Matrix magnitude_pos;    // out x in, >= 0: the positive part (differential) or u = q + offset
  Matrix magnitude_neg;    // out x in, >= 0: the negative part (differential only; else empty)
  double scale = 1.0;      // W ~= scale * (pos - neg)   or   scale * (u - offset)
  double offset = 0.0;     // offset encoding only
  double full_code = 1.0;  // largest magnitude code: 2^m - 1 (sliced) or 1 (continuous)
};

// Per-matrix symmetric quantisation to mapping.weight_bits (or continuous normalisation).
WeightCodes encode_weights(const Matrix& weights, const MappingConfig& mapping);

// Digit of slice s of non-negative integer codes: floor(code / 2^(b s)) mod 2^b.
Matrix slice_digits(const Matrix& codes, int bits_per_cell, int slice);

}  // namespace xbarsim
