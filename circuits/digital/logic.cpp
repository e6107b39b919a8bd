#include "circuits/digital/logic.hpp"

#include "circuits/action_table.hpp"
#include "circuits/param_checks.hpp"

namespace xbarsim {

ModelSpec digital_logic_spec() {
  // Defaults: int8 at 45 nm, 0.9 V (Horowitz, ISSCC 2014, Fig. 1.1.9).
  return ModelSpec{
      "digital.logic",
      ModelKind::kCost,
      "digital arithmetic at one precision: add, mult, mac = mult + add, compare = add",
      "docs/costs.md#digital-logic",
      {
          choice_param("precision", std::string("int8"), {"int8", "int16", "int32", "fp16", "fp32"},
                       "operand format the energies are for (the card's); it labels the card, "
                       "it does not change the energies"),
          real_param("add_energy_j", "J", 0.03e-12, 0.0, 1e-9,
                     "energy of one addition; default: int8 add, 0.03 pJ (Horowitz, ISSCC 2014)"),
          real_param("mult_energy_j", "J", 0.2e-12, 0.0, 1e-9,
                     "energy of one multiplication; default: int8 multiply, 0.2 pJ (Horowitz, "
                     "ISSCC 2014)"),
          real_param("add_area_m2", "m2", 36e-12, 0.0, 1e-6,
                     "area of one adder; default: int8 add, 36 um^2 (Horowitz, ISSCC 2014)"),
          real_param("mult_area_m2", "m2", 282e-12, 0.0, 1e-6,
                     "area of one multiplier; default: int8 multiply, 282 um^2 (Horowitz, ISSCC "
                     "2014)"),
          real_param("op_latency_s", "s", 1e-9, 0.0, 1e-3,
                     "time one unit takes per operation (a pipelined MAC completes one per "
                     "cycle); default (assumption): one 1 GHz cycle"),
          circuits::technology_node_param(45e-9, "default: Horowitz's 45 nm"),
      }};
}

std::unique_ptr<CostModel> make_digital_logic(const ParamSet& p) {
  static const ModelSpec spec = digital_logic_spec();
  using circuits::checked_real;
  circuits::checked_choice(p, spec, "precision");
  const double add = checked_real(p, spec, "add_energy_j");
  const double mult = checked_real(p, spec, "mult_energy_j");
  const double t = checked_real(p, spec, "op_latency_s");
  circuits::ActionTableCost::Table table = {
      {"add", {add, t}},
      {"mult", {mult, t}},
      // A MAC is one multiplication and one addition; a pipelined MAC unit takes one cycle.
      {"mac", {mult + add, t}},
      // A comparison (max pooling, ReLU) is a subtraction: priced as an addition.
      {"compare", {add, t}},
  };
  // One instance is one MAC unit: a multiplier and an adder.
  const double area = checked_real(p, spec, "add_area_m2") + checked_real(p, spec, "mult_area_m2");
  // Full activity: one MAC per op_latency_s.
  const double peak_w = t > 0 ? (mult + add) / t : 0.0;
  return std::make_unique<circuits::ActionTableCost>(spec.name, p.origin(), std::move(table), area,
                                                     checked_real(p, spec, "technology_node_m"),
                                                     peak_w);
}

}  // namespace xbarsim
