#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace xbarsim::app {

struct EnergyOptions {
  std::string arch;
  std::string model;
  std::string workload;
  std::string digital;  // default: data/arch/digital/int8_ws.yaml
  double batch = 1;
  std::vector<std::string> sets;
  std::string format = "text";
};

CLI::App* add_energy_command(CLI::App& app, EnergyOptions& options);
int run_energy(const EnergyOptions& options);
// The digital baseline file used when none is given.
std::string default_digital_path();

}  // namespace xbarsim::app
