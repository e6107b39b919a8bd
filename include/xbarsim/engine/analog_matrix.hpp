#pragma once
// One weight matrix programmed onto crossbar arrays, multiplying whole batches at once:
// DAC -> analog column sums with variation and read noise -> ADC -> shift-and-add ->
// digital accumulation over row blocks.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xbarsim/circuit/nonlinear_crossbar.hpp"
#include "xbarsim/engine/action_counts.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/mapping/weight_mapping.hpp"

namespace xbarsim {

// Identifies a programmed instance: its streams derive from (seed, layer, trial, array, ...).
struct StreamKey {
  std::uint64_t seed = 0;
  std::uint64_t layer = 0;
  std::uint64_t trial = 0;
};

class AnalogMatrix {
 public:
  // Samples per work unit. Fixed (never derived from the thread count) so that the noise
  // streams, and hence the results, are identical for any number of threads.
  static constexpr Index kBatchChunk = 32;

  // Maps and programs `weights` (out x in; y = W x). `label` names the matrix in errors.
  AnalogMatrix(const Matrix& weights, std::shared_ptr<const TileModels> models, StreamKey key,
               std::string label, int threads = 1);

  // Sets calibrated ADC ranges from the currents of a calibration batch (in x B). Does
  // nothing for fixed-range or ideal ADCs.
  void calibrate(const MatrixView& inputs, double input_range);

  // y = W x for a batch (in x B). Inputs are quantised over [-input_range, input_range].
  // Every call is a fresh read: new read and ADC noise.
  Matrix multiply(const MatrixView& inputs, double input_range, ActionCounts* counts = nullptr);

  const MappingPlan& plan() const { return plan_; }
  // Counts of one multiply of a batch of `batch` vectors, from the mapping alone.
  ActionCounts counts_for(Index batch, bool signed_inputs) const;
  int input_cycles() const { return cycles_; }
  // The ADC full scale of every data row (slice x output) of each row block, A: fixed,
  // absolute, or as the last calibrate() set them.
  const std::vector<Vector>& adc_full_scales() const { return full_scale_; }
  // The largest current one array column can carry: every physical row at the largest drive
  // and the largest conductance difference, rows V_read (G_max - G_min), A. The unit in which
  // a full scale carries over between matrices of the same shape that are programmed in turn.
  double array_max_current_a() const;
  // Every ADC full scale set to `fraction` x array_max_current_a(): a range fixed in advance
  // for a matrix that cannot be calibrated before it is read (docs/transformers.md).
  void set_full_scale_rel(double fraction);
  // The widest full scale now set, A.
  double largest_full_scale_a() const;
  // Cells that hold this matrix: every slice of every used row and physical column, reference
  // columns included. What programming the matrix writes.
  double programmed_cells() const;

 private:
  struct RowBlock {
    Matrix conductance;      // (slices*outputs [+ references]) x rows: effective G^T (or the
                             // IR-drop transfer matrix), A/V
    Matrix variance;         // same shape: summed read-noise variance per cell set, S^2
    Vector row_conductance;  // per row: sum of every physical cell's conductance, S
    Matrix cell_power;       // with IR drop: rows x rows, cell power = V^T Q V (W/V^2)
    // Nonlinear cells with ideal wires (docs/devices.md#iv-nonlinearity): I = conductance V
    // + quadratic V^2 + cubic V^3 row by row, and per row the sums of a2 and a3 for energy.
    Matrix quadratic, cubic;  // same shape as conductance, A/V^2 and A/V^3
    Vector row_quadratic, row_cubic;
  };
  // Per-thread scratch buffers, reused across chunks so the hot loop does not allocate.
  struct Workspace {
    Matrix volts, active_volts, squared_volts, currents, noise_std, deviates, shared, readout,
        accumulator, power;
    std::vector<Index> active;
    double read_energy_j = 0;  // cell read energy accumulated by read_block
  };
  void program(const WeightCodes& codes);
  void set_fixed_full_scale();
  // Builds the drive voltages of row block rb for one chunk: rows x (phases*cycles*chunk).
  void drive_voltages(const Matrix& codes_pos, const Matrix* codes_neg, Index rb,
                      Matrix& volts) const;
  // Column currents after read noise and reference subtraction, into ws.currents; its first
  // slices*outputs rows are the data columns (reference rows follow, if any). Column j of
  // `volts` is column read_of[j] of ws.volts (all of them when read_of is null), in the
  // (phase, cycle, sample) order of drive_voltages, which the shared noise part needs.
  void column_currents(Index rb, const Matrix& volts, std::uint64_t read, Index chunk,
                       Index chunk_size, const std::vector<Index>* read_of, Workspace& ws) const;
  // One chunk through row block rb: DAC, analog sums and noise; leaves the data columns'
  // currents, (slices*outputs) x (phases*cycles*chunk), in ws.readout.
  void read_block(Index rb, const Matrix& pos, const Matrix* neg, std::uint64_t read, Index chunk,
                  Workspace& ws) const;
  // Noise-free column currents of row block rb into ws.currents: the transfer GEMM, plus the
  // nonlinear terms, or with nonlinear cells and IR drop the iterated solve of each array.
  void ideal_currents(Index rb, const Matrix& volts, Workspace& ws) const;
  // Throws ConfigError unless every cell's I-V rises with V over the drive range.
  void check_iv_monotonic(const Matrix& g, const Matrix& a2, const Matrix& a3) const;
  Index data_rows() const { return plan_.outputs * plan_.slices; }

  std::shared_ptr<const TileModels> models_;
  StreamKey key_;
  std::string label_;
  int threads_;
  MappingPlan plan_;
  int cycles_ = 1;               // input cycles per phase
  int dac_bits_ = 0;             // 0: continuous drive
  double input_levels_ = 1.0;    // largest input code: 2^n - 1, or 1 when continuous
  double code_conductance_ = 0;  // conductance of one weight-code unit, S
  double weight_scale_ = 1.0;
  double weight_offset_ = 0.0;
  bool noisy_ = false;
  double cycle_correlation_ = 0;  // rho of the read noise over one MVM's cycles and phases
  std::vector<RowBlock> blocks_;
  std::vector<Vector> full_scale_;           // per row block: per data row, A
  std::vector<AdcStaticErrors> adc_errors_;  // per array id, when the ADC has static errors
  // Per array id, with nonlinear cells and ir_drop = exact: the array's factorised network,
  // freed with the matrix (one trial of one layer).
  std::vector<std::shared_ptr<const NonlinearCrossbar>> nonlinear_arrays_;
  std::uint64_t reads_ = 0;
};

}  // namespace xbarsim
