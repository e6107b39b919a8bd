#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace xbarsim::app {

struct DescribeOptions {
  std::string name;
  bool markdown = false;
};

CLI::App* add_list_command(CLI::App& app, DescribeOptions& options);
CLI::App* add_describe_command(CLI::App& app, DescribeOptions& options);
int run_list(const DescribeOptions& options);
int run_describe(const DescribeOptions& options);

}  // namespace xbarsim::app
