#pragma once
// A cell's read current beyond Ohm's law (docs/devices.md#iv-nonlinearity):
//   I(V) = G0 V + a2 V^2 + a3 V^3,  a2 = q(G0) G0 / V_ref,  a3 = c(G0) G0 / V_ref^2,
// the form of Milo et al. (IRPS 2021), with the coefficients made dimensionless at a
// reference voltage: q and c are the fractions by which the quadratic and cubic terms raise
// the current at V_ref above G0 V_ref. Each is a polynomial in x = log10(G0 / 1 uS), so a
// single number is a state-independent nonlinearity.
#include <string>
#include <vector>

#include "xbarsim/config/param.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim::devices {

class IvNonlinearity {
 public:
  IvNonlinearity() = default;
  // Reads iv_reference_voltage_v, iv_quadratic_rel and iv_cubic_rel; a set without them (a
  // model that does not declare the keys) is linear.
  explicit IvNonlinearity(const ParamSet& params);

  bool linear() const { return linear_; }
  // a2 (A/V^2) and a3 (A/V^3) of every cell of `g0` (S), resized to its shape; 0 for G0 <= 0.
  void coefficients(const Matrix& g0, Matrix& a2, Matrix& a3) const;

  // The three keys, for the models that declare them.
  static std::vector<ParamSpec> params();

 private:
  double reference_v_ = 1.0;
  std::vector<double> quadratic_{0.0}, cubic_{0.0};  // polynomial coefficients in x
  bool linear_ = true;
};

}  // namespace xbarsim::devices
