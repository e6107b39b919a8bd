#pragma once
// Range checks for circuit-model factories. The config loader already checks card values
// against each model's declaration, but factories are also called with hand-built sets (tests,
// tools), and a bad `bits` there would overflow a shift rather than fail cleanly. Checking
// against the declared ParamSpec keeps one source of truth for every range.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim::circuits {

inline const ParamSpec& declared(const ModelSpec& spec, const std::string& key) {
  const ParamSpec* p = spec.find(key);
  // A factory asking for a key its own spec does not declare is a bug in this library.
  if (p == nullptr) throw std::logic_error(spec.name + ": undeclared parameter '" + key + "'");
  return *p;
}

inline double checked_real(const ParamSet& set, const ModelSpec& spec, const std::string& key) {
  const ParamSpec& p = declared(spec, key);
  const double v = set.real(key);
  if (!(v >= p.min && v <= p.max))  // also rejects NaN
    throw ConfigError(
        set.origin(), key,
        "expected a real number " + bounds_text(p) + ", got " + to_string(ParamValue(v)));
  return v;
}

inline std::int64_t checked_integer(const ParamSet& set, const ModelSpec& spec,
                                    const std::string& key) {
  const ParamSpec& p = declared(spec, key);
  const std::int64_t v = set.integer(key);
  if (static_cast<double>(v) < p.min || static_cast<double>(v) > p.max)
    throw ConfigError(set.origin(), key,
                      "expected an integer " + bounds_text(p) + ", got " + std::to_string(v));
  return v;
}

// A comma-separated list of finite numbers ("" = empty list); ConfigError naming the key and
// the entry that is not a number.
inline std::vector<double> checked_number_list(const ParamSet& set, const std::string& key) {
  std::vector<double> out;
  const std::string& text = set.text(key);
  if (text.find_first_not_of(" \t") == std::string::npos) return out;
  std::size_t begin = 0;
  for (int entry = 1;; ++entry) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string field = text.substr(begin, end - begin);
    char* stop = nullptr;
    const double v = std::strtod(field.c_str(), &stop);
    const bool blank_tail = stop && std::string(stop).find_first_not_of(" \t") == std::string::npos;
    if (stop == field.c_str() || !blank_tail || !std::isfinite(v))
      throw ConfigError(set.origin(), key,
                        "expected a comma-separated list of numbers; entry " +
                            std::to_string(entry) + " ('" + field + "') is not a finite number");
    out.push_back(v);
    if (end == text.size()) return out;
    begin = end + 1;
  }
}

inline const std::string& checked_choice(const ParamSet& set, const ModelSpec& spec,
                                         const std::string& key) {
  const ParamSpec& p = declared(spec, key);
  const std::string& v = set.choice(key);
  std::string list;
  for (const std::string& c : p.choices) {
    if (c == v) return v;
    if (!list.empty()) list += ", ";
    list += c;
  }
  throw ConfigError(set.origin(), key, "expected one of {" + list + "}, got '" + v + "'");
}

}  // namespace xbarsim::circuits
