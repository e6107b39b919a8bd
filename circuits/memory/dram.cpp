#include "circuits/memory/dram.hpp"

#include "circuits/action_table.hpp"
#include "circuits/param_checks.hpp"

namespace xbarsim {

namespace {
// Horowitz, ISSCC 2014: a 64-bit DRAM access costs 1.3-2.6 nJ; the lower bound per bit.
constexpr double kHorowitzLowPerBitJ = 1.3e-9 / 64.0;  // 20.3125 pJ
// Assumption: one DDR3-1600 channel, 64 bits x 1600 MT/s = 102.4 Gbit/s.
constexpr double kDdr3ChannelBitRateHz = 64.0 * 1600e6;
}  // namespace

ModelSpec dram_spec() {
  return ModelSpec{
      "memory.dram",
      ModelKind::kCost,
      "off-chip DRAM: energy per bit read or written, latency 1 / bit rate, no on-chip area",
      "docs/costs.md#memory-dram",
      {
          real_param("energy_per_bit_j", "J", kHorowitzLowPerBitJ, 0.0, 1e-9,
                     "energy per bit read or written (the interface and the array); default "
                     "1.3 nJ / 64 bit, the lower end of Horowitz, ISSCC 2014"),
          real_param("bit_rate_hz", "Hz", kDdr3ChannelBitRateHz, 1.0, 1e15,
                     "bits transferred per second (bandwidth in bit/s); the latency of one bit "
                     "is 1 / bit_rate_hz; default (assumption): one DDR3-1600 x64 channel, "
                     "102.4 Gbit/s"),
          circuits::technology_node_param(
              45e-9, "default: the node of Horowitz's table, which the DRAM figure belongs to"),
      }};
}

std::unique_ptr<CostModel> make_dram(const ParamSet& p) {
  static const ModelSpec spec = dram_spec();
  using circuits::checked_real;
  const double energy = checked_real(p, spec, "energy_per_bit_j");
  const double latency = 1.0 / checked_real(p, spec, "bit_rate_hz");
  circuits::ActionTableCost::Table table = {
      {"read_bit", {energy, latency}},
      {"write_bit", {energy, latency}},
  };
  // Off chip: DRAM takes no accelerator area.
  return std::make_unique<circuits::ActionTableCost>(spec.name, p.origin(), std::move(table), 0.0,
                                                     checked_real(p, spec, "technology_node_m"));
}

}  // namespace xbarsim
