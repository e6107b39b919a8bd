// pcm.statistical and reram.relaxation against the closed forms of its published statistics
// (docs/devices.md#pcm-statistical): drift exponent, drifted conductance (a lognormal factor),
// the 1/f variance growing as ln t, the programming noise, and drift compensation. Every test
// is seeded; tolerances are five standard errors of the sample size (device_test_util.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "device_models/device_test_util.hpp"
#include "device_models/pcm/pcm_statistical.hpp"
#include "device_models/reram/reram_relaxation.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"

using namespace xbarsim;

namespace {

constexpr const char* kPcm = "pcm.statistical";
constexpr Index kRows = 200, kCols = 200;  // 40000 cells per sample
const long kN = kRows * kCols;

// Program kRows x kCols cells to the same target and return the stored conductances.
std::vector<double> program_all(const PcmStatistical& pcm, double target_s, std::uint64_t seed) {
  Matrix g = Matrix::Constant(kRows, kCols, static_cast<float>(target_s));
  Rng variation(seed), faults(seed + 1);
  pcm.program(g, ProgrammingStreams{variation, faults});
  return std::vector<double>(g.data(), g.data() + g.size());
}

// Parameters with the programming noise, the drift or the 1/f noise switched off.
ParamSet quiet(std::initializer_list<std::pair<const char*, ParamValue>> extra) {
  ParamSet p = test::params_for(kPcm, {});
  for (const auto& [k, v] : extra) p.set(k, v);
  return p;
}
const std::pair<const char*, ParamValue> kNoProg[] = {
    {"prog_sigma_a_siemens", 0.0}, {"prog_sigma_b_siemens", 0.0}, {"prog_sigma_c_siemens", 0.0}};

ParamSet drift_only(double t) {
  ParamSet p = quiet({{"t_inference_s", t}, {"qs_coef_rel", 0.0}});
  for (const auto& [k, v] : kNoProg) p.set(k, v);
  return p;
}

}  // namespace

TEST_CASE("pcm: the drift exponent has the published mean and spread at each state") {
  const double t = 86400.0;  // one day
  const PcmStatistical pcm(drift_only(t));
  const double L = std::log(t / pcm.t0_s());
  for (double x : {0.1, 0.5, 1.0}) {
    CAPTURE(x);
    const double target = x * pcm.g_max_siemens();
    const std::vector<double> g = program_all(pcm, target, 1000 + static_cast<int>(100 * x));
    // nu = -ln(G(t) / G_T) / ln(t / t0), exactly, with no other noise on.
    const test::Moments m = test::moments(g, [&](double v) { return -std::log(v / target) / L; });
    const double mu = pcm.drift_nu_mean(x), sigma = pcm.drift_nu_std(x);
    // Published clamps: mu in [0.049, 0.1], sigma in [0.008, 0.045].
    CHECK(mu >= 0.049);
    CHECK(mu <= 0.1);
    CHECK(std::abs(m.mean - mu) <= test::mean_tolerance(sigma, kN));
    CHECK(std::abs(m.variance - sigma * sigma) <= test::variance_tolerance(sigma, kN));
  }
}

TEST_CASE("pcm: the drifted conductance has the lognormal mean of (t/t0)^-nu") {
  for (double t : {3600.0, 3.15e7}) {  // an hour, a year
    const PcmStatistical pcm(drift_only(t));
    const double L = std::log(t / pcm.t0_s());
    for (double x : {0.2, 0.8}) {
      CAPTURE(t);
      CAPTURE(x);
      const double target = x * pcm.g_max_siemens();
      const std::vector<double> g = program_all(pcm, target, 7 + static_cast<int>(t) % 97);
      const double mu = pcm.drift_nu_mean(x), s = pcm.drift_nu_std(x);
      // E[exp(-nu L)] and its variance for nu ~ N(mu, s^2).
      const double mean = std::exp(-mu * L + 0.5 * s * s * L * L);
      const double var = (std::exp(s * s * L * L) - 1.0) * std::exp(-2 * mu * L + s * s * L * L);
      const test::Moments m = test::moments(g, [&](double v) { return v / target; });
      CHECK(std::abs(m.mean - mean) <= test::mean_tolerance(std::sqrt(var), kN));
    }
  }
  // Before t0 there is no drift.
  const PcmStatistical early(drift_only(1.0));
  for (double v : program_all(early, 10e-6, 3)) CHECK(v == doctest::Approx(10e-6).epsilon(1e-6));
}

