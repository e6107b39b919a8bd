#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace xbarsim::app {

struct MvmOptions {
  std::string arch;
  std::int64_t rows = 512;  // crossbar rows used: the length of each input vector
  std::int64_t cols = 512;  // outputs
  std::int64_t batch = 256;
  std::uint64_t seed = 1;
  int threads = 0;
  std::vector<std::string> sets;
  std::string format = "text";
  std::string matrix_file;
  std::string input_file;
  std::string calibration_file;  // --calibration-inputs
  std::string input_sign = "signed";
  double input_range = 0;  // --input-range: the DAC full scale in input units; 0 = batch max
  bool rows_given = false;
  bool cols_given = false;
};

CLI::App* add_mvm_command(CLI::App& app, MvmOptions& options);
int run_mvm(const MvmOptions& options, const std::string& command_line);

}  // namespace xbarsim::app
