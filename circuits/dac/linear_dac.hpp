#pragma once
// dac.linear: a v-bit linear row driver; v = 1 is bit-serial input.
#include <memory>
#include <string>
#include <vector>

#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

class LinearDac final : public Dac {
 public:
  static constexpr int kMinBits = 1;
  // Above 8 bits per cycle the row voltage steps fall below typical read-noise levels, and no
  // crossbar design we cite (docs/references.md) drives more than a few bits per cycle.
  static constexpr int kMaxBits = 8;

  LinearDac(int bits, double read_voltage_v, double energy_per_drive_j, double static_power_w,
            double area_m2, std::vector<double> inl_lsb = {})
      : bits_(bits),
        read_voltage_v_(read_voltage_v),
        energy_per_drive_j_(energy_per_drive_j),
        static_power_w_(static_power_w),
        area_m2_(area_m2),
        inl_lsb_(std::move(inl_lsb)) {}

  std::string name() const override { return "dac.linear"; }
  int bits_per_cycle() const override { return bits_; }
  double read_voltage_v() const override { return read_voltage_v_; }
  // Charge energy of one drive of one row, J (the static share is static_power_w()).
  double energy_per_drive_j() const override { return energy_per_drive_j_; }
  double static_power_w() const override { return static_power_w_; }
  double area_m2() const override { return area_m2_; }
  const std::vector<double>& inl_lsb() const override { return inl_lsb_; }

 private:
  int bits_;
  double read_voltage_v_;
  double energy_per_drive_j_;
  double static_power_w_;
  double area_m2_;
  std::vector<double> inl_lsb_;
};

ModelSpec linear_dac_spec();
std::unique_ptr<Dac> make_linear_dac(const ParamSet& params);

}  // namespace xbarsim
