#include "circuits/digital/shift_add.hpp"

#include "circuits/action_table.hpp"
#include "circuits/param_checks.hpp"

namespace xbarsim {

namespace {
// ISAAC (Shafiee et al., ISCA 2016, Table I): 4 shift-and-add units per IMA draw 0.2 mW at
// 1.2 GHz; one operation per unit per cycle gives 0.2 mW / (4 x 1.2 GHz) = 41.67 fJ.
constexpr double kIsaacClockHz = 1.2e9;
constexpr double kIsaacShiftAddJ = 0.2e-3 / (4.0 * kIsaacClockHz);
// ISAAC Table I, as we read it (to be checked against the paper): 0.00024 mm^2 for the 4 units.
constexpr double kIsaacShiftAddAreaM2 = 0.00024e-6 / 4.0;
}  // namespace

ModelSpec shift_add_spec() {
  return ModelSpec{
      "digital.shift_add",
      ModelKind::kCost,
      "shift-and-add unit: energy per shift_add operation",
      "docs/costs.md#digital-shift-add",
      {
          real_param("energy_per_op_j", "J", kIsaacShiftAddJ, 0.0, 1e-9,
                     "energy of one shift-and-add; default derived from ISAAC Table I: 0.2 mW / "
                     "(4 units x 1.2 GHz)"),
          real_param("op_latency_s", "s", 1.0 / kIsaacClockHz, 0.0, 1e-3,
                     "time one unit takes per operation; default: one ISAAC cycle, 1 / 1.2 GHz"),
          real_param("area_m2", "m2", kIsaacShiftAddAreaM2, 0.0, 1e-6,
                     "area of one unit; default: 0.00024 mm^2 / 4 (ISAAC Table I as we read it; "
                     "to be checked against the paper)"),
          circuits::technology_node_param(32e-9, "default: ISAAC's 32 nm"),
      }};
}

std::unique_ptr<CostModel> make_shift_add(const ParamSet& p) {
  static const ModelSpec spec = shift_add_spec();
  using circuits::checked_real;
  const double e = checked_real(p, spec, "energy_per_op_j");
  const double t = checked_real(p, spec, "op_latency_s");
  circuits::ActionTableCost::Table table = {{"shift_add", {e, t}}};
  // Full activity: one operation per op_latency_s.
  return std::make_unique<circuits::ActionTableCost>(
      spec.name, p.origin(), std::move(table), checked_real(p, spec, "area_m2"),
      checked_real(p, spec, "technology_node_m"), t > 0 ? e / t : 0.0);
}

}  // namespace xbarsim
