// Read noise through the whole path (docs/devices.md#read-noise): a bit-serial 1-bit DAC,
// signed inputs in two phases, 4-bit weight magnitudes in two 2-bit slices, differential pairs
// and a 16-bit quantizing ADC, for the relative, state-independent and sqrt(G) forms. The expected
// output variance is derived from the mapping's definitions, not from the engine:
//
//   y = s_w s_x sum_{p,c,s} (+-) 2^c 4^s I_{p,c,s} / (dG V),        I = sum_i V_i (G+ - G-)
//   Var(y - y_clean) = sum_{p,c,s} a_{c,s}^2 (V^2 n_{p,c} v_s + LSB^2 / 12)
//
// with a_{c,s} = s_w s_x 2^c 4^s / (dG V), n_{p,c} the rows driven in phase p and cycle c,
// v_s the noise variance of one pair's two cells on slice s, and the ADC's rounding error
// uniform over one LSB (the noise is thousands of LSB wide). Seeded; five standard errors.
//
// With a correlation rho between the cycles of one phase (docs/devices.md#temporal-correlation)
// the cycle terms of each phase and slice combine as (1 - rho) sum_c t_c^2 + rho (sum_c t_c)^2,
// t_c = a_{c,s} V sqrt(n_{p,c} v_s): rho = 0 is the independent sum, rho = 1 the frozen one.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "engine_fixtures.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;
using namespace xbarsim::test;

namespace {

constexpr double kGMin = 10e-6, kGMax = 50e-6, kV = 0.3, kUs = 1e-6;
constexpr Index kInputs = 33, kOutputs = 8000, kRows = 64, kCols = 128;
constexpr int kWeightBits = 5, kBitsPerCell = 2, kInputBits = 3, kAdcBits = 16;

TileSpec tile(double s0, double s1, double rho = 0.0, double rel = 0.0) {
  TileSpec t;
  t.device = "reram.multilevel";
  t.device_params = {{"g_min_siemens", kGMin},        {"g_max_siemens", kGMax},
                     {"levels", std::int64_t{4}},     {"read_noise_siemens", s0},
                     {"read_noise_sqrt_siemens", s1}, {"read_noise_cycle_correlation_rel", rho},
                     {"read_noise_rel", rel}};
  t.dac = "dac.linear";
  t.dac_params = {{"bits", std::int64_t{1}}, {"read_voltage_v", kV}};
  t.adc = "adc.quantizing";
  t.adc_params = {{"bits", std::int64_t{kAdcBits}},
                  {"range", std::string("fixed")},
                  {"bits_scaling", std::string("walden")}};
  t.mapping.weight_bits = kWeightBits;
  t.mapping.bits_per_cell = kBitsPerCell;
  t.mapping.input_bits = kInputBits;
  t.rows = kRows;
  t.cols = kCols;
  return t;
}

// Row 0 sets the weight scale (|w| = 1) with a zero input; every other weight is +-0.6, whose
// code round(0.6 x 15) = 9 = 0b1001 (no rounding tie) has digit 1 on slice 0 and digit 2 on
// slice 1.
Matrix weights() {
  Matrix w = Matrix::Constant(kOutputs, kInputs, 0.6f);
  w.col(0).setOnes();
  for (Index o = 1; o < kOutputs; o += 2) w.row(o).tail(kInputs - 1) *= -1.0f;
  return w;
}

// Inputs on the 3-bit grid k/7, k in -7..7, both signs; two identical columns (batch 2).
Matrix inputs() {
  Matrix x(kInputs, 2);
  for (Index i = 0; i < kInputs; ++i)
    x(i, 0) = x(i, 1) = i == 0 ? 0.0f : static_cast<float>(((i * 5) % 15) - 7) / 7.0f;
  return x;
}

double expected_variance(double s0, double s1, double rho, double rel = 0.0) {
  const Matrix x = inputs();
  const double s_w = 1.0 / (std::ldexp(1.0, kWeightBits - 1) - 1.0);
  const double s_x = 1.0 / (std::ldexp(1.0, kInputBits) - 1.0);
  const double dG = (kGMax - kGMin) / (std::ldexp(1.0, kBitsPerCell) - 1.0);
  const double lsb = kRows * kV * (kGMax - kGMin) / (std::ldexp(1.0, kAdcBits - 1) - 1.0);
  // The two cells of a pair on each slice: one at G_min + digit dG, the other at G_min (which
  // one depends on the sign of the weight; the sum does not): digits 1 and 2.
  const double g_sum[2] = {2 * kGMin + dG, 2 * kGMin + 2 * dG};
  // and the sum of their squares, for the relative form sigma = r G.
  const double g_sq[2] = {kGMin * kGMin + (kGMin + dG) * (kGMin + dG),
                          kGMin * kGMin + (kGMin + 2 * dG) * (kGMin + 2 * dG)};
  double var = 0;
  for (int phase = 0; phase < 2; ++phase)
    for (int s = 0; s < 2; ++s) {
      const double v_pair = 2 * s0 * s0 + s1 * s1 * g_sum[s] / kUs + rel * rel * g_sq[s];
      double independent = 0, coherent = 0;
      for (int c = 0; c < kInputBits; ++c) {
        int n = 0;
        for (Index i = 1; i < kInputs; ++i) {
          const int k = static_cast<int>(std::lround(x(i, 0) * 7.0));
          if ((phase == 0 ? k > 0 : k < 0) && ((std::abs(k) >> c) & 1)) ++n;
        }
        if (n == 0) continue;  // a read with no row driven gives exactly 0
        const double a =
            s_w * s_x * std::ldexp(1.0, c) * std::ldexp(1.0, kBitsPerCell * s) / (dG * kV);
        const double t = a * kV * std::sqrt(n * v_pair);
        independent += t * t;
        coherent += t;
        var += a * a * lsb * lsb / 12.0;
      }
      var += (1.0 - rho) * independent + rho * coherent * coherent;
    }
  return var;
}

void check_form(double s0, double s1, std::uint64_t seed, double rho = 0.0, double rel = 0.0) {
  const Matrix w = weights(), x = inputs();
  AnalogMatrix noisy(w, make_models(tile(s0, s1, rho, rel)), StreamKey{seed, 0, 0}, "noisy", 2);
  AnalogMatrix clean(w, make_models(tile(0.0, 0.0)), StreamKey{seed, 0, 0}, "clean", 2);
  const Matrix d = noisy.multiply(x, 1.0) - clean.multiply(x, 1.0);
  const double n = static_cast<double>(d.size());
  const double mean = d.cast<double>().mean();
  const double var = (d.cast<double>().array() - mean).square().sum() / (n - 1);
  const double expected = expected_variance(s0, s1, rho, rel);
  CAPTURE(expected);
  CAPTURE(var);
  CHECK(std::abs(mean) < 5.0 * std::sqrt(expected / n));
  CHECK(std::abs(var - expected) < 5.0 * expected * std::sqrt(2.0 / (n - 1)));
}

}  // namespace

