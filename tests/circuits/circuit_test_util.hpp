#pragma once
// Shared helpers for the circuit-model suites.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim::test {

// The values a card would start from: every declared default.
inline ParamSet defaults_of(const ModelSpec& spec, const std::string& origin = "test") {
  ParamSet p(origin);
  for (const ParamSpec& s : spec.params)
    if (s.default_value) p.set(s.key, *s.default_value);
  return p;
}

inline ParamValue decode(const ParamSpec& spec, const YAML::Node& node) {
  REQUIRE(node.IsScalar());
  switch (spec.type) {
    case ParamType::kReal: {
      double v = 0;
      REQUIRE(YAML::convert<double>::decode(node, v));
      CHECK(std::isfinite(v));
      CHECK(v >= spec.min);
      CHECK(v <= spec.max);
      return v;
    }
    case ParamType::kInteger: {
      std::int64_t v = 0;
      REQUIRE(YAML::convert<std::int64_t>::decode(node, v));
      CHECK(static_cast<double>(v) >= spec.min);
      CHECK(static_cast<double>(v) <= spec.max);
      return v;
    }
    case ParamType::kBoolean: {
      bool v = false;
      REQUIRE(YAML::convert<bool>::decode(node, v));
      return v;
    }
    case ParamType::kChoice: {
      const std::string v = node.Scalar();
      CHECK(std::count(spec.choices.begin(), spec.choices.end(), v) == 1);
      return v;
    }
    case ParamType::kText:
      return node.Scalar();
  }
  FAIL("unknown parameter type");
  return 0.0;
}

// Loads a card into a ParamSet the way the architecture loader does: defaults, then values.
inline ParamSet load_card(const Registry& registry, const std::filesystem::path& path,
                          std::string* model) {
  const YAML::Node card = YAML::LoadFile(path.string());
  REQUIRE(card.IsMap());
  for (const auto& kv : card) {
    const std::string key = kv.first.Scalar();
    CAPTURE(key);
    CHECK(std::set<std::string>{"model", "title", "technology_node_m", "supply_voltage_v", "source",
                                "parameters", "includes"}
              .count(key) == 1);
  }
  // Every card names its node and its supply (0 for an idealised or off-chip part).
  CHECK(card["technology_node_m"].IsDefined());
  CHECK(card["supply_voltage_v"].IsDefined());
  REQUIRE(card["model"].IsScalar());
  *model = card["model"].Scalar();
  REQUIRE(registry.has(*model));
  CHECK(card["title"].IsScalar());
  REQUIRE(card["source"].IsMap());
  CHECK(!card["source"]["citation"].as<std::string>().empty());
  if (card["technology_node_m"]) {
    const double node = card["technology_node_m"].as<double>();
    // In metres (catches a node written in nm); 0 for an idealised or off-chip part.
    CHECK((node == 0.0 || (node > 1e-9 && node < 1e-6)));
  }

  const ModelSpec& spec = registry.spec(*model);
  ParamSet p(path.string());
  for (const ParamSpec& s : spec.params)
    if (s.default_value) p.set(s.key, *s.default_value);
  for (const auto& kv : card["parameters"]) {
    const std::string key = kv.first.Scalar();
    CAPTURE(key);
    const ParamSpec* s = spec.find(key);
    REQUIRE(s != nullptr);
    REQUIRE(kv.second.IsMap());
    CHECK(kv.second.size() == 2);
    const std::string source = kv.second["source"].as<std::string>("");
    // Every number names a paper (with table or figure) or is marked as an assumption.
    CHECK(source.size() > 10);
    p.set(key, decode(*s, kv.second["value"]));
  }
  // Cost models see their node only as a parameter, so a card repeats its top-level
  // technology_node_m there; the two must agree (no top-level node = parameter 0).
  if (spec.find("technology_node_m") != nullptr) {
    const double top = card["technology_node_m"] ? card["technology_node_m"].as<double>() : 0.0;
    CHECK_MESSAGE(p.real("technology_node_m") == top,
                  "parameters.technology_node_m differs from the top-level technology_node_m");
  }
  return p;
}

}  // namespace xbarsim::test
