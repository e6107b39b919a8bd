#include "common.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>

#include "xbarsim/config/arch_config.hpp"

namespace xbarsim::app {

std::string resolve_arch_path(const std::string& arch) {
  const std::string path = resolve_shipped(arch, "arch", "architecture");
  spdlog::debug("architecture file: {}", path);
  return path;
}

std::string resolve_workload_path(const std::string& workload) {
  const std::string path = resolve_shipped(workload, "workloads", "workload");
  spdlog::debug("workload file: {}", path);
  return path;
}

std::string fmt_num(double v, int digits) {
  std::ostringstream out;
  out.precision(digits);
  out << v;
  return out.str();
}

namespace {

// "xbarsim: warning: " before every message but progress (info), whose lines are written to be
// read as they are ("[4.2 s] point 0 trial 0 done (1/4)").
class LevelPrefix : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (msg.level == spdlog::level::info) return;
    const spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    const std::string prefix = "xbarsim: " + std::string(level.data(), level.size()) + ": ";
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelPrefix>();
  }
};

}  // namespace

void setup_logging(Verbosity verbosity) {
  std::shared_ptr<spdlog::logger> logger = spdlog::get("xbarsim");
  if (!logger) logger = spdlog::stderr_color_mt("xbarsim");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelPrefix>('*').set_pattern("%^%*%$%v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(verbosity == Verbosity::kQuiet     ? spdlog::level::err
                    : verbosity == Verbosity::kVerbose ? spdlog::level::debug
                                                       : spdlog::level::info);
  // Under MPI a rank may abort right after a message: nothing may wait in a buffer.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace xbarsim::app
