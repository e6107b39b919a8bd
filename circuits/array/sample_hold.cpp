#include "circuits/array/sample_hold.hpp"

#include "circuits/action_table.hpp"
#include "circuits/param_checks.hpp"

namespace xbarsim {

namespace {
// ISAAC (Shafiee et al., ISCA 2016, Table I): 8 x 128 sample-and-hold circuits draw 10 uW per
// IMA; each samples once per 100 ns crossbar read: 10 uW x 100 ns / 1024 = 0.9766 fJ.
constexpr double kIsaacReadS = 100e-9;
constexpr double kIsaacSampleJ = 10e-6 * kIsaacReadS / 1024.0;
// ISAAC Table I, as we read it (not in REFERENCES.md): 0.00004 mm^2 for the 1024 circuits.
constexpr double kIsaacSampleHoldAreaM2 = 0.00004e-6 / 1024.0;
}  // namespace

ModelSpec sample_hold_spec() {
  return ModelSpec{
      "array.sample_hold",
      ModelKind::kCost,
      "column sample-and-hold: energy per sample, held for one crossbar read",
      "docs/costs.md#array-sample-hold",
      {
          real_param("energy_per_sample_j", "J", kIsaacSampleJ, 0.0, 1e-9,
                     "energy of one sample (one column, one crossbar read); default derived "
                     "from ISAAC Table I: 10 uW x 100 ns / (8 x 128)"),
          real_param("sample_time_s", "s", kIsaacReadS, 0.0, 1e-3,
                     "time one circuit is busy per sample (it holds the value for the read); "
                     "default: ISAAC's 100 ns crossbar read"),
          real_param("area_m2", "m2", kIsaacSampleHoldAreaM2, 0.0, 1e-6,
                     "area of one circuit; default: 0.00004 mm^2 / 1024 (ISAAC Table I as we "
                     "read it; not in REFERENCES.md)"),
          circuits::technology_node_param(32e-9, "default: ISAAC's 32 nm"),
      }};
}

std::unique_ptr<CostModel> make_sample_hold(const ParamSet& p) {
  static const ModelSpec spec = sample_hold_spec();
  using circuits::checked_real;
  circuits::ActionTableCost::Table table = {
      {"sample",
       {checked_real(p, spec, "energy_per_sample_j"), checked_real(p, spec, "sample_time_s")}},
  };
  return std::make_unique<circuits::ActionTableCost>(spec.name, p.origin(), std::move(table),
                                                     checked_real(p, spec, "area_m2"),
                                                     checked_real(p, spec, "technology_node_m"));
}

}  // namespace xbarsim