TEST_CASE("read noise through DAC, ADC, slices and phases: state-independent form") {
  check_form(0.5 * kUs, 0.0, 31);
}

TEST_CASE("read noise through DAC, ADC, slices and phases: relative form") {
  check_form(0.0, 0.0, 38, 0.0, 0.02);
}

TEST_CASE("read noise through DAC, ADC, slices and phases: sqrt(G) form") {
  check_form(0.0, 0.4 * kUs, 32);
}

TEST_CASE("read noise through DAC, ADC, slices and phases: the forms add in variance") {
  check_form(0.3 * kUs, 0.3 * kUs, 33);
}

TEST_CASE("read noise correlated over the cycles of one MVM: rho = 0, 0.5 and 1") {
  // rho = 1 is the frozen variance and rho = 0 the independent one; the two differ by far more
  // than the tolerance here (3 input bits: the coherent sum is about twice the independent).
  CHECK(expected_variance(0.5 * kUs, 0, 1.0) > 1.5 * expected_variance(0.5 * kUs, 0, 0.0));
  check_form(0.5 * kUs, 0.0, 34, 0.0);
  check_form(0.5 * kUs, 0.0, 35, 0.5);
  check_form(0.5 * kUs, 0.0, 36, 1.0);
  check_form(0.2 * kUs, 0.4 * kUs, 37, 1.0);
}

TEST_CASE("read-noise correlation outside [0, 1] is an error naming the key") {
  for (double rho : {-0.1, 1.5}) {
    CAPTURE(rho);
    try {
      make_models(tile(0.5 * kUs, 0.0, rho));
      FAIL("accepted read_noise_cycle_correlation_rel = " << rho);
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("read_noise_cycle_correlation_rel") != std::string::npos);
    }
  }
}
