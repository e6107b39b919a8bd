#pragma once
// Small helpers shared by the commands.
#include <chrono>
#include <string>

namespace xbarsim::app {

// An architecture given as a path, or as the name of a shipped one (data/arch/NAME.yaml);
// a folder named like a shipped architecture is not a path (looks_like_path).
std::string resolve_arch_path(const std::string& arch);
// The same for workloads (data/workloads/NAME.yaml).
std::string resolve_workload_path(const std::string& workload);

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Number formatting for reports: significant digits, no trailing noise.
std::string fmt_num(double v, int digits = 4);

// Diagnostics (warnings, progress, debug detail) go through spdlog's default logger to stderr,
// so that stdout holds only results (a --format json document stays pure JSON). Messages read
// "xbarsim: warning: ..." and "xbarsim: debug: ..."; progress lines (info) are printed as they
// are. --quiet keeps errors only, --verbose adds debug messages.
enum class Verbosity { kQuiet, kNormal, kVerbose };
void setup_logging(Verbosity verbosity);

}  // namespace xbarsim::app
