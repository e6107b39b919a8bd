#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace xbarsim::app {

struct InspectOptions {
  std::string file;
};

CLI::App* add_inspect_command(CLI::App& app, InspectOptions& options);
int run_inspect(const InspectOptions& options);

}  // namespace xbarsim::app
