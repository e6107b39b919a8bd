#pragma once
// Small helpers shared by the commands.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
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

// Option checks whose messages give readable bounds ("must be an integer >= 1, got -5"), not
// CLI11's Range with a 309-digit limit. They read the text before CLI11 converts it, so a
// negative number cannot wrap around into an unsigned option.
CLI::Validator integer_at_least(std::int64_t min);
CLI::Validator integer_in(std::int64_t min, std::int64_t max);
CLI::Validator number_at_least(double min);
CLI::Validator number_above(double min);
CLI::Validator number_in(double min, double max);
// A seed: a decimal integer in [0, 2^64 - 1].
CLI::Validator seed_value();

// --help that shows each option's default as "(default: X)" after its description, and its
// bounds next to its type ("INT >= 1"), instead of CLI11's "INT:INT in [1 - 9223...]=1".
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
};

}  // namespace xbarsim::app
