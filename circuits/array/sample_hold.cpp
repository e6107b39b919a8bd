#include "circuits/array/sample_hold.hpp"

#include "circuits/action_table.hpp"
#include "circuits/param_checks.hpp"

namespace xbarsim {

namespace {
// ISAAC (Shafiee et al., ISCA 2016, Table I): 8 x 128 sample-and-hold circuits draw 10 uW per
// IMA, 9.77 nW each, taken as drawn while a circuit holds its column for the ADC.
constexpr double kIsaacReadS = 100e-9;
constexpr double kIsaacHoldPowerW = 10e-6 / 1024.0;
// ISAAC Table I, as we read it (to be checked against the paper): 0.00004 mm^2 for the 1024
// circuits.
constexpr double kIsaacSampleHoldAreaM2 = 0.00004e-6 / 1024.0;
}  // namespace

ModelSpec sample_hold_spec() {
  return ModelSpec{
      "array.sample_hold",
      ModelKind::kCost,
      "column sample-and-hold: energy per sample, held for one crossbar read",
      "docs/costs.md#array-sample-hold",
      {
          real_param("energy_per_sample_j", "J", 0.0, 0.0, 1e-9,
                     "charge energy of one sample (C_hold V^2), whatever the hold time; default "
                     "0 (ISAAC's figure is all in hold_power_w)"),
          real_param("hold_power_w", "W", kIsaacHoldPowerW, 0.0, 1e-3,
                     "power of one circuit while it holds a sample; priced per second held "
                     "(action hold_second), the hold lasting the architecture's read step; "
                     "default derived from ISAAC Table I: 10 uW / (8 x 128)"),
          real_param("sample_time_s", "s", kIsaacReadS, 0.0, 1e-3,
                     "time one circuit is busy per sample (it holds the value for the read); "
                     "default: ISAAC's 100 ns crossbar read"),
          real_param("area_m2", "m2", kIsaacSampleHoldAreaM2, 0.0, 1e-6,
                     "area of one circuit; default: 0.00004 mm^2 / 1024 (ISAAC Table I as we "
                     "read it; to be checked against the paper)"),
          circuits::technology_node_param(32e-9, "default: ISAAC's 32 nm"),
      }};
}

std::unique_ptr<CostModel> make_sample_hold(const ParamSet& p) {
  static const ModelSpec spec = sample_hold_spec();
  using circuits::checked_real;
  const double sample = checked_real(p, spec, "energy_per_sample_j");
  const double t = checked_real(p, spec, "sample_time_s");
  const double hold_w = checked_real(p, spec, "hold_power_w");
  circuits::ActionTableCost::Table table = {
      {"sample", {sample, t}},
      // Energy per second of holding, i.e. the hold power; its latency is one second.
      {"hold_second", {hold_w, 1.0}},
  };
  // Full activity: a new sample every sample_time_s, held throughout.
  return std::make_unique<circuits::ActionTableCost>(
      spec.name, p.origin(), std::move(table), checked_real(p, spec, "area_m2"),
      checked_real(p, spec, "technology_node_m"), hold_w + (t > 0 ? sample / t : 0.0));
}

}  // namespace xbarsim
