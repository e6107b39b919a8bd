#pragma once
// dac.ideal: a continuous row driver that applies the real-valued input in one cycle.
#include <memory>
#include <string>

#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

class IdealDac final : public Dac {
 public:
  IdealDac(double read_voltage_v, double energy_per_drive_j, double static_power_w, double area_m2)
      : read_voltage_v_(read_voltage_v),
        energy_per_drive_j_(energy_per_drive_j),
        static_power_w_(static_power_w),
        area_m2_(area_m2) {}

  std::string name() const override { return "dac.ideal"; }
  int bits_per_cycle() const override { return 0; }
  double read_voltage_v() const override { return read_voltage_v_; }
  double energy_per_drive_j() const override { return energy_per_drive_j_; }
  double static_power_w() const override { return static_power_w_; }
  double area_m2() const override { return area_m2_; }

 private:
  double read_voltage_v_;
  double energy_per_drive_j_;
  double static_power_w_;
  double area_m2_;
};

ModelSpec ideal_dac_spec();
std::unique_ptr<Dac> make_ideal_dac(const ParamSet& params);

}  // namespace xbarsim
