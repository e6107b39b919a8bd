// reram.multilevel against the mathematics of docs/devices.md#reram-multilevel.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "device_models/reram/reram_multilevel.hpp"
#include "device_test_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"

namespace xbarsim {
namespace {

using test::params_for;

constexpr double kUs = 1e-6;

// Milo et al., IRPS 2021, Fig. 4: sigma = -0.009107 G + 4.782 uS over 50-225 uS.
ParamSet milo_params(std::initializer_list<std::pair<const char*, ParamValue>> extra = {}) {
  ParamSet p = params_for("reram.multilevel", {{"g_min_siemens", 50.0 * kUs},
                                               {"g_max_siemens", 225.0 * kUs},
                                               {"levels", std::int64_t{8}},
                                               {"prog_sigma_slope_rel", -0.009107},
                                               {"prog_sigma_offset_siemens", 4.782 * kUs}});
  for (const auto& [k, v] : extra) p.set(k, v);
  return p;
}

struct Streams {
  Rng variation;
  Rng faults;
  explicit Streams(std::uint64_t seed)
      : variation(make_rng(seed, StreamPurpose::kProgramming, {0})),
        faults(make_rng(seed, StreamPurpose::kFaults, {0})) {}
  ProgrammingStreams get() { return {variation, faults}; }
};

Matrix programmed(const DeviceModel& m, Matrix targets, std::uint64_t seed) {
  Streams s(seed);
  m.program(targets, s.get());
  return targets;
}

std::vector<float> values(const Matrix& m) {
  return {m.data(), m.data() + m.size()};
}

}  // namespace

TEST_CASE("reram.multilevel: registered with the declared level count and range") {
  const auto m = builtin_registry().make_device("reram.multilevel", milo_params());
  CHECK(m->name() == "reram.multilevel");
  CHECK(m->levels() == 8);
  CHECK(m->g_min_siemens() == 50.0 * kUs);
  CHECK(m->g_max_siemens() == 225.0 * kUs);
}

TEST_CASE("reram.multilevel: without variation targets round exactly to the nearest level") {
  // 5 levels, 10 uS apart: 10, 20, 30, 40, 50 uS.
  const ReramMultilevel m(params_for(
      "reram.multilevel",
      {{"g_min_siemens", 10.0 * kUs}, {"g_max_siemens", 50.0 * kUs}, {"levels", std::int64_t{5}}}));
  REQUIRE(m.level_step_siemens() == doctest::Approx(10.0 * kUs));
  std::vector<double> levels;
  for (int k = 0; k < 5; ++k) levels.push_back(10.0 * kUs + k * (40.0 * kUs / 4));

  // Targets across and beyond the range, avoiding exact midpoints (float cannot hold them).
  const std::vector<double> targets_us = {0.0,  9.0,  10.0, 12.0, 14.9, 15.1, 19.0, 24.0, 26.0,
                                          31.0, 34.8, 35.2, 41.0, 44.0, 46.0, 50.0, 55.0, 80.0};
  Matrix g(3, 6);
  for (Index i = 0; i < g.size(); ++i) g.data()[i] = static_cast<float>(targets_us[i] * kUs);
  const Matrix before = g;
  g = programmed(m, g, 1);

  for (Index i = 0; i < g.size(); ++i) {
    // Nearest level by brute force over the explicit list, independent of the model's formula.
    const double t = before.data()[i];
    const auto nearest = std::min_element(levels.begin(), levels.end(), [&](double a, double b) {
      return std::abs(a - t) < std::abs(b - t);
    });
    CAPTURE(targets_us[i]);
    CHECK(g.data()[i] == static_cast<float>(*nearest));
  }
}

TEST_CASE("reram.multilevel: programming error has mean 0 and variance sigma(G)^2 per level") {
  const ReramMultilevel m(milo_params());
  const double step = m.level_step_siemens();  // 25 uS
  // Levels 1..6 are >= 6 sigma from either bound, so clipping cannot bias the moments.
  const int first = 1, last = 6;
  const Index per_level = 20000;
  Matrix g(per_level, last - first + 1);
  for (int c = 0; c < g.cols(); ++c)
    g.col(c).setConstant(static_cast<float>(50.0 * kUs + (first + c) * step));
  const Matrix targets = g;
  g = programmed(m, g, 42);

  for (int c = 0; c < g.cols(); ++c) {
    const double level = targets(0, c);
    // The published fit, written out here rather than taken from the model.
    const double sigma = -0.009107 * level + 4.782 * kUs;
    std::vector<float> col(g.col(c).data(), g.col(c).data() + per_level);
    const auto mom = test::moments(col, [&](float v) { return double(v) - level; });
    CAPTURE(level);
    CHECK(std::abs(mom.mean) < test::mean_tolerance(sigma, per_level));
    CHECK(std::abs(mom.variance - sigma * sigma) < test::variance_tolerance(sigma, per_level));
  }
}

TEST_CASE("reram.multilevel: a purely multiplicative error scales with the level") {
  const double rel = 0.03;
  const ReramMultilevel m(params_for("reram.multilevel", {{"g_min_siemens", 0.0},
                                                          {"g_max_siemens", 40.0 * kUs},
                                                          {"levels", std::int64_t{5}},
                                                          {"prog_sigma_slope_rel", rel},
                                                          {"prog_sigma_offset_siemens", 0.0}}));
  CHECK(m.prog_sigma_siemens(0.0) == 0.0);
  CHECK(m.prog_sigma_siemens(20.0 * kUs) == doctest::Approx(rel * 20.0 * kUs));
  const Index n = 40000;
  Matrix g = Matrix::Constant(200, n / 200, static_cast<float>(20.0 * kUs));
  // Level 0 is exactly 0 S and must stay exactly there: sigma(0) = 0.
  g.col(0).setZero();
  g = programmed(m, g, 7);
  CHECK((g.col(0).array() == 0.0f).all());
  std::vector<float> rest(g.data() + 200, g.data() + g.size());
  const double sigma = rel * 20.0 * kUs;
  const auto mom = test::moments(rest, [&](float v) { return double(v) - 20.0 * kUs; });
  CHECK(std::abs(mom.mean) < test::mean_tolerance(sigma, mom.n));
  CHECK(std::abs(mom.variance - sigma * sigma) < test::variance_tolerance(sigma, mom.n));
}

TEST_CASE("reram.multilevel: sigma(G) is clamped at zero where the linear fit turns negative") {
  // With the Milo fit, sigma reaches 0 at G = 4.782e-6 / 0.009107 = 525 uS.
  const ReramMultilevel m(milo_params({{"g_max_siemens", 1000.0 * kUs}}));
  CHECK(m.prog_sigma_siemens(500.0 * kUs) == doctest::Approx(-0.009107 * 500e-6 + 4.782e-6));
  CHECK(m.prog_sigma_siemens(600.0 * kUs) == 0.0);
  CHECK(m.prog_sigma_siemens(1000.0 * kUs) == 0.0);
}

TEST_CASE("reram.multilevel: the error is clipped only at G >= 0, so end levels stay unbiased") {
  // sigma = 0.1 G at the two end levels of 10 and 50 uS: G_min is only the lowest target, so
  // the cells there scatter symmetrically below it; nothing ever reaches 0 S (10 sigma away).
  const ReramMultilevel m(params_for("reram.multilevel", {{"g_min_siemens", 10.0 * kUs},
                                                          {"g_max_siemens", 50.0 * kUs},
                                                          {"levels", std::int64_t{2}},
                                                          {"prog_sigma_slope_rel", 0.1}}));
  Matrix g(100, 100);
  g.leftCols(50).setConstant(static_cast<float>(10.0 * kUs));
  g.rightCols(50).setConstant(static_cast<float>(50.0 * kUs));
  g = programmed(m, g, 3);
  const long n = 5000;
  for (int side = 0; side < 2; ++side) {
    const Matrix cols = side == 0 ? Matrix(g.leftCols(50)) : Matrix(g.rightCols(50));
    const double level = side == 0 ? 10.0 * kUs : 50.0 * kUs;
    const double mean = cols.cast<double>().mean();
    CHECK(std::abs(mean - level) <= test::mean_tolerance(0.1 * level, n));  // no clipping bias
    CHECK((cols.array() < static_cast<float>(level)).count() > 2000);  // half below the level
  }
  // A huge error at G = 0 leaves nothing negative.
  const ReramMultilevel wide(params_for("reram.multilevel", {{"g_min_siemens", 0.0},
                                                             {"prog_sigma_offset_siemens", 5e-6}}));
  Matrix z = Matrix::Zero(50, 50);
  z = programmed(wide, z, 4);
  CHECK(z.minCoeff() >= 0.0f);
  CHECK((z.array() == 0.0f).count() > 1000);  // about half clip onto the physical bound
}

TEST_CASE("reram.multilevel: stuck-at fractions are binomial and stuck cells hold G_min/G_max") {
  const double p_min = 0.02, p_max = 0.05;
  const ReramMultilevel m(params_for("reram.multilevel", {{"g_min_siemens", 10.0 * kUs},
                                                          {"g_max_siemens", 50.0 * kUs},
                                                          {"levels", std::int64_t{5}},
                                                          {"stuck_at_gmin_rel", p_min},
                                                          {"stuck_at_gmax_rel", p_max}}));
  const float level = static_cast<float>(30.0 * kUs);
  Matrix g = Matrix::Constant(1000, 1000, level);
  const long n = g.size();
  g = programmed(m, g, 11);
  const long at_min = (g.array() == static_cast<float>(10.0 * kUs)).count();
  const long at_max = (g.array() == static_cast<float>(50.0 * kUs)).count();
  const long at_level = (g.array() == level).count();
  CHECK(at_min + at_max + at_level == n);  // no other value appears: no variation configured
  CHECK(std::abs(double(at_min) / n - p_min) < test::proportion_tolerance(p_min, n));
  CHECK(std::abs(double(at_max) / n - p_max) < test::proportion_tolerance(p_max, n));
}

TEST_CASE("reram.multilevel: turning faults on leaves the variation of healthy cells unchanged") {
  const ParamSet healthy = milo_params();
  const ParamSet faulty = milo_params({{"stuck_at_gmin_rel", 0.1}, {"stuck_at_gmax_rel", 0.1}});
  Matrix targets = Matrix::Constant(64, 64, static_cast<float>(125.0 * kUs));
  const Matrix a = programmed(ReramMultilevel(healthy), targets, 5);
  const Matrix b = programmed(ReramMultilevel(faulty), targets, 5);
  const float lo = static_cast<float>(50.0 * kUs), hi = static_cast<float>(225.0 * kUs);
  long healthy_cells = 0;
  for (Index i = 0; i < a.size(); ++i) {
    if (b.data()[i] == lo || b.data()[i] == hi) continue;
    ++healthy_cells;
    CHECK(a.data()[i] == b.data()[i]);
  }
  CHECK(healthy_cells > 0);
}

TEST_CASE("reram.multilevel: the same seed gives an identical array and another seed does not") {
  const ReramMultilevel m(milo_params({{"stuck_at_gmin_rel", 0.01}, {"read_noise_rel", 0.01}}));
  Matrix targets(37, 23);
  for (Index i = 0; i < targets.size(); ++i)
    targets.data()[i] = static_cast<float>((50.0 + (i % 176)) * kUs);
  const Matrix a = programmed(m, targets, 2024);
  const Matrix b = programmed(m, targets, 2024);
  const Matrix c = programmed(m, targets, 2025);
  CHECK(values(a) == values(b));
  CHECK(values(a) != values(c));
}

TEST_CASE("reram.multilevel: random draws follow column-major order over the matrix") {
  // The same targets as a 3x4 matrix and as its column-major 12x1 flattening must receive the
  // same draws cell by cell.
  const ReramMultilevel m(milo_params({{"stuck_at_gmax_rel", 0.2}}));
  Matrix grid(3, 4);
  for (Index i = 0; i < grid.size(); ++i)
    grid.data()[i] = static_cast<float>((50.0 + 25.0 * (i % 8)) * kUs);
  Matrix flat = Eigen::Map<const Matrix>(grid.data(), grid.size(), 1);
  const Matrix g = programmed(m, grid, 99);
  const Matrix f = programmed(m, flat, 99);
  for (Index r = 0; r < 3; ++r)
    for (Index c = 0; c < 4; ++c) CHECK(g(r, c) == f(r + 3 * c, 0));
}

TEST_CASE("reram.multilevel: the read-noise forms add in variance") {
  const double r = 0.02, s0 = 0.3 * kUs, s1 = 0.1 * kUs;
  const ReramMultilevel m(milo_params(
      {{"read_noise_rel", r}, {"read_noise_siemens", s0}, {"read_noise_sqrt_siemens", s1}}));
  Matrix g(3, 4);
  for (Index i = 0; i < g.size(); ++i) g.data()[i] = static_cast<float>((4.0 * i) * kUs);
  Matrix sigma;
  m.read_noise_std(g, sigma);
  for (Index i = 0; i < g.size(); ++i) {
    const double G = g.data()[i];
    CHECK(sigma.data()[i] ==
          doctest::Approx(std::sqrt(r * r * G * G + s0 * s0 + s1 * s1 * G / kUs)).epsilon(1e-5));
  }
}

TEST_CASE("reram.multilevel: read-noise std is read_noise_rel times the stored conductance") {
  const ReramMultilevel m(milo_params({{"read_noise_rel", 0.01}}));
  Matrix g(4, 5);
  for (Index i = 0; i < g.size(); ++i) g.data()[i] = static_cast<float>((50.0 + 9.0 * i) * kUs);
  Matrix sigma;
  m.read_noise_std(g, sigma);
  REQUIRE(sigma.rows() == 4);
  REQUIRE(sigma.cols() == 5);
  for (Index i = 0; i < g.size(); ++i)
    CHECK(sigma.data()[i] == doctest::Approx(0.01 * g.data()[i]).epsilon(1e-6));
}

TEST_CASE("reram.multilevel: contradictory parameters are rejected with a ConfigError") {
  auto expect_error = [](const ParamSet& p, const std::string& key) {
    try {
      ReramMultilevel m(p);
      FAIL("accepted contradictory parameters; expected an error on " << key);
    } catch (const ConfigError& e) {
      CHECK(e.key() == key);
      CHECK(e.file() == "test-card.yaml");
    }
  };
  expect_error(milo_params({{"g_min_siemens", 300.0 * kUs}}), "g_min_siemens");
  expect_error(milo_params({{"g_min_siemens", 225.0 * kUs}}), "g_min_siemens");
  expect_error(milo_params({{"stuck_at_gmin_rel", 0.6}, {"stuck_at_gmax_rel", 0.5}}),
               "stuck_at_gmax_rel");
  expect_error(milo_params({{"levels", std::int64_t{1}}}), "levels");
  CHECK_THROWS_AS(builtin_registry().make_device("reram.multilevel",
                                                 milo_params({{"g_max_siemens", 10.0 * kUs}})),
                  ConfigError);
}

}  // namespace xbarsim
