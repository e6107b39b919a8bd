#include "comparison_options.hpp"

#include "common.hpp"

namespace xbarsim::app {

ComparisonOptions ComparisonCli::options() const {
  ComparisonOptions c;
  c.digital_path = digital;
  c.digital_own_dram = digital_dram == "own";
  c.inferences_per_load = inferences_per_load;
  return c;
}

void add_comparison_options(CLI::App* cmd, ComparisonCli& o) {
  cmd->add_option("--digital", o.digital,
                  "Digital baseline architecture (default data/arch/digital/int8_ws.yaml)");
  cmd->add_option("--digital-dram", o.digital_dram,
                  "DRAM card of the digital side: 'same' = the in-memory chip's (default), "
                  "'own' = the digital file's")
      ->check(CLI::IsMember({"same", "own"}));
  cmd->add_option("--inferences-per-load", o.inferences_per_load,
                  "Share the one-time weight load (programming the cells, filling the digital "
                  "weight store) over N inferences in the energy per inference (default 0: "
                  "reported apart)")
      ->check(number_in(0, 1e18));
}

}  // namespace xbarsim::app
