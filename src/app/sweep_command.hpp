#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace xbarsim::app {

struct SweepOptions {
  std::string experiment;
  bool quick = false;
  int jobs = 1;
  std::string output;  // default: results/<name>[-quick]
  bool resume = false;
  std::int64_t stop_after = -1;  // hidden test hook: hand out at most this many tasks
};

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& options);
int run_sweep(const SweepOptions& options, const std::string& command_line);

}  // namespace xbarsim::app
