#include "progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace xbarsim::app {

Progress::Progress(std::string label, double total)
    : label_(std::move(label)),
      total_(total),
      enabled_(::isatty(STDERR_FILENO) == 1 && spdlog::should_log(spdlog::level::info)) {}

Progress::~Progress() {
  finish();
}

void Progress::update(double done, const std::string& detail) {
  if (!enabled_ || total_ <= 0) return;
  drawn_ = true;
  constexpr int kWidth = 30;
  const double f = std::min(1.0, done / total_);
  const int filled = static_cast<int>(std::round(f * kWidth));
  const double elapsed = clock_.seconds();
  const double eta = f > 0 ? elapsed * (1 - f) / f : 0;
  std::fprintf(stderr, "\r%s [%s%s] %3.0f%%  ETA %4.0f s  %s   ", label_.c_str(),
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), '-').c_str(), 100 * f, eta,
               detail.c_str());
  std::fflush(stderr);
}

void Progress::clear() {
  if (!drawn_ || finished_) return;
  std::fprintf(stderr, "\r%*s\r", 100, "");
  std::fflush(stderr);
}

void Progress::finish() {
  clear();
  finished_ = true;
}

}  // namespace xbarsim::app
