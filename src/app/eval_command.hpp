#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "comparison_options.hpp"

namespace xbarsim::app {

struct EvalOptions {
  std::string arch;
  std::string model;
  std::string dataset = "fashion-mnist";
  std::string calibration_dataset;  // default: the training split, or the dataset itself
  std::int64_t limit = 0;
  std::int64_t calibration_images = 256;
  std::int64_t trials = 1;
  std::int64_t batch = 500;
  std::uint64_t seed = 1;
  int threads = 0;
  std::vector<std::string> sets;
  std::string format = "text";
  std::string output;
  bool force = false;  // -o may replace a symbolic link
  ComparisonCli comparison;
};

CLI::App* add_eval_command(CLI::App& app, EvalOptions& options);
int run_eval(const EvalOptions& options, const std::string& command_line);

}  // namespace xbarsim::app