TEST_CASE("pcm: the accumulated 1/f noise has variance (G Q_s)^2 ln((t + t_r) / 2 t_r)") {
  std::vector<double> variances;
  const double x = 0.5;
  for (double t : {1.0, 1e4}) {
    ParamSet p = quiet({{"t_inference_s", t},
                        {"nu_mean_min_rel", 0.0},
                        {"nu_mean_max_rel", 0.0},
                        {"nu_std_min_rel", 0.0},
                        {"nu_std_max_rel", 0.0}});
    for (const auto& [k, v] : kNoProg) p.set(k, v);
    const PcmStatistical pcm(p);
    const double target = x * pcm.g_max_siemens();
    const std::vector<double> g = program_all(pcm, target, 42 + static_cast<int>(t));
    const double sigma =
        target * pcm.read_noise_qs(x) * std::sqrt(std::log((t + 250e-9) / (2 * 250e-9)));
    const test::Moments m = test::moments(g, [](double v) { return v; });
    CAPTURE(t);
    CHECK(std::abs(m.mean - target) <= test::mean_tolerance(sigma, kN));
    CHECK(std::abs(m.variance - sigma * sigma) <= test::variance_tolerance(sigma, kN));
    variances.push_back(m.variance);
  }
  // The variance grows as ln t: the ratio of the two is the ratio of the logarithms.
  const double expected = std::log((1e4 + 250e-9) / 500e-9) / std::log((1.0 + 250e-9) / 500e-9);
  CHECK(variances[1] / variances[0] ==
        doctest::Approx(expected).epsilon(5.0 * std::sqrt(2.0 * 2.0 / (kN - 1))));
}

TEST_CASE("pcm: the programming noise follows the published quadratic in G_T / G_max") {
  ParamSet p = quiet({{"t_inference_s", 0.0}, {"qs_coef_rel", 0.0}});
  const PcmStatistical pcm(p);
  for (double x : {0.25, 0.75}) {
    CAPTURE(x);
    const double target = x * pcm.g_max_siemens();
    const double sigma = (-1.1731 * x * x + 1.9650 * x + 0.2635) * 1e-6;  // Joshi 2020, uS
    CHECK(pcm.prog_sigma_siemens(x) == doctest::Approx(sigma));
    const std::vector<double> g = program_all(pcm, target, 99);
    const test::Moments m = test::moments(g, [](double v) { return v; });
    CHECK(std::abs(m.mean - target) <= test::mean_tolerance(sigma, kN));
    CHECK(std::abs(m.variance - sigma * sigma) <= test::variance_tolerance(sigma, kN));
  }
  // The fit scales with the card's g_max.
  ParamSet twice = p;
  twice.set("g_max_siemens", 50e-6);
  CHECK(PcmStatistical(twice).prog_sigma_siemens(0.5) ==
        doctest::Approx(2 * pcm.prog_sigma_siemens(0.5)));
}

TEST_CASE("pcm: drift compensation restores the calibration read of every array or column") {
  // Mixed targets, drift only: the calibration read (every row driven) returns column sums.
  auto targets = [] {
    Matrix g(64, 8);
    for (Index c = 0; c < g.cols(); ++c)
      for (Index r = 0; r < g.rows(); ++r)
        g(r, c) = static_cast<float>(25e-6 * ((r * 7 + c * 3) % 10) / 9.0);
    return g;
  };
  for (const char* mode : {"global", "per_column"}) {
    CAPTURE(mode);
    ParamSet p = drift_only(3.15e7);
    p.set("drift_compensation", std::string(mode));
    const PcmStatistical pcm(p);
    Matrix g = targets();
    const Matrix t = g;
    Rng variation(5), faults(6);
    pcm.program(g, ProgrammingStreams{variation, faults});
    if (std::string(mode) == "global") {
      CHECK(g.cast<double>().sum() == doctest::Approx(t.cast<double>().sum()).epsilon(1e-5));
    } else {
      for (Index c = 0; c < g.cols(); ++c)
        CHECK(g.col(c).cast<double>().sum() ==
              doctest::Approx(t.col(c).cast<double>().sum()).epsilon(1e-5));
    }
  }
  // Without it, a year of drift lowers the column sums by at least (t/t0)^-0.049.
  const PcmStatistical none(drift_only(3.15e7));
  Matrix g = targets();
  const double before = g.cast<double>().sum();
  Rng variation(5), faults(6);
  none.program(g, ProgrammingStreams{variation, faults});
  CHECK(g.cast<double>().sum() < before * std::pow(3.15e7 / 20.0, -0.049) * 1.01);
}

