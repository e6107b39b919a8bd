#include "circuits/dac/linear_dac.hpp"

#include "circuits/param_checks.hpp"

namespace xbarsim {

namespace {
// ISAAC (Shafiee et al., ISCA 2016, Table I): 8x128 1-bit DACs draw 4 mW and occupy
// 0.00017 mm^2 per IMA: 3.90625 uW and 1.66015625e-13 m^2 per DAC. The power is taken as
// drawn while driving, so a drive of t costs 3.9 uW x t (0.39 pJ at ISAAC's 100 ns read).
constexpr double kIsaacDacPowerW = 4e-3 / 1024.0;
constexpr double kIsaacDacAreaM2 = 0.00017e-6 / 1024.0;
}  // namespace

ModelSpec linear_dac_spec() {
  return ModelSpec{
      "dac.linear",
      ModelKind::kDac,
      "v-bit linear row driver (v = 1: bit-serial); digit d drives d/(2^v-1) * read_voltage_v",
      "docs/circuits.md#dac-linear",
      {
          int_param("bits", "bit", 1, LinearDac::kMinBits, LinearDac::kMaxBits,
                    "input bits applied per cycle (1 = bit-serial)"),
          real_param("read_voltage_v", "V", 0.3, 0.0, 5.0,
                     "row voltage of the largest digit (> 0); default: 0.3 V read voltage of "
                     "the ReRAM cell used for ISAAC's array (Hu et al., DAC 2016)"),
          real_param("energy_per_drive_j", "J", 0.0, 0.0, 1e-9,
                     "charge energy of one drive of one row, C_row V^2, whatever its length; "
                     "default 0 (ISAAC's figure is all in static_power_w)"),
          real_param("static_power_w", "W", kIsaacDacPowerW, 0.0, 1e-3,
                     "power of one driver while it holds a row, times the architecture's read "
                     "time per drive; default derived from ISAAC Table I: 4 mW / (8x128 DACs)"),
          text_param("inl_lsb", "LSB", "",
                     "static nonlinearity: 2^bits numbers, INL of each digit in LSB (steps), so "
                     "digit d drives (d + inl[d]) / (2^v - 1) * read_voltage_v; empty = ideal. "
                     "A measured DAC's end-point INL has inl[0] = inl[2^v - 1] = 0"),
          real_param("area_m2", "m2", kIsaacDacAreaM2, 0.0, 1e-6,
                     "area of one DAC; default derived from ISAAC Table I: 0.00017 mm^2 / "
                     "(8x128 DACs)"),
      }};
}

std::unique_ptr<Dac> make_linear_dac(const ParamSet& p) {
  static const ModelSpec spec = linear_dac_spec();
  const auto bits = static_cast<int>(circuits::checked_integer(p, spec, "bits"));
  const double v = circuits::checked_real(p, spec, "read_voltage_v");
  if (v <= 0.0) throw ConfigError(p.origin(), "read_voltage_v", "expected a voltage > 0 V, got 0");
  std::vector<double> inl = circuits::checked_number_list(p, "inl_lsb");
  const std::size_t digits = std::size_t{1} << bits;
  if (!inl.empty() && inl.size() != digits)
    throw ConfigError(p.origin(), "inl_lsb",
                      "expected " + std::to_string(digits) + " entries (one per digit of a " +
                          std::to_string(bits) + "-bit DAC), got " + std::to_string(inl.size()));
  for (std::size_t d = 0; d < inl.size(); ++d)
    if (static_cast<double>(d) + inl[d] < 0)
      throw ConfigError(p.origin(), "inl_lsb",
                        "digit " + std::to_string(d) + " would drive a negative voltage (" +
                            std::to_string(static_cast<double>(d) + inl[d]) + " steps)");
  return std::make_unique<LinearDac>(bits, v, circuits::checked_real(p, spec, "energy_per_drive_j"),
                                     circuits::checked_real(p, spec, "static_power_w"),
                                     circuits::checked_real(p, spec, "area_m2"), std::move(inl));
}

}  // namespace xbarsim
