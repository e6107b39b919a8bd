// The cell I-V coefficients (docs/devices.md#iv-nonlinearity): a2 = q(x) G / V_ref and
// a3 = c(x) G / V_ref^2 with x = log10(G / 1 uS), against the formula evaluated by hand; every
// resistive technology declares the keys; a malformed list names the card and the key.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "device_models/device_test_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/device/device_model.hpp"

using namespace xbarsim;

TEST_CASE("I-V coefficients: polynomials in log10(G / 1 uS), scaled by G and V_ref") {
  const Registry& reg = builtin_registry();
  for (const char* model : {"reram.multilevel", "reram.relaxation", "pcm.statistical"}) {
    CAPTURE(model);
    auto device =
        reg.make_device(model, test::params_for(model, {
                                                           {"iv_reference_voltage_v", 0.25},
                                                           {"iv_quadratic_rel", "0.1, -0.02"},
                                                           {"iv_cubic_rel", "0.05, 0, 0.01"},
                                                       }));
    REQUIRE(device->iv_nonlinear());
    Matrix g(1, 4);
    g << 0.0f, 1e-6f, 10e-6f, 100e-6f;  // x = -inf (an open cell), 0, 1, 2
    Matrix a2, a3;
    device->iv_coefficients(g, a2, a3);
    CHECK(a2(0) == 0.0f);
    CHECK(a3(0) == 0.0f);
    for (int k = 1; k < 4; ++k) {
      const double x = k - 1, gk = g(k);
      CHECK(a2(k) == doctest::Approx((0.1 - 0.02 * x) * gk / 0.25).epsilon(1e-6));
      CHECK(a3(k) == doctest::Approx((0.05 + 0.01 * x * x) * gk / 0.0625).epsilon(1e-6));
    }
  }
  // The defaults are linear.
  auto linear = reg.make_device("reram.multilevel", test::params_for("reram.multilevel", {}));
  CHECK_FALSE(linear->iv_nonlinear());
}

TEST_CASE("I-V coefficients: a list that is not numbers names the card and the key") {
  const Registry& reg = builtin_registry();
  CHECK_THROWS_WITH_AS(
      reg.make_device("reram.multilevel",
                      test::params_for("reram.multilevel", {{"iv_cubic_rel", "0.1, x"}})),
      doctest::Contains("test-card.yaml: key 'iv_cubic_rel'"), ConfigError);
  CHECK_THROWS_WITH_AS(
      reg.make_device("reram.multilevel",
                      test::params_for("reram.multilevel", {{"iv_quadratic_rel", ""}})),
      doctest::Contains("iv_quadratic_rel"), ConfigError);
}
