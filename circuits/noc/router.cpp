#include "circuits/noc/router.hpp"

#include "circuits/action_table.hpp"
#include "circuits/param_checks.hpp"

namespace xbarsim {

namespace {
// ISAAC (Shafiee et al., ISCA 2016, Table I): router with 8 ports and 32-bit flits, 42 mW,
// 0.151 mm^2, at 1.2 GHz. At full load every port forwards one flit per cycle:
// 42 mW / (8 x 32 bit x 1.2 GHz) = 0.13671875 pJ per bit per hop.
constexpr double kIsaacClockHz = 1.2e9;
constexpr double kIsaacBitHopJ = 42e-3 / (8.0 * 32.0 * kIsaacClockHz);
constexpr double kIsaacRouterAreaM2 = 0.151e-6;
}  // namespace

ModelSpec router_spec() {
  return ModelSpec{
      "noc.router",
      ModelKind::kCost,
      "network-on-chip router: energy per bit per hop; a flit of flit_bits crosses one hop in "
      "hop_latency_s",
      "docs/costs.md#noc-router",
      {
          real_param("energy_per_bit_hop_j", "J", kIsaacBitHopJ, 0.0, 1e-9,
                     "energy to move one bit across one router (and its output link); default "
                     "derived from ISAAC Table I: 42 mW / (8 ports x 32 bit x 1.2 GHz)"),
          real_param("hop_latency_s", "s", 1.0 / kIsaacClockHz, 0.0, 1e-3,
                     "time for one flit to cross one hop; default (assumption): one ISAAC "
                     "cycle, 1 / 1.2 GHz"),
          real_param("area_m2", "m2", kIsaacRouterAreaM2, 0.0, 1e-4,
                     "area of one router; default: ISAAC Table I, 0.151 mm^2"),
          int_param("flit_bits", "bit", 32, 1, 4096,
                    "bits per flit (per port per cycle); default: ISAAC Table I, 32"),
          int_param("ports", "1", 8, 1, 64,
                    "ports, each forwarding one flit per hop_latency_s at full load (the peak "
                    "power); default: ISAAC Table I, 8"),
          circuits::technology_node_param(32e-9, "default: ISAAC's 32 nm"),
      }};
}

std::unique_ptr<CostModel> make_router(const ParamSet& p) {
  static const ModelSpec spec = router_spec();
  using circuits::checked_integer;
  using circuits::checked_real;
  const double bit_hop = checked_real(p, spec, "energy_per_bit_hop_j");
  const double hop = checked_real(p, spec, "hop_latency_s");
  const auto flit = static_cast<double>(checked_integer(p, spec, "flit_bits"));
  circuits::ActionTableCost::Table table = {
      {"bit_hop", {bit_hop, hop / flit}},
      {"flit_hop", {bit_hop * flit, hop}},
  };
  // Full load: every port forwards one flit per hop time.
  const auto ports = static_cast<double>(checked_integer(p, spec, "ports"));
  const double peak_w = hop > 0 ? bit_hop * flit * ports / hop : 0.0;
  return std::make_unique<circuits::ActionTableCost>(
      spec.name, p.origin(), std::move(table), checked_real(p, spec, "area_m2"),
      checked_real(p, spec, "technology_node_m"), peak_w);
}

}  // namespace xbarsim
