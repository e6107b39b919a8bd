#pragma once
// Declared parameters of a model, and a validated set of values for them.
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xbarsim {

// kText is free text: a list of numbers ("c0, c1, c2") or, for a key ending in _csv, a file
// that the loader resolves relative to the card that names it.
enum class ParamType { kReal, kInteger, kBoolean, kChoice, kText };

using ParamValue = std::variant<double, std::int64_t, bool, std::string>;

std::string to_string(ParamType type);
std::string to_string(const ParamValue& value);

// One declared parameter: the loader checks every config value against this.
struct ParamSpec {
  std::string key;  // carries its unit as a suffix, e.g. g_max_siemens, read_voltage_v
  ParamType type = ParamType::kReal;
  std::string unit;  // SI unit symbol ("S", "V", "s", "J", "A", "m2", "bit"), or "1"
  std::optional<ParamValue> default_value;  // nullopt: the key is required
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // for kChoice
  std::string doc;
};

// A value's bounds for messages, "in [1, 16]", ">= 0 S" or "<= 1", with its unit: bounds that
// stand for "none" (infinities, the largest double, the int64 limits) are left out.
std::string bounds_text(const ParamSpec& spec);

// Convenience builders keep model declarations short and readable.
ParamSpec real_param(std::string key, std::string unit, std::optional<double> def, double min,
                     double max, std::string doc);
ParamSpec int_param(std::string key, std::string unit, std::optional<std::int64_t> def,
                    std::int64_t min, std::int64_t max, std::string doc);
ParamSpec bool_param(std::string key, bool def, std::string doc);
ParamSpec choice_param(std::string key, std::optional<std::string> def,
                       std::vector<std::string> choices, std::string doc);
ParamSpec text_param(std::string key, std::string unit, std::string def, std::string doc);

// Validated values, keyed by parameter key. Accessors throw ConfigError on misuse, naming
// the origin (file) of the set.
class ParamSet {
 public:
  ParamSet() = default;
  explicit ParamSet(std::string origin) : origin_(std::move(origin)) {}

  void set(const std::string& key, ParamValue value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  double real(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  bool boolean(const std::string& key) const;
  const std::string& choice(const std::string& key) const;
  const std::string& text(const std::string& key) const;
  const std::map<std::string, ParamValue>& values() const { return values_; }
  const std::string& origin() const { return origin_; }

 private:
  const ParamValue& at(const std::string& key) const;
  std::string origin_;
  std::map<std::string, ParamValue> values_;
};

}  // namespace xbarsim
