#pragma once
// The cost parameters every device model declares (docs/devices.md#cell-costs): the area of
// one cell, and the energy and time to (re)program it. They do not change any simulated value;
// they price the engine's action counts. Each model gives its own defaults and reasons.
#include <string>

#include "xbarsim/config/param.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim::devices {

// ISAAC (Shafiee et al., ISCA 2016, Table I): 8 crossbars of 128 x 128 cells take 0.0002 mm^2,
// i.e. 2e-10 m^2 / 131072 cells = 1.52587890625e-15 m^2 per cell (32 nm).
inline constexpr double kIsaacCellAreaM2 = 0.0002e-6 / (8.0 * 128.0 * 128.0);

inline ParamSpec cell_area_param(double def, std::string why) {
  return real_param("cell_area_m2", "m2", def, 0.0, 1e-9,
                    "Area of one cell (m^2), for the array area; " + std::move(why));
}
inline ParamSpec write_energy_param(double def, std::string why) {
  return real_param("write_energy_j", "J", def, 0.0, 1e-6,
                    "Energy to (re)program one cell, verify included (J); " + std::move(why));
}
inline ParamSpec write_time_param(double def, std::string why) {
  return real_param("write_time_s", "s", def, 0.0, 1.0,
                    "Time to (re)program one cell, verify included (s); " + std::move(why));
}

// The three values, read and range-checked (a hand-built ParamSet bypasses the loader).
struct CellCosts {
  double cell_area_m2 = 0.0;
  double write_energy_j = 0.0;
  double write_time_s = 0.0;

  explicit CellCosts(const ParamSet& p)
      : cell_area_m2(checked(p, "cell_area_m2", 1e-9)),
        write_energy_j(checked(p, "write_energy_j", 1e-6)),
        write_time_s(checked(p, "write_time_s", 1.0)) {}

 private:
  static double checked(const ParamSet& p, const std::string& key, double max) {
    const double v = p.real(key);
    if (!(v >= 0.0 && v <= max))  // also rejects NaN
      throw ConfigError(p.origin(), key,
                        "expected a real number in [0, " + to_string(ParamValue(max)) + "], got " +
                            to_string(ParamValue(v)));
    return v;
  }
};

}  // namespace xbarsim::devices
