#include "device_models/sigma_curve.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "xbarsim/core/error.hpp"

namespace xbarsim::devices {

namespace {

constexpr double kPolyUnitS = 1e-6;  // the polynomial's variable is G in microsiemens

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// The whole of `text` as one finite number, or false.
bool parse_number(const std::string& text, double& out) {
  const std::string t = trim(text);
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return errno == 0 && end == t.c_str() + t.size() && std::isfinite(out);
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) fields.push_back(field);
  if (!line.empty() && line.back() == sep) fields.push_back("");
  return fields;
}

}  // namespace

SigmaCurve SigmaCurve::polynomial(const std::string& text, const std::string& origin,
                                  const std::string& key, const std::string& unit) {
  SigmaCurve c;
  for (const std::string& field : split(text, ',')) {
    double v;
    if (!parse_number(field, v))
      throw ConfigError(origin, key,
                        "expected a comma-separated list of numbers (" + unit + ") c0, c1, ...; '" +
                            trim(field) + "' is not a number");
    c.coef_.push_back(v);
  }
  if (c.coef_.empty())
    throw ConfigError(origin, key, "expected at least one coefficient c0 (" + unit + ")");
  return c;
}

SigmaCurve SigmaCurve::table(const std::string& path, const std::string& origin,
                             const std::string& key, const std::string& value_header) {
  if (path.empty()) throw ConfigError(origin, key, "expected the path of a CSV table");
  std::ifstream in(path);
  if (!in) throw ConfigError(origin, key, "cannot read the CSV table " + path);
  SigmaCurve c;
  std::string line;
  int row = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++row;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const std::vector<std::string> f = split(t, ',');
    const std::string where = path + " row " + std::to_string(row);
    if (!header) {
      if (f.size() != 2 || trim(f[0]) != "g_siemens" || trim(f[1]) != value_header)
        throw ConfigError(origin, key, where + ": expected the header g_siemens," + value_header);
      header = true;
      continue;
    }
    double g, s;
    if (f.size() != 2 || !parse_number(f[0], g) || !parse_number(f[1], s))
      throw ConfigError(origin, key, where + ": expected two numbers, G (S) and " + value_header);
    if (g < 0 || s < 0)
      throw ConfigError(origin, key,
                        where + ": neither a conductance nor " + value_header +
                            " can be negative (non-physical)");
    if (!c.g_.empty() && !(g > c.g_.back()))
      throw ConfigError(origin, key, where + ": G must increase strictly from row to row");
    c.g_.push_back(g);
    c.sigma_.push_back(s);
  }
  if (!header) throw ConfigError(origin, key, path + ": empty table (no header)");
  if (c.g_.size() < 2) throw ConfigError(origin, key, path + ": expected at least two rows");
  return c;
}

double SigmaCurve::operator()(double g) const {
  if (!g_.empty()) {
    if (g <= g_.front()) return sigma_.front();
    if (g >= g_.back()) return sigma_.back();
    const auto hi =
        static_cast<std::size_t>(std::upper_bound(g_.begin(), g_.end(), g) - g_.begin());
    const std::size_t lo = hi - 1;
    const double w = (g - g_[lo]) / (g_[hi] - g_[lo]);
    return (1 - w) * sigma_[lo] + w * sigma_[hi];
  }
  const double x = g / kPolyUnitS;
  double s = 0, xk = 1;
  for (double c : coef_) {
    s += c * xk;
    xk *= x;
  }
  return std::max(s, 0.0);
}

}  // namespace xbarsim::devices
