#pragma once
// A 1-bit SRAM compute-in-memory cell seen as a two-state conductance: off (leakage) or on
// (I_on / V_read). Its analog error is static per-cell mismatch of the unit current or
// capacitor, fixed at manufacture, plus optional thermal read noise.
// Equations and sources: docs/devices.md#sram-cim.
#include "device_models/cell_costs.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

class SramCell final : public DeviceModel {
 public:
  static constexpr const char* kName = "sram.cim";
  static ModelSpec spec();

  // Throws ConfigError (naming params.origin()) on contradictory values.
  explicit SramCell(const ParamSet& params);

  std::string name() const override { return kName; }
  double g_min_siemens() const override { return g_off_; }
  double g_max_siemens() const override { return g_on_; }
  int levels() const override { return 2; }
  void program(Matrix& conductance, ProgrammingStreams streams) const override;
  void read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const override;
  double read_pulse_s() const override { return read_pulse_; }

  // A charge-domain cell costs a fixed energy per evaluation, whatever it stores.
  bool resistive_read() const override { return false; }
  double fixed_read_energy_j() const override { return read_energy_; }
  double write_energy_j() const override { return costs_.write_energy_j; }
  double write_time_s() const override { return costs_.write_time_s; }
  double cell_area_m2() const override { return costs_.cell_area_m2; }

  // Energy of one cell taking part in one analog evaluation (J). Charge-domain cells have no
  // meaningful V^2 G t, so the energy is a published per-operation figure instead.
  double read_energy_j() const { return read_energy_; }
  double mismatch_rel() const { return mismatch_rel_; }

 private:
  double g_off_;
  double g_on_;
  double mismatch_rel_;
  double read_noise_rel_;
  double read_pulse_;
  double read_energy_;
  devices::CellCosts costs_;
};

}  // namespace xbarsim
