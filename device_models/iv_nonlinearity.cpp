#include "device_models/iv_nonlinearity.hpp"

#include <algorithm>
#include <cmath>

#include "device_models/sigma_curve.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim::devices {

namespace {

constexpr double kLogUnitS = 1e-6;  // the polynomials' variable is log10(G0 / 1 uS)

double horner(const std::vector<double>& c, double x) {
  double y = 0.0;
  for (auto it = c.rbegin(); it != c.rend(); ++it) y = y * x + *it;
  return y;
}

}  // namespace

std::vector<ParamSpec> IvNonlinearity::params() {
  return {
      real_param("iv_reference_voltage_v", "V", 0.2, 1e-3, 10.0,
                 "Voltage at which iv_quadratic_rel and iv_cubic_rel are stated; default "
                 "0.2 V, an assumption (a typical read voltage); it only sets their scale"),
      text_param("iv_quadratic_rel", "1", "0",
                 "Quadratic I-V term q: a2 = q G0 / V_ref, i.e. the fraction by which a2 V^2 "
                 "raises the current at V_ref; coefficients q0, q1, ... of a polynomial in "
                 "log10(G0 / 1 uS) (one number: the same for every state); default 0 (linear)"),
      text_param("iv_cubic_rel", "1", "0",
                 "Cubic I-V term c: a3 = c G0 / V_ref^2 (a sinh(V/V0) cell has c = V_ref^2 / "
                 "(6 V0^2)); coefficients of a polynomial in log10(G0 / 1 uS); default 0"),
  };
}

IvNonlinearity::IvNonlinearity(const ParamSet& p) {
  if (!p.has("iv_reference_voltage_v")) return;
  reference_v_ = p.real("iv_reference_voltage_v");
  if (!(reference_v_ > 0) || !std::isfinite(reference_v_))
    throw ConfigError(p.origin(), "iv_reference_voltage_v", "expected a voltage > 0 V");
  quadratic_ =
      SigmaCurve::polynomial(p.text("iv_quadratic_rel"), p.origin(), "iv_quadratic_rel", "1")
          .coefficients();
  cubic_ = SigmaCurve::polynomial(p.text("iv_cubic_rel"), p.origin(), "iv_cubic_rel", "1")
               .coefficients();
  auto zero = [](const std::vector<double>& c) {
    return std::all_of(c.begin(), c.end(), [](double v) { return v == 0.0; });
  };
  linear_ = zero(quadratic_) && zero(cubic_);
}

void IvNonlinearity::coefficients(const Matrix& g0, Matrix& a2, Matrix& a3) const {
  a2.setZero(g0.rows(), g0.cols());
  a3.setZero(g0.rows(), g0.cols());
  if (linear_) return;
  const double v = reference_v_;
  for (Index k = 0; k < g0.size(); ++k) {
    const double g = g0(k);
    if (!(g > 0)) continue;
    const double x = std::log10(g / kLogUnitS);
    a2(k) = static_cast<float>(horner(quadratic_, x) * g / v);
    a3(k) = static_cast<float>(horner(cubic_, x) * g / (v * v));
  }
}

}  // namespace xbarsim::devices
