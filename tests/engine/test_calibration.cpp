// AnalogMatrix::calibrate against closed forms: the full scale it sets is the maximum or the
// q-quantile of |I| per column, or over each array's pooled columns.
//
// The full scale F is read back through clipping: a drive far above every calibration input
// saturates the ADC, which then returns exactly +-F (quantizing_adc.cpp), and the engine maps
// that back to output units, where an unclipped column reads w_j x. So with one input row,
// column j's clipped output is F_j in units of w x, and F_j / w_j is the input level the
// calibration chose for that column.
//
// Calibration inputs are x ~ Uniform(0, a), seeded, so every quantile is analytic.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>

#include "engine_fixtures.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;
using namespace xbarsim::test;

namespace {

constexpr float kA = 0.5f;      // calibration inputs in [0, kA]
constexpr Index kOutputs = 40;  // 16 outputs per 32-column differential array: 16, 16, 8
constexpr Index kPerArray = 16;
constexpr Index kBatch = 20000;  // above the 8192-sample cap: the strided subsample is used
constexpr double kZ = 5.0;       // two-sided normal tail 5.7e-7 per check

// w_j = (j + 1) / kOutputs: distinct, positive, the largest last in each array.
Matrix column_weights() {
  Matrix w(kOutputs, 1);
  for (Index j = 0; j < kOutputs; ++j) w(j) = static_cast<float>(j + 1) / kOutputs;
  return w;
}

Matrix uniform_inputs(std::uint64_t seed) {
  Rng rng = make_rng(seed, StreamPurpose::kInputs);
  boost::random::uniform_real_distribution<float> u(0.0f, kA);
  Matrix x(1, kBatch);
  for (Index b = 0; b < kBatch; ++b) x(b) = u(rng);
  return x;
}

// Calibrates on x, then returns each column's full scale in units of w x.
Matrix full_scales(const std::string& calibration, double q, const Matrix& x) {
  TileSpec t;  // ideal cells (G_min = 0), continuous drive: no noise, no input quantisation
  t.mapping.weight_encoding = WeightEncoding::kContinuous;
  t.adc = "adc.quantizing";
  t.adc_params = {{"bits", std::int64_t{8}},
                  {"range", std::string("calibrated")},
                  {"calibration", calibration},
                  {"calibration_quantile_rel", q}};
  t.rows = 64;
  t.cols = 32;
  AnalogMatrix m(column_weights(), make_models(t), StreamKey{1, 0, 0}, "calibration");
  REQUIRE(m.plan().col_blocks == 3);
  m.calibrate(x, 1.0);
  const Matrix drive = Matrix::Constant(1, 1, 1.0f);  // 2x every calibration input: clips
  return m.multiply(drive, 1.0);
}

// Samples the engine takes from `total` reads: all of them up to 8192, else every
// ceil(total / 8192)-th (analog_matrix.cpp).
double samples_of(Index total) {
  const Index stride = std::max<Index>(1, (total + 8191) / 8192);
  return static_cast<double>((total + stride - 1) / stride);
}

}  // namespace

TEST_CASE("calibrate, per column, q = 1: each column's full scale is its largest current") {
  const Matrix x = uniform_inputs(11);
  const Matrix fs = full_scales("per_column", 1.0, x);
  const double x_max = x.maxCoeff();
  const Matrix w = column_weights();
  for (Index j = 0; j < kOutputs; ++j) {
    CAPTURE(j);
    // Exact up to float rounding of the current and its conversion back (a few ulp).
    CHECK(fs(j) == doctest::Approx(w(j) * x_max).epsilon(1e-5));
  }
  // And the maximum of Uniform(0, a) over n samples lies within a of a(1 - z/n) or so:
  // P(max < a (1 - e)) = (1 - e)^n, below 1e-6 for e = 14 / n.
  CHECK(x_max > kA * (1.0 - 14.0 / kBatch));
}

