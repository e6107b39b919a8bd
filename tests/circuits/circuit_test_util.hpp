#pragma once
// Shared helpers for the circuit-model suites.
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

}  // namespace xbarsim::test
