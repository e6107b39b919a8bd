#pragma once
// Row driver: turns v-bit input digits into read voltages, one digit per input cycle.
#include <string>
#include <vector>

namespace xbarsim {

class Dac {
 public:
  virtual ~Dac() = default;
  virtual std::string name() const = 0;
  // Bits applied per input cycle (1 = bit-serial). 0 means an ideal, continuous driver that
  // applies the real-valued input in a single cycle.
  virtual int bits_per_cycle() const = 0;
  // Voltage of the largest digit (or of the full-scale input for a continuous driver), V.
  virtual double read_voltage_v() const = 0;
  // Voltage applied for digit d in [0, 2^bits - 1]: linear, V = d / (2^bits - 1) * V_read.
  double voltage_step_v() const;
  // Static nonlinearity (docs/circuits.md#dac-inl): digit d drives (d + inl[d]) steps. Empty
  // = ideal; otherwise 2^bits entries, in LSB (steps).
  virtual const std::vector<double>& inl_lsb() const {
    static const std::vector<double> none;
    return none;
  }

  // Costs (docs/circuits.md#dac-energy): the charge put on one row per drive (C_row V^2,
  // independent of timing), the power one driver draws while it holds a row at its voltage,
  // and one driver's area. A drive that lasts t costs energy_per_drive_j() + static_power_w() t,
  // so the same card prices a 1 ns and a 100 ns read by the architecture's own timing.
  virtual double energy_per_drive_j() const = 0;
  virtual double static_power_w() const = 0;
  virtual double area_m2() const = 0;
  double drive_energy_j(double drive_time_s) const {
    return energy_per_drive_j() + static_power_w() * drive_time_s;
  }
};

}  // namespace xbarsim
