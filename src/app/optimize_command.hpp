#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace xbarsim::app {

struct OptimizeCliOptions {
  std::string arch, model, output, objective = "energy";
  double max_drop = 0.005, confidence = 0.95;
  std::vector<std::string> knobs = {"tile.adc.bits"}, ranges, sets;
  std::int64_t trials = 3, search_images = 2000, calibration_images = 256, test_images = 0,
               batch = 256, cache_mb = 2048, stop_after = -1;
  std::uint64_t seed = 1;
  int threads = 1, jobs = 1;
  bool resume = false, scan_uniform = false;
};

CLI::App* add_optimize_command(CLI::App& app, OptimizeCliOptions& options);
int run_optimize(const OptimizeCliOptions& options, const std::string& command_line);

}  // namespace xbarsim::app
