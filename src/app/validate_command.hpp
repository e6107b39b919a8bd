#pragma once
// `xbarsim validate`: the shipped designs (data/validation/) against their published figures.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace xbarsim::app {

struct ValidateOptions {
  std::vector<std::string> designs;  // folder names under data/validation/, or design files
  std::string format = "text";
};

// Exit code of a run in which a row misses its tolerance.
inline constexpr int kValidationMissed = 3;

CLI::App* add_validate_command(CLI::App& app, ValidateOptions& options);
int run_validate(const ValidateOptions& options, const std::string& command_line);

}  // namespace xbarsim::app
