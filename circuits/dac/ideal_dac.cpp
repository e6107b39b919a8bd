#include "circuits/dac/ideal_dac.hpp"

#include "circuits/param_checks.hpp"

namespace xbarsim {

ModelSpec ideal_dac_spec() {
  return ModelSpec{
      "dac.ideal",
      ModelKind::kDac,
      "continuous row driver: the real-valued input in one cycle, no quantisation",
      "docs/circuits.md#dac-ideal",
      {
          real_param("read_voltage_v", "V", 0.2, 0.0, 5.0,
                     "row voltage for the full-scale input (> 0); default: PRIME's 0.2 V read "
                     "voltage (Chi et al., ISCA 2016)"),
          real_param("energy_per_drive_j", "J", 0.0, 0.0, 1e-9,
                     "energy per row drive per input cycle; default 0: an idealised driver "
                     "costs nothing unless a card says otherwise"),
          real_param("static_power_w", "W", 0.0, 0.0, 1e-3,
                     "power one driver draws while it holds a row; default 0 (idealised)"),
          real_param("area_m2", "m2", 0.0, 0.0, 1e-6,
                     "area of one row driver; default 0 (idealised)"),
      }};
}

std::unique_ptr<Dac> make_ideal_dac(const ParamSet& p) {
  static const ModelSpec spec = ideal_dac_spec();
  const double v = circuits::checked_real(p, spec, "read_voltage_v");
  if (v <= 0.0) throw ConfigError(p.origin(), "read_voltage_v", "expected a voltage > 0 V, got 0");
  return std::make_unique<IdealDac>(v, circuits::checked_real(p, spec, "energy_per_drive_j"),
                                    circuits::checked_real(p, spec, "static_power_w"),
                                    circuits::checked_real(p, spec, "area_m2"));
}

}  // namespace xbarsim
