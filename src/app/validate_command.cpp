#include "validate_command.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/json.hpp"
#include "xbarsim/system/validation.hpp"

namespace xbarsim::app {

CLI::App* add_validate_command(CLI::App& app, ValidateOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Simulate the published designs of data/validation/ and compare with their published "
      "figures; exits 3 if any row misses its tolerance (docs/validation.md)");
  cmd->add_option("designs", o.designs,
                  "Design names (folders of data/validation/) or design.yaml files; default all");
  cmd->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  return cmd;
}

namespace {
std::string design_file(const std::string& d) {
  namespace fs = std::filesystem;
  if (d.find('/') != std::string::npos || d.find(".yaml") != std::string::npos) return d;
  const fs::path f = fs::path(validation_dir()) / d / "design.yaml";
  if (!fs::is_regular_file(f)) {
    std::string known;
    for (const std::string& n : validation_design_names()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("command line", "designs",
                      "unknown design '" + d + "'; shipped designs: " + known);
  }
  return f.string();
}
}  // namespace

int run_validate(const ValidateOptions& o, const std::string& command_line) {
  const Registry& registry = builtin_registry();
  std::vector<std::string> names = o.designs;
  if (names.empty()) names = validation_design_names();
  if (names.empty())
    throw IoError(validation_dir(), "no validation designs found (expected */design.yaml)");
  // Load every design first, so that a malformed one fails before any output.
  std::vector<ValidationDesign> designs;
  for (const std::string& n : names) designs.push_back(load_validation_design(design_file(n)));
  std::vector<ValidationResult> results;
  for (const ValidationDesign& d : designs)
    for (ValidationResult& r : run_validation(d, registry)) results.push_back(std::move(r));
  int missed = 0;
  for (const ValidationResult& r : results) missed += r.within() ? 0 : 1;

  if (o.format == "json") {
    Json j = json_document(command_line, 0);
    j["rows"] = Json::array();
    for (const ValidationResult& r : results)
      j["rows"].push_back({{"design", r.design},
                           {"metric", r.metric},
                           {"kind", r.kind},
                           {"published", r.published},
                           {"simulated", r.simulated},
                           {"error_rel", r.error_rel},
                           {"tolerance_rel", r.tolerance_rel},
                           {"within", r.within()},
                           {"source", r.source}});
    j["missed"] = missed;
    std::cout << dump_json(j) << "\n";
  } else {
    char line[256];
    std::snprintf(line, sizeof(line), "%-14s %-44s %12s %12s %9s %9s  %s\n", "design", "metric",
                  "published", "simulated", "error", "tol", "");
    std::cout << line;
    for (const ValidationResult& r : results) {
      std::snprintf(line, sizeof(line), "%-14s %-44s %12.5g %12.5g %8.3g%% %8.3g%%  %s%s\n",
                    r.design.c_str(), r.metric.c_str(), r.published, r.simulated, 100 * r.error_rel,
                    100 * r.tolerance_rel, r.within() ? "ok" : "MISS",
                    r.kind == "consistency" ? " (c)" : "");
      std::cout << line;
    }
    std::cout << results.size() - static_cast<std::size_t>(missed) << " of " << results.size()
              << " rows within tolerance; (c) = consistency row: the card is derived from the "
                 "published figure, the row checks how xbarsim assembles it "
                 "(docs/validation.md)\n";
  }
  return missed > 0 ? kValidationMissed : 0;
}

}  // namespace xbarsim::app
