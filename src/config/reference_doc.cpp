#include "xbarsim/config/reference_doc.hpp"

#include <cmath>
#include <cstdint>
#include <sstream>

#include "xbarsim/core/strings.hpp"

namespace xbarsim {

namespace {
std::string range_text(const ParamSpec& p) {
  if (p.type == ParamType::kChoice) {
    std::string s;
    for (const auto& c : p.choices) append_item(s, c, " | ");
    return s;
  }
  if (p.type == ParamType::kBoolean) return "true | false";
  if (p.type == ParamType::kText)
    return p.key.size() > 4 && p.key.compare(p.key.size() - 4, 4, "_csv") == 0
               ? "a CSV file"
               : "a list of numbers";
  // Exact: six significant digits would print 2^24 tiles as 1.67772e+07.
  auto bound = [&](double v) {
    if (p.type == ParamType::kInteger && std::abs(v) < 9.2e18)
      return std::to_string(static_cast<std::int64_t>(v));
    return shortest_number(v);
  };
  std::ostringstream out;
  out << '[' << bound(p.min) << ", " << bound(p.max) << ']';
  return out.str();
}
std::string default_text(const ParamSpec& p) {
  return p.default_value ? to_string(*p.default_value) : "(required)";
}
std::string unit_text(const ParamSpec& p) {
  return p.unit.empty() ? "-" : p.unit;
}
}  // namespace

std::string describe_model(const ModelSpec& spec) {
  std::ostringstream out;
  out << spec.name << " (" << to_string(spec.kind) << "): " << spec.summary << "\n";
  out << "equations: " << spec.docs << "\n\n";
  for (const ParamSpec& p : spec.params) {
    out << "  " << p.key << "  [" << to_string(p.type) << ", unit " << unit_text(p) << ", default "
        << default_text(p) << ", range " << range_text(p) << "]\n      " << p.doc << "\n";
  }
  return out.str();
}

std::string config_reference_markdown(const Registry& registry) {
  std::ostringstream out;
  out << "# Configuration reference\n\n"
      << "Generated from the models' own declarations by `xbarsim list --markdown`; a test "
         "fails when this file is stale. Regenerate it with\n"
         "`./build/src/app/xbarsim list --markdown > docs/config_reference.md`.\n\n"
      << "Every key carries its SI unit as a suffix (`_siemens`, `_v`, `_s`, `_j`, `_rel` for "
         "a fraction); see [units.md](units.md). Section keys live at the path given; model "
         "keys live in a card's `parameters:` or under the component in an architecture file "
         "(e.g. `tile.adc.bits`).\n";
  for (const ModelSpec* spec : registry.all()) {
    out << "\n## `" << spec->name << "` (" << to_string(spec->kind) << ")\n\n"
        << spec->summary << ". Equations: " << spec->docs << ".\n\n"
        << "| key | type | unit | default | range | meaning |\n"
        << "| --- | --- | --- | --- | --- | --- |\n";
    for (const ParamSpec& p : spec->params)
      out << "| `" << p.key << "` | " << to_string(p.type) << " | " << unit_text(p) << " | "
          << default_text(p) << " | " << range_text(p) << " | " << p.doc << " |\n";
  }
  return out.str();
}

}  // namespace xbarsim