TEST_CASE("calibrate, per column, q = 0.9: the full scale is the q-quantile of the column") {
  const double q = 0.9;
  const Matrix fs = full_scales("per_column", q, uniform_inputs(12));
  const Matrix w = column_weights();
  // The engine's choice is the ceil(q n)-th of n sampled reads. For Uniform(0, a) the
  // population CDF at level t is t / a; the count of samples below the true quantile is
  // Binomial(n, q), so F(sample quantile) stays within z sqrt(q(1-q)/n) + 1/n of q.
  const double n = samples_of(kBatch);
  const double tol = kZ * std::sqrt(q * (1 - q) / n) + 1.0 / n;
  for (Index j = 0; j < kOutputs; ++j) {
    CAPTURE(j);
    const double level = fs(j) / w(j);  // the input level chosen for column j
    CHECK(std::abs(level / kA - q) < tol);
  }
  // The same inputs drive every column, so the level is the same for all.
  CHECK(fs(kOutputs - 1) / w(kOutputs - 1) == doctest::Approx(fs(0) / w(0)).epsilon(1e-5));
  // Not the maximum: the test tells q = 0.9 from q = 1 by far more than its tolerance.
  CHECK(1.0 - q > 4 * tol);
}

TEST_CASE("calibrate, per array, q = 1: columns share their array's largest current") {
  const Matrix x = uniform_inputs(13);
  const Matrix fs = full_scales("per_array", 1.0, x);
  const Matrix w = column_weights();
  const double x_max = x.maxCoeff();
  for (Index j = 0; j < kOutputs; ++j) {
    CAPTURE(j);
    // Array of column j: columns [16 b, 16 b + 15], the last of which has the largest weight.
    const Index last = std::min(kOutputs, (j / kPerArray + 1) * kPerArray) - 1;
    const double shared = w(last) * x_max;
    // The drive 1 gives w_j; it clips only where w_j > the shared full scale, and reads w_j
    // within half an LSB of that full scale elsewhere (8 bits bipolar: 127 steps a side).
    if (w(j) > shared)
      CHECK(fs(j) == doctest::Approx(shared).epsilon(1e-5));
    else
      CHECK(std::abs(fs(j) - w(j)) <= 0.5 * shared / 127 * (1 + 1e-4));
  }
}

TEST_CASE("calibrate, per array, q = 0.9: the quantile of the array's pooled currents") {
  const double q = 0.9;
  const Matrix fs = full_scales("per_array", q, uniform_inputs(14));
  const Matrix w = column_weights();
  const double n = samples_of(kBatch);
  for (Index b = 0; b * kPerArray < kOutputs; ++b) {
    CAPTURE(b);
    const Index first = b * kPerArray, count = std::min(kPerArray, kOutputs - first);
    // Pooled |I| over the array's columns, in units of w x: w_j x with j uniform over the
    // array, x ~ U(0, a). Closed form of its CDF: G(t) = mean_j min(t / (a w_j), 1).
    auto cdf = [&](double t) {
      double g = 0;
      for (Index j = first; j < first + count; ++j) g += std::min(1.0, t / (kA * w(j)));
      return g / static_cast<double>(count);
    };
    // The shared full scale: the largest output of the array's columns (the ones it clips).
    double shared = 0;
    for (Index j = first; j < first + count; ++j) shared = std::max<double>(shared, fs(j));
    // The pooled samples are not independent (one x feeds every column), so the binomial
    // bound does not apply; the fraction of a sample's columns below t is a bounded mean in
    // [0, 1] over n independent x, whose sd is at most 1/2: G(t_hat) within z / (2 sqrt(n))
    // of q, plus the rank's rounding, 1 / (n count).
    const double tol = kZ * 0.5 / std::sqrt(n) + 1.0 / (n * static_cast<double>(count));
    CHECK(std::abs(cdf(shared) - q) < tol);
    // Not per column: the largest weight's own quantile sits at a different level.
    const double own = q * kA * w(first + count - 1);
    CHECK(std::abs(cdf(own) - q) > tol);
  }
}
