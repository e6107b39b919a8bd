#pragma once
// A state-dependent standard deviation sigma(G) given by measured data
// (docs/devices.md#measured-data): a polynomial of any order in G / 1 uS, or a table of
// (G, sigma) rows from a CSV file, interpolated piecewise-linearly in G and held at its end
// values outside its range. Values are in siemens; sigma is never negative.
#include <string>
#include <vector>

namespace xbarsim::devices {

class SigmaCurve {
 public:
  // sigma = max(sum_k c_k (G / 1 uS)^k, 0). `text` is "c0, c1, ..., cn" in `unit`; throws
  // ConfigError naming `origin` and `key` for an empty list or a non-number.
  static SigmaCurve polynomial(const std::string& text, const std::string& origin,
                               const std::string& key, const std::string& unit = "siemens");
  // A CSV file with the header g_siemens,<value_header> and at least two rows, G strictly
  // increasing, the value finite and >= 0. Throws ConfigError naming the file, the key and
  // the row. The same curve serves any non-negative statistic of G (a drift exponent too).
  static SigmaCurve table(const std::string& csv_path, const std::string& origin,
                          const std::string& key,
                          const std::string& value_header = "sigma_siemens");

  double operator()(double g_siemens) const;
  bool is_table() const { return !g_.empty(); }
  const std::vector<double>& coefficients() const { return coef_; }
  const std::vector<double>& table_g() const { return g_; }
  const std::vector<double>& table_sigma() const { return sigma_; }

 private:
  std::vector<double> coef_;       // polynomial
  std::vector<double> g_, sigma_;  // table
};

}  // namespace xbarsim::devices
