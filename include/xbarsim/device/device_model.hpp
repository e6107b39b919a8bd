#pragma once
// A memory-cell technology as seen by the crossbar: which conductances it can hold, how
// programming misses its targets, and how noisy each read is.
#include <string>

#include "xbarsim/core/random.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim {

// Independent sub-streams for one array's programming: variation and faults never share
// draws, so turning faults on does not change the variation of the other cells.
struct ProgrammingStreams {
  Rng& variation;
  Rng& faults;
};

class DeviceModel {
 public:
  virtual ~DeviceModel() = default;

  virtual std::string name() const = 0;
  // Physical conductance range of a cell (S). Targets are placed inside [g_min, g_max].
  virtual double g_min_siemens() const = 0;
  virtual double g_max_siemens() const = 0;
  // Distinct programmable states per cell; 0 means continuous (any target can be written).
  virtual int levels() const = 0;

  // Writes a whole array at once. On entry `conductance` holds targets in S within
  // [g_min, g_max]; on exit it holds what the cells really store: targets rounded to the
  // device's levels, with programming variation and stuck-at faults applied. Values are
  // finite and non-negative. A technology with a physical conductance range clips to it
  // (ReRAM); one whose variation is a static mismatch around a nominal cell current may
  // exceed g_max (SRAM: an on cell conducts (1 + e) I_on).
  // One call per array keeps virtual dispatch off the per-element path.
  virtual void program(Matrix& conductance, ProgrammingStreams streams) const = 0;

  // Standard deviation (S) of the cycle-to-cycle read noise of each programmed cell. The
  // engine draws fresh output-referred noise from it on every read.
  virtual void read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const = 0;
  // Correlation rho in [0, 1] of that read noise between the input cycles and phases of one
  // MVM (docs/devices.md#temporal-correlation): 0 = independent per cycle (white noise), 1 =
  // frozen over the MVM (random telegraph and 1/f noise are almost constant over nanoseconds).
  virtual double read_noise_cycle_correlation() const { return 0.0; }

  // Read current beyond Ohm's law, I = G V + a2 V^2 + a3 V^3 (docs/devices.md#iv-nonlinearity).
  // A linear cell returns false; iv_coefficients then leaves a2 = a3 = 0. One call per array.
  virtual bool iv_nonlinear() const { return false; }
  virtual void iv_coefficients(const Matrix& conductance, Matrix& a2, Matrix& a3) const {
    a2.setZero(conductance.rows(), conductance.cols());
    a3.setZero(conductance.rows(), conductance.cols());
  }

  // Duration of one read pulse (s), used for cell read energy V^2 G t.
  virtual double read_pulse_s() const = 0;

  // Read energy. A resistive cell dissipates V^2 G t_read per read; the engine sums this over
  // the actual inputs and conductances. A cell with a fixed cost per evaluation (charge-domain
  // SRAM) is not resistive and returns that cost from fixed_read_energy_j().
  virtual bool resistive_read() const = 0;
  virtual double fixed_read_energy_j() const = 0;
  // Energy and time to (re)program one cell, and the area of one cell.
  virtual double write_energy_j() const = 0;
  virtual double write_time_s() const = 0;
  virtual double cell_area_m2() const = 0;
};

}  // namespace xbarsim
