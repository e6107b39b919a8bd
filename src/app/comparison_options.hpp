#pragma once
// The command-line options of the in-memory against digital comparison, shared by
// `xbarsim energy` and `xbarsim eval`.
#include <CLI/CLI.hpp>
#include <string>

#include "xbarsim/system/comparison.hpp"

namespace xbarsim::app {

struct ComparisonCli {
  std::string digital;                // --digital
  std::string digital_dram = "same";  // --digital-dram same|own
  double inferences_per_load = 0;     // --inferences-per-load
  ComparisonOptions options() const;
};

void add_comparison_options(CLI::App* cmd, ComparisonCli& o);

}  // namespace xbarsim::app
