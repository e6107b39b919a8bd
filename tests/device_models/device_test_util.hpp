#pragma once
// Shared helpers for the device-model suites: parameter sets filled from a model's declared
// defaults, and the statistical tolerances the tests use.
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim::test {

// The model's declared defaults, then `overrides`, as the loader would build them.
inline ParamSet params_for(const std::string& model,
                           std::initializer_list<std::pair<const char*, ParamValue>> overrides,
                           const std::string& origin = "test-card.yaml") {
  ParamSet set(origin);
  for (const ParamSpec& p : builtin_registry().spec(model).params)
    if (p.default_value) set.set(p.key, *p.default_value);
  for (const auto& [key, value] : overrides) set.set(key, value);
  return set;
}

// Sample mean and unbiased sample variance, accumulated in double.
struct Moments {
  double mean = 0.0;
  double variance = 0.0;
  long n = 0;
};

template <class Range, class F>
Moments moments(const Range& values, F&& transform) {
  Moments m;
  double sum = 0.0;
  for (auto v : values) {
    sum += transform(v);
    ++m.n;
  }
  m.mean = sum / m.n;
  double ss = 0.0;
  for (auto v : values) {
    const double d = transform(v) - m.mean;
    ss += d * d;
  }
  m.variance = ss / (m.n - 1);
  return m;
}

// Five standard errors: a correct model fails one such check with probability ~6e-7.
inline double mean_tolerance(double sigma, long n) {
  return 5.0 * sigma / std::sqrt(double(n));
}
// For Gaussian data Var(s^2) = 2 sigma^4 / (n - 1).
inline double variance_tolerance(double sigma, long n) {
  return 5.0 * sigma * sigma * std::sqrt(2.0 / double(n - 1));
}
inline double proportion_tolerance(double p, long n) {
  return 5.0 * std::sqrt(p * (1.0 - p) / double(n));
}

}  // namespace xbarsim::test
