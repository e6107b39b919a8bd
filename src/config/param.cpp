#include "xbarsim/config/param.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"

namespace xbarsim {

std::string to_string(ParamType type) {
  switch (type) {
    case ParamType::kReal:
      return "real";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kBoolean:
      return "boolean";
    case ParamType::kChoice:
      return "choice";
    case ParamType::kText:
      return "text";
  }
  return "?";
}

std::string to_string(const ParamValue& value) {
  std::ostringstream out;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out << (v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, double>) {
          out << shortest_number(v);
        } else {
          out << v;
        }
      },
      value);
  return out.str();
}

std::string bounds_text(const ParamSpec& spec) {
  const bool integer = spec.type == ParamType::kInteger;
  // Declarations spell "no bound" as an infinity, the largest double or the int64 limits;
  // printed, those are 309- or 19-digit numbers that say nothing.
  const auto unbounded = [&](double b) {
    return std::isinf(b) || std::abs(b) >= std::numeric_limits<double>::max() ||
           (integer &&
            std::abs(b) >= static_cast<double>(std::numeric_limits<std::int64_t>::max()));
  };
  const auto text = [&](double b) {
    return integer ? std::to_string(static_cast<std::int64_t>(b)) : shortest_number(b);
  };
  const bool has_min = !unbounded(spec.min), has_max = !unbounded(spec.max);
  std::string out;
  if (has_min && has_max) {
    out = "in [" + text(spec.min) + ", " + text(spec.max) + "]";
  } else if (has_min) {
    out = ">= " + text(spec.min);
  } else if (has_max) {
    out = "<= " + text(spec.max);
  } else {
    out = "of any value";
  }
  if (!spec.unit.empty() && spec.unit != "1") out += " " + spec.unit;
  return out;
}

ParamSpec real_param(std::string key, std::string unit, std::optional<double> def, double min,
                     double max, std::string doc) {
  ParamSpec s{std::move(key), ParamType::kReal, std::move(unit), std::nullopt, min, max, {},
              std::move(doc)};
  if (def) s.default_value = *def;
  return s;
}

ParamSpec int_param(std::string key, std::string unit, std::optional<std::int64_t> def,
                    std::int64_t min, std::int64_t max, std::string doc) {
  ParamSpec s{std::move(key),
              ParamType::kInteger,
              std::move(unit),
              std::nullopt,
              static_cast<double>(min),
              static_cast<double>(max),
              {},
              std::move(doc)};
  if (def) s.default_value = *def;
  return s;
}

ParamSpec bool_param(std::string key, bool def, std::string doc) {
  return ParamSpec{std::move(key), ParamType::kBoolean, "1", def, 0, 1, {}, std::move(doc)};
}

ParamSpec choice_param(std::string key, std::optional<std::string> def,
                       std::vector<std::string> choices, std::string doc) {
  ParamSpec s{std::move(key),     ParamType::kChoice, "", std::nullopt, 0, 0,
              std::move(choices), std::move(doc)};
  if (def) s.default_value = *def;
  return s;
}

ParamSpec text_param(std::string key, std::string unit, std::string def, std::string doc) {
  ParamSpec s{std::move(key), ParamType::kText, std::move(unit), std::nullopt, 0, 0, {},
              std::move(doc)};
  s.default_value = std::move(def);
  return s;
}

const ParamValue& ParamSet::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw ConfigError(origin_, key, "missing required key");
  return it->second;
}

double ParamSet::real(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw ConfigError(origin_, key, "expected a real number, got '" + to_string(v) + "'");
}

std::int64_t ParamSet::integer(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  throw ConfigError(origin_, key, "expected an integer, got '" + to_string(v) + "'");
}

bool ParamSet::boolean(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  throw ConfigError(origin_, key, "expected true or false, got '" + to_string(v) + "'");
}

const std::string& ParamSet::choice(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw ConfigError(origin_, key, "expected a word, got '" + to_string(v) + "'");
}

const std::string& ParamSet::text(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw ConfigError(origin_, key, "expected a text, got '" + to_string(v) + "'");
}

}  // namespace xbarsim
