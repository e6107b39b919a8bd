#include "xbarsim/io/json.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <regex>

#include "xbarsim/version.hpp"

namespace xbarsim {

std::string dump_json(const Json& document, int indent) {
  // nlohmann-json already writes NaN and infinities as null: the rule is its own, kept here so
  // that every caller goes through one place (and the test of the rule tests this function).
  return document.dump(indent, ' ', false, Json::error_handler_t::replace);
}

namespace {

Json plain_scalar(const std::string& s) {
  // YAML 1.2 core schema (yaml.org/spec/1.2.2, 10.3.2), the tag resolution of plain scalars.
  static const std::regex null_re(R"(null|Null|NULL|~|)");
  static const std::regex true_re(R"(true|True|TRUE)");
  static const std::regex false_re(R"(false|False|FALSE)");
  static const std::regex int_re(R"([-+]?[0-9]+)");
  static const std::regex oct_re(R"(0o[0-7]+)");
  static const std::regex hex_re(R"(0x[0-9a-fA-F]+)");
  static const std::regex float_re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex inf_re(R"([-+]?\.(inf|Inf|INF))");
  static const std::regex nan_re(R"(\.(nan|NaN|NAN))");
  if (std::regex_match(s, null_re)) return nullptr;
  if (std::regex_match(s, true_re)) return true;
  if (std::regex_match(s, false_re)) return false;
  try {
    if (std::regex_match(s, int_re)) {
      if (s[0] == '-') return std::stoll(s);
      return std::stoull(s[0] == '+' ? s.substr(1) : s);
    }
    if (std::regex_match(s, oct_re)) return std::stoull(s.substr(2), nullptr, 8);
    if (std::regex_match(s, hex_re)) return std::stoull(s.substr(2), nullptr, 16);
  } catch (const std::out_of_range&) {
    return std::stod(s);  // an integer beyond 64 bits is still a number
  }
  if (std::regex_match(s, float_re)) return std::stod(s);
  if (std::regex_match(s, inf_re))
    return s[0] == '-' ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
  if (std::regex_match(s, nan_re)) return std::numeric_limits<double>::quiet_NaN();
  return s;
}

}  // namespace

Json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      // "!" is the tag yaml-cpp gives a quoted scalar: the writer asked for a string.
      return node.Tag() == "!" ? Json(node.Scalar()) : plain_scalar(node.Scalar());
    default:
      return nullptr;
  }
}

Provenance make_provenance(const std::string& command_line, std::uint64_t master_seed,
                           std::int64_t schema_version) {
  Provenance p;
  p.schema_version = schema_version;
  p.xbarsim_version = kVersion;
  p.git_sha1 = kGitSha1;
  p.command_line = command_line;
  p.master_seed = master_seed;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char when[32];
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &utc);
  p.date_and_time_utc = when;
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  p.host = host;
  return p;
}

Json json_document(const std::string& command_line, std::uint64_t master_seed) {
  const Provenance p = make_provenance(command_line, master_seed, kJsonSchemaVersion);
  Json j = Json::object();
  j["schema_version"] = p.schema_version;
  j["provenance"] = {{"xbarsim_version", p.xbarsim_version},     {"git_sha1", p.git_sha1},
                     {"command_line", p.command_line},           {"master_seed", p.master_seed},
                     {"date_and_time_utc", p.date_and_time_utc}, {"host", p.host}};
  return j;
}

}  // namespace xbarsim
