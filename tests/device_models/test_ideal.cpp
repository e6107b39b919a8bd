// The ideal device: the exact reference every other device is compared against.
#include <doctest/doctest.h>

#include <vector>

#include "device_models/ideal/ideal_device.hpp"
#include "device_test_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"

namespace xbarsim {

TEST_CASE("ideal: program leaves every target bit-for-bit unchanged") {
  const auto m = builtin_registry().make_device(
      "ideal", test::params_for("ideal", {{"g_min_siemens", 1e-6}, {"g_max_siemens", 1e-4}}));
  CHECK(m->levels() == 0);
  Matrix g(17, 9);
  Rng source = make_rng(1, StreamPurpose::kWeights);
  for (Index i = 0; i < g.size(); ++i)
    g.data()[i] = static_cast<float>(1e-6 + 99e-6 * (source() / 4294967296.0));
  const Matrix before = g;
  Rng variation = make_rng(1, StreamPurpose::kProgramming);
  Rng faults = make_rng(1, StreamPurpose::kFaults);
  m->program(g, {variation, faults});
  CHECK(std::vector<float>(g.data(), g.data() + g.size()) ==
        std::vector<float>(before.data(), before.data() + before.size()));
}

TEST_CASE("ideal: read noise is exactly zero in the conductance matrix's shape") {
  const auto m = builtin_registry().make_device("ideal", test::params_for("ideal", {}));
  const Matrix g = Matrix::Constant(5, 7, 3e-5f);
  Matrix sigma = Matrix::Constant(2, 2, 1.0f);  // stale contents must be replaced
  m->read_noise_std(g, sigma);
  REQUIRE(sigma.rows() == 5);
  REQUIRE(sigma.cols() == 7);
  CHECK((sigma.array() == 0.0f).all());
}

TEST_CASE("ideal: reports the declared range and read pulse") {
  const auto m = builtin_registry().make_device(
      "ideal",
      test::params_for("ideal",
                       {{"g_min_siemens", 2e-6}, {"g_max_siemens", 5e-5}, {"read_pulse_s", 1e-8}}));
  CHECK(m->g_min_siemens() == 2e-6);
  CHECK(m->g_max_siemens() == 5e-5);
  CHECK(m->read_pulse_s() == 1e-8);
}

TEST_CASE("ideal: g_min >= g_max is rejected with a ConfigError naming the key") {
  for (double g_min : {1e-4, 2e-4}) {
    const ParamSet p =
        test::params_for("ideal", {{"g_min_siemens", g_min}, {"g_max_siemens", 1e-4}});
    try {
      IdealDevice m(p);
      FAIL("accepted g_min_siemens = " << g_min << " >= g_max_siemens");
    } catch (const ConfigError& e) {
      CHECK(e.key() == "g_min_siemens");
      CHECK(e.file() == "test-card.yaml");
    }
  }
}

}  // namespace xbarsim
