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
  // sigma = max(sum_k c_k (G / 1 uS)^k, 0). `text` is "c0, c1, ..., cn" in siemens; throws
  // ConfigError naming `origin` and `key` for an empty list or a non-number.
  static SigmaCurve polynomial(const std::string& text, const std::string& origin,
                               const std::string& key);
  // A CSV file with the header g_siemens,sigma_siemens and at least two rows, G strictly
  // increasing, sigma finite and >= 0. Throws ConfigError naming the file, the key and the row.
  static SigmaCurve table(const std::string& csv_path, const std::string& origin,
                          const std::string& key);

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
