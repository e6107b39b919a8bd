#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "comparison_options.hpp"

namespace xbarsim::app {

struct EnergyOptions {
  std::string arch;
  std::string model;
  std::string workload;
  ComparisonCli comparison;
  double batch = 1;
  std::vector<std::string> sets;
  std::string format = "text";
};

CLI::App* add_energy_command(CLI::App& app, EnergyOptions& options);
int run_energy(const EnergyOptions& options, const std::string& command_line);

}  // namespace xbarsim::app
