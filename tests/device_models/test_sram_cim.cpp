// sram.cim against the mathematics of docs/devices.md#sram-cim.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "device_models/sram/sram_cell.hpp"
#include "device_test_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"

namespace xbarsim {
namespace {

ParamSet sram_params(std::initializer_list<std::pair<const char*, ParamValue>> extra = {}) {
  ParamSet p = test::params_for(
      "sram.cim", {{"g_min_siemens", 0.0}, {"g_max_siemens", 1e-5}, {"read_energy_j", 2e-15}});
  for (const auto& [k, v] : extra) p.set(k, v);
  return p;
}

Matrix programmed(const DeviceModel& m, Matrix targets, std::uint64_t seed) {
  Rng variation = make_rng(seed, StreamPurpose::kProgramming, {0});
  Rng faults = make_rng(seed, StreamPurpose::kFaults, {0});
  m.program(targets, {variation, faults});
  return targets;
}

}  // namespace

TEST_CASE("sram.cim: two levels and without mismatch targets snap exactly to off or on") {
  const auto m = builtin_registry().make_device("sram.cim", sram_params({{"g_min_siemens", 1e-8}}));
  CHECK(m->levels() == 2);
  const float off = static_cast<float>(1e-8), on = static_cast<float>(1e-5);
  Matrix g(2, 3);
  g << off, 2e-6f, 4.9e-6f, 5.1e-6f, 8e-6f, on;
  g = programmed(*m, g, 1);
  Matrix expected(2, 3);
  expected << off, off, off, on, on, on;
  CHECK(std::vector<float>(g.data(), g.data() + 6) ==
        std::vector<float>(expected.data(), expected.data() + 6));
}

TEST_CASE("sram.cim: mismatch is multiplicative with mean 0 and variance mismatch_rel^2") {
  const double rel = 0.01;
  const SramCell m(sram_params({{"mismatch_rel", rel}}));
  Matrix g = Matrix::Constant(200, 200, 1e-5f);
  g = programmed(m, g, 17);
  std::vector<float> v(g.data(), g.data() + g.size());
  const auto mom = test::moments(v, [](float x) { return double(x) / 1e-5 - 1.0; });
  CHECK(std::abs(mom.mean) < test::mean_tolerance(rel, mom.n));
  CHECK(std::abs(mom.variance - rel * rel) < test::variance_tolerance(rel, mom.n));
}

TEST_CASE("sram.cim: a cell keeps its own mismatch whichever bit it stores") {
  // With a non-zero off state, writing all-on and all-off arrays with one seed must give the
  // same relative deviation per cell: the mismatch belongs to the cell, not to the bit.
  const double g_off = 1e-7, g_on = 1e-5;
  const SramCell m(sram_params({{"g_min_siemens", g_off}, {"mismatch_rel", 0.05}}));
  const Matrix on = programmed(m, Matrix::Constant(30, 30, float(g_on)), 8);
  const Matrix off = programmed(m, Matrix::Constant(30, 30, float(g_off)), 8);
  for (Index i = 0; i < on.size(); ++i)
    CHECK(on.data()[i] / g_on == doctest::Approx(off.data()[i] / g_off).epsilon(1e-6));
}

TEST_CASE("sram.cim: the same seed gives an identical array") {
  const SramCell m(sram_params({{"mismatch_rel", 0.02}}));
  Matrix t(20, 30);
  for (Index i = 0; i < t.size(); ++i) t.data()[i] = (i % 3 == 0) ? 1e-5f : 0.0f;
  const Matrix a = programmed(m, t, 5), b = programmed(m, t, 5), c = programmed(m, t, 6);
  CHECK(std::vector<float>(a.data(), a.data() + a.size()) ==
        std::vector<float>(b.data(), b.data() + b.size()));
  CHECK(std::vector<float>(a.data(), a.data() + a.size()) !=
        std::vector<float>(c.data(), c.data() + c.size()));
}

TEST_CASE("sram.cim: read-noise std is read_noise_rel times the stored conductance") {
  const SramCell m(sram_params({{"read_noise_rel", 0.002}}));
  Matrix g(3, 2);
  g << 0.0f, 1e-5f, 1.01e-5f, 0.99e-5f, 0.0f, 1e-5f;
  Matrix sigma;
  m.read_noise_std(g, sigma);
  REQUIRE(sigma.rows() == 3);
  REQUIRE(sigma.cols() == 2);
  for (Index i = 0; i < g.size(); ++i)
    CHECK(sigma.data()[i] == doctest::Approx(0.002 * g.data()[i]).epsilon(1e-6));
}

TEST_CASE("sram.cim: exposes its per-cell read energy") {
  const SramCell m(sram_params());
  CHECK(m.read_energy_j() == 2e-15);
}

TEST_CASE("sram.cim: contradictory or missing parameters are rejected with a ConfigError") {
  try {
    SramCell m(sram_params({{"g_min_siemens", 1e-5}}));
    FAIL("accepted g_min_siemens == g_max_siemens");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "g_min_siemens");
    CHECK(e.file() == "test-card.yaml");
  }
  // read_energy_j has no default: a card must state (and cite) it.
  ParamSet missing = test::params_for("sram.cim", {});
  CHECK_FALSE(missing.has("read_energy_j"));
  CHECK_THROWS_AS(SramCell{missing}, ConfigError);
}

}  // namespace xbarsim
