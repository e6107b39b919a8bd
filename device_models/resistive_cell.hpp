#pragma once
// What every resistive cell model shares (ideal, ReRAM, PCM): a read dissipates V^2 G t over
// the read pulse, and the cell-cost keys of docs/devices.md#cell-costs; plus the checks and
// the target rounding of the models whose targets are levels or continuous (levels = 0).
#include <string>

#include "device_models/cell_costs.hpp"
#include "device_models/iv_nonlinearity.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim::devices {

class ResistiveCell : public DeviceModel {
 public:
  double read_pulse_s() const override { return read_pulse_; }
  bool resistive_read() const override { return true; }
  double fixed_read_energy_j() const override { return 0.0; }
  double write_energy_j() const override { return costs_.write_energy_j; }
  double write_time_s() const override { return costs_.write_time_s; }
  double cell_area_m2() const override { return costs_.cell_area_m2; }
  double read_noise_cycle_correlation() const override { return cycle_correlation_; }
  bool iv_nonlinear() const override { return !iv_.linear(); }
  void iv_coefficients(const Matrix& conductance, Matrix& a2, Matrix& a3) const override {
    iv_.coefficients(conductance, a2, a3);
  }

 protected:
  explicit ResistiveCell(const ParamSet& params);

 private:
  double read_pulse_;
  double cycle_correlation_;
  CellCosts costs_;
  IvNonlinearity iv_;
};

// The key `read_noise_cycle_correlation_rel` that every resistive model with read noise
// declares.
ParamSpec cycle_correlation_param();

// `levels` of a model whose 0 means continuous targets: 0 or 2 to 256, else a ConfigError.
int checked_levels_or_continuous(const ParamSet& params);
// `t_inference_s`: a finite time >= 0, else a ConfigError naming it.
double checked_inference_time(const ParamSet& params);
// A target in [0, g_max] snapped to the nearest of the uniform levels `step` apart (step 0:
// continuous); throws for a target that is not finite and >= 0 (a mapping bug).
double snapped_target(float target, double g_max, double step, const std::string& model);

}  // namespace xbarsim::devices
