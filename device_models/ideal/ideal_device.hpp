#pragma once
// A cell that stores exactly the conductance it is asked to: the reference against which every
// non-ideal device is measured.
#include <memory>

#include "device_models/cell_costs.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

class IdealDevice final : public DeviceModel {
 public:
  static constexpr const char* kName = "ideal";
  static ModelSpec spec();

  // Throws ConfigError (naming params.origin()) on contradictory values.
  explicit IdealDevice(const ParamSet& params);

  std::string name() const override { return kName; }
  double g_min_siemens() const override { return g_min_; }
  double g_max_siemens() const override { return g_max_; }
  int levels() const override { return 0; }
  void program(Matrix& conductance, ProgrammingStreams streams) const override;
  void read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const override;
  double read_pulse_s() const override { return read_pulse_; }

  // An ideal cell dissipates V^2 G t like any resistor; programming is free by definition.
  bool resistive_read() const override { return true; }
  double fixed_read_energy_j() const override { return 0.0; }
  double write_energy_j() const override { return costs_.write_energy_j; }
  double write_time_s() const override { return costs_.write_time_s; }
  double cell_area_m2() const override { return costs_.cell_area_m2; }

 private:
  double g_min_;
  double g_max_;
  double read_pulse_;
  devices::CellCosts costs_;
};

}  // namespace xbarsim
