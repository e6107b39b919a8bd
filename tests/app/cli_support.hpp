#pragma once
// Running the xbarsim binary from the app tests, as a user runs it.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "test_support.hpp"

#define CHECK_CONTAINS(text, part)                                 \
  CHECK_MESSAGE(std::string(text).find(part) != std::string::npos, \
                "expected \"" << (part) << "\" in: " << (text))

namespace xbarsim::cli_test {

using TempDir = xbarsim::test::TempDir;

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Run {
  bool exited = false;  // false: killed by a signal (a crash)
  int code = -1;
  std::string out;
  std::string err;
};

// Runs the xbarsim binary with `args` (already shell-quoted where needed), in the folder
// `cwd` when one is given.
inline Run xbarsim(const std::string& args, const std::string& cwd = "") {
  TempDir dir;
  const std::string out = dir.file("stdout"), err = dir.file("stderr");
  std::ostringstream cmd;
  if (!cwd.empty()) cmd << "cd '" << cwd << "' && ";
  cmd << '\'' << XBARSIM_BINARY << "' " << args << " >'" << out << "' 2>'" << err << '\'';
  const int status = std::system(cmd.str().c_str());
  Run r;
  REQUIRE(status != -1);
  r.exited = WIFEXITED(status);
  r.code = r.exited ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

// Bad input: the program ends normally with exit code 2 (main.cpp) and says why on stderr.
inline void check_bad_input(const Run& r) {
  CAPTURE(r.err);
  REQUIRE_MESSAGE(r.exited, "xbarsim was killed by a signal (crash)");
  CHECK(r.code == 2);
  CHECK(!r.err.empty());
  CHECK(r.err.find("internal error") == std::string::npos);
}

}  // namespace xbarsim::cli_test
