#include "common.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/strings.hpp"

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

namespace {

// The text of an integer option as CLI11 will read it, or nullopt when it is not one. Decimal
// only: CLI11 reads 010 as octal and 0x10 as hex, which nobody means for a count or a seed.
std::optional<long double> decimal_integer(const std::string& text) {
  std::size_t i = text[0] == '-' || text[0] == '+' ? 1 : 0;
  if (i == text.size() || text.find_first_not_of("0123456789", i) != std::string::npos)
    return std::nullopt;
  if (text.size() - i > 1 && text[i] == '0') return std::nullopt;
  return std::stold(text);
}

std::optional<double> decimal_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

CLI::Validator integer_check(std::int64_t min, std::int64_t max, const std::string& bounds) {
  return CLI::Validator(
      [min, max, bounds](std::string& text) -> std::string {
        const std::optional<long double> v = text.empty() ? std::nullopt : decimal_integer(text);
        if (!v || *v < static_cast<long double>(min) || *v > static_cast<long double>(max))
          return "must be a decimal integer " + bounds + ", got '" + text + "'";
        return "";
      },
      bounds);
}

CLI::Validator number_check(double min, double max, bool min_open, const std::string& bounds) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const std::optional<double> v = decimal_number(text);
        if (!v || *v < min || (min_open && *v == min) || *v > max)
          return "must be a number " + bounds + ", got '" + text + "'";
        return "";
      },
      bounds);
}

}  // namespace

CLI::Validator integer_at_least(std::int64_t min) {
  return integer_check(min, std::numeric_limits<std::int64_t>::max(), ">= " + std::to_string(min));
}

CLI::Validator integer_in(std::int64_t min, std::int64_t max) {
  return integer_check(min, max, "in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

CLI::Validator number_at_least(double min) {
  return number_check(min, std::numeric_limits<double>::max(), false, ">= " + shortest_number(min));
}

CLI::Validator number_above(double min) {
  return number_check(min, std::numeric_limits<double>::max(), true, "> " + shortest_number(min));
}

CLI::Validator number_in(double min, double max) {
  return number_check(min, max, false,
                      "in [" + shortest_number(min) + ", " + shortest_number(max) + "]");
}

CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::optional<long double> v = text.empty() ? std::nullopt : decimal_integer(text);
        if (!v || *v < 0 ||
            *v > static_cast<long double>(std::numeric_limits<std::uint64_t>::max()))
          return "must be a decimal integer in [0, 2^64 - 1] (a seed), got '" + text + "'";
        return "";
      },
      ">= 0");
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  std::string out;
  if (opt->get_type_size() != 0) {
    std::string type = opt->get_type_name();
    if (const auto colon = type.find(':'); colon != std::string::npos) type[colon] = ' ';
    if (!type.empty()) out += " " + get_label(type);
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
    if (opt->get_required()) out += " " + get_label("REQUIRED");
  }
  for (const CLI::Option* other : opt->get_excludes())
    out += " " + get_label("Excludes") + ": " + other->get_name();
  return out;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  std::string desc = opt->get_description();
  const std::string def = opt->get_default_str();
  // Flags and repeatable options have no default worth showing (false, []), and some
  // descriptions already explain theirs.
  if (opt->get_type_size() != 0 && opt->get_expected_max() == 1 && !def.empty() &&
      !opt->get_required() && desc.find("(default") == std::string::npos)
    desc += " (default: " + def + ")";
  return desc;
}

}  // namespace xbarsim::app
