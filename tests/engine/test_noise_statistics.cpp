// Programming variation and read noise reach the outputs with the variance their formulas
// predict; read noise is fresh on every read; results are reproducible.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "engine_fixtures.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;
using namespace xbarsim::test;

namespace {

// A layer whose cells all sit far from the conductance limits, except the idle cell of each
// differential pair, which sits at G_min. Column 0 holds the largest weight (it sets the
// scale) but gets a zero input, so it never contributes.
constexpr double kGMin = 10e-6, kGMax = 50e-6, kSigma = 0.5e-6;
constexpr Index kInputs = 33, kOutputs = 20000;

Matrix interior_weights() {
  Matrix w = Matrix::Constant(kOutputs, kInputs, 0.5f);
  w.col(0).setOnes();
  for (Index o = 1; o < kOutputs; o += 2) w.row(o).tail(kInputs - 1) *= -1.0f;  // both signs
  return w;
}

Matrix test_input() {
  Matrix x(kInputs, 1);
  x(0) = 0.0f;
  for (Index i = 1; i < kInputs; ++i) x(i) = 0.25f + 0.75f * static_cast<float>(i) / kInputs;
  return x;
}

TileSpec noisy_tile(double prog_sigma, double read_rel) {
  TileSpec t;
  t.device = "reram.multilevel";
  // Levels at 10, 30, 50 uS: weight 0.5 maps exactly to 30 uS, weight 0 to 10 uS.
  t.device_params = {{"g_min_siemens", kGMin},
                     {"g_max_siemens", kGMax},
                     {"levels", std::int64_t{3}},
                     {"prog_sigma_offset_siemens", prog_sigma},
                     {"read_noise_rel", read_rel}};
  t.mapping.weight_encoding = WeightEncoding::kContinuous;
  t.rows = 64;
  t.cols = 128;
  return t;
}

struct Moments {
  double mean, variance;
};
Moments moments(const Matrix& v) {
  const double mean = v.cast<double>().mean();
  const double var = (v.cast<double>().array() - mean).square().sum() / (v.size() - 1.0);
  return {mean, var};
}

}  // namespace

TEST_CASE("programming variation gives the output variance its formula predicts") {
  const Matrix w = interior_weights();
  const Matrix x = test_input();
  AnalogMatrix a(w, make_models(noisy_tile(kSigma, 0.0)), StreamKey{7, 0, 0}, "prog", 2);
  const Matrix y = a.multiply(x, 1.0);
  // y = (s_w / dG) sum_i x_i (G+_i - G-_i), s_w = max|w| = 1, dG = G_max - G_min.
  // Both cells of a pair are Gaussian with variance s^2: the idle one at G_min = 10 uS is
  // 20 sigma above the only physical bound, G = 0, so it is never clipped and adds no bias
  // (clipping at G_min, the old behaviour, gave it a bias of s / sqrt(2 pi)).
  const double span = kGMax - kGMin;
  const double sum_x2 = x.cast<double>().squaredNorm();
  const double sum_x = x.cast<double>().sum();
  const double var_pair = 2.0 * kSigma * kSigma;
  const double var_expected = sum_x2 * var_pair / (span * span);
  const double bias = 0.0;
  const double ideal = 0.5 * sum_x;
  // Fold the positive and the negative rows onto one sample each.
  Matrix folded(kOutputs / 2, 1);
  for (Index o = 0; o < kOutputs / 2; ++o) folded(o) = y(2 * o) - (ideal - bias);
  Matrix folded_neg(kOutputs / 2, 1);
  for (Index o = 0; o < kOutputs / 2; ++o) folded_neg(o) = -y(2 * o + 1) - (ideal - bias);
  for (const Matrix* sample : {&folded, &folded_neg}) {
    const Moments m = moments(*sample);
    const double n = static_cast<double>(sample->size());
    // 5 standard errors: SE(mean) = sqrt(var/n); SE(var) ~= var sqrt(2/(n-1)) for a sum of
    // 32 independent terms, which is close to Gaussian.
    CHECK(std::abs(m.mean) < 5.0 * std::sqrt(var_expected / n));
    CHECK(std::abs(m.variance - var_expected) < 5.0 * var_expected * std::sqrt(2.0 / (n - 1)));
  }
}

TEST_CASE("read noise is fresh on every read and has the variance sum x^2 (s+^2 + s-^2)") {
  const double rel = 0.02;
  const Matrix w = interior_weights();
  const Matrix x = test_input();
  AnalogMatrix a(w, make_models(noisy_tile(0.0, rel)), StreamKey{8, 0, 0}, "read", 2);
  const Matrix y1 = a.multiply(x, 1.0);
  const Matrix y2 = a.multiply(x, 1.0);
  CHECK((y1 - y2).cwiseAbs().maxCoeff() > 0);  // a new draw on the second read
  // Each read: variance sum_i x_i^2 rel^2 (G+^2 + G-^2) / dG^2, with G+ = 30 uS and
  // G- = 10 uS (or the reverse); the difference of two reads has twice that.
  const double span = kGMax - kGMin;
  const double g_hi = 30e-6, g_lo = kGMin;
  const double var_read =
      x.cast<double>().squaredNorm() * rel * rel * (g_hi * g_hi + g_lo * g_lo) / (span * span);
  const Moments d = moments(y1 - y2);
  const double n = static_cast<double>(kOutputs);
  CHECK(std::abs(d.mean) < 5.0 * std::sqrt(2 * var_read / n));
  CHECK(std::abs(d.variance - 2 * var_read) < 5.0 * 2 * var_read * std::sqrt(2.0 / (n - 1)));
  // Without programming noise the mean over outputs is the ideal value.
  const double ideal = 0.5 * x.cast<double>().sum();
  Matrix signed_y = y1;
  for (Index o = 1; o < kOutputs; o += 2) signed_y(o) = -signed_y(o);
  CHECK(std::abs(moments(signed_y).mean - ideal) < 5.0 * std::sqrt(var_read / n));
}

TEST_CASE("same seed gives identical results for any thread count, and another seed differs") {
  TileSpec t;
  t.device = "reram.multilevel";
  t.device_params = {{"levels", std::int64_t{16}},
                     {"prog_sigma_offset_siemens", 2e-6},
                     {"read_noise_rel", 0.01},
                     {"stuck_at_gmin_rel", 0.01}};
  t.dac = "dac.linear";
  t.adc = "adc.quantizing";
  t.adc_params = {{"bits", std::int64_t{6}},
                  {"range", std::string("calibrated")},
                  {"bits_scaling", std::string("walden")},
                  {"input_noise_lsb", 0.5}};
  t.mapping.bits_per_cell = 1;
  t.rows = 32;
  t.cols = 16;
  const auto models = make_models(t);
  Matrix w = Matrix::Random(45, 70);
  Matrix x = Matrix::Random(70, 100);
  auto run = [&](std::uint64_t seed, int threads) {
    AnalogMatrix a(w, models, StreamKey{seed, 3, 1}, "det", threads);
    a.calibrate(x, 1.0);
    return a.multiply(x, 1.0);
  };
  const Matrix one = run(5, 1);
  CHECK(one == run(5, 2));
  CHECK(one == run(5, 3));
  CHECK(one == run(5, 1));
  CHECK(one != run(6, 1));
}
