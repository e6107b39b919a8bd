#pragma once
// Helpers shared by the experiment test files.
#include <filesystem>
#include <string>

#include "xbarsim/experiment/sweep.hpp"

namespace xbarsim::test {

inline SweepOptions sweep_options(const std::string& out, int jobs) {
  SweepOptions o;
  o.out_dir = out;
  o.jobs = jobs;
  o.command_line = "test";
  return o;
}

// A copy of tests/data/<name> in `into`, so that a test may change its files.
inline std::string copy_test_folder(const std::string& name, const std::filesystem::path& into) {
  const std::filesystem::path to = into / name;
  std::filesystem::copy(std::filesystem::path(XBARSIM_TEST_DATA_DIR) / name, to,
                        std::filesystem::copy_options::recursive);
  return to.string();
}

}  // namespace xbarsim::test