TEST_CASE("pcm: the same seed gives the same cells, and bad values name their key") {
  const PcmStatistical pcm(test::params_for(kPcm, {{"t_inference_s", 1e5}}));
  CHECK(program_all(pcm, 12e-6, 77) == program_all(pcm, 12e-6, 77));
  CHECK(program_all(pcm, 12e-6, 77) != program_all(pcm, 12e-6, 78));
  try {
    PcmStatistical bad(test::params_for(kPcm, {{"t_inference_s", -1.0}}));
    FAIL("a negative time was accepted");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.key()) == "t_inference_s");
  }
  CHECK_THROWS_AS(PcmStatistical(test::params_for(kPcm, {{"levels", std::int64_t{1}}})),
                  ConfigError);
  CHECK_THROWS_AS(
      PcmStatistical(test::params_for(kPcm, {{"nu_mean_min_rel", 0.2}, {"nu_mean_max_rel", 0.1}})),
      ConfigError);
}

// reram.relaxation (docs/devices.md#reram-relaxation): the published polynomials at their
// times, the log-t interpolation between them, and the sample spread of programmed cells.
TEST_CASE("reram relaxation: sigma is the published polynomial at each time and log-t between") {
  const double us = 1e-6;
  auto at = [](double t) {
    return ReramRelaxation(test::params_for("reram.relaxation", {{"t_inference_s", t}}));
  };
  const double x = 0.5;
  // Wan 2022 (aihwkit's fit) at 1 s: 0.348 + 16.030 x - 43.853 x^2 + 45.393 x^3 - 16.815 x^4 uS.
  const double s1 =
      (0.348 + 16.030 * x - 43.853 * x * x + 45.393 * x * x * x - 16.815 * x * x * x * x) * us;
  const double s2 =
      (0.701 + 22.086 * x - 50.773 * x * x + 47.095 * x * x * x - 16.458 * x * x * x * x) * us;
  CHECK(at(1.0).sigma_siemens(x) == doctest::Approx(s1));
  CHECK(at(86400.0).sigma_siemens(x) == doctest::Approx(s2));
  CHECK(at(0.1).sigma_siemens(x) == doctest::Approx(s1));  // held before the first time
  // The geometric mean of 1 s and 1 day is half-way in log t.
  CHECK(at(std::sqrt(86400.0)).sigma_siemens(x) == doctest::Approx(0.5 * (s1 + s2)));
  CHECK(at(1e8).sigma_siemens(x) == doctest::Approx(at(172800.0).sigma_siemens(x)));
  // Programmed cells scatter with that sigma (continuous targets, 40000 cells).
  ParamSet p = test::params_for("reram.relaxation", {{"t_inference_s", 86400.0}});
  p.set("levels", std::int64_t{0});
  const ReramRelaxation m(p);
  Matrix g = Matrix::Constant(200, 200, static_cast<float>(x * 40e-6));
  Rng variation(11), faults(12);
  m.program(g, ProgrammingStreams{variation, faults});
  const std::vector<double> v(g.data(), g.data() + g.size());
  const test::Moments mo = test::moments(v, [](double d) { return d; });
  CHECK(std::abs(mo.mean - x * 40e-6) <= test::mean_tolerance(s2, 40000));
  CHECK(std::abs(mo.variance - s2 * s2) <= test::variance_tolerance(s2, 40000));
  // Bad input names the key.
  try {
    ReramRelaxation(test::params_for("reram.relaxation", {{"t2_s", 0.5}}));
    FAIL("accepted decreasing times");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.key()) == "t2_s");
  }
}
