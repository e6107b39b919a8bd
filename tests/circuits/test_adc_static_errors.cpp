// Static converter errors drawn once per chip (docs/circuits.md#adc-static-errors): offset,
// gain, DNL/INL and the sense input's current limit. Expected values follow from the error
// definitions; spreads are checked with tolerances of five standard errors of the sample.
#include <doctest/doctest.h>

#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "circuits/adc/quantizing_adc.hpp"
#include "circuits/circuit_test_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"

using namespace xbarsim;

namespace {

std::unique_ptr<Adc> adc(int bits, const std::string& key = "", double value = 0.0) {
  ParamSet p = test::defaults_of(quantizing_adc_spec());
  p.set("bits", std::int64_t{bits});
  p.set("bits_scaling", std::string("walden"));
  if (!key.empty()) p.set(key, value);
  return make_quantizing_adc(p);
}

struct Spread {
  double mean = 0, var = 0;
};
Spread spread(const std::vector<double>& v) {
  Spread s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.var += (x - s.mean) * (x - s.mean);
  s.var /= static_cast<double>(v.size() - 1);
  return s;
}

}  // namespace

TEST_CASE("adc static errors: offsets and gains are drawn with their rms, once per chip") {
  const Index rows = 20000;
  Rng rng(3);
  ParamSet p = test::defaults_of(quantizing_adc_spec());
  p.set("bits", std::int64_t{8});
  p.set("bits_scaling", std::string("walden"));
  p.set("offset_sigma_lsb", 0.7);
  p.set("gain_sigma_rel", 0.02);
  const auto a = make_quantizing_adc(p);
  REQUIRE(a->has_static_errors());
  const AdcStaticErrors e = a->draw_static_errors(rows, false, rng);
  std::vector<double> off(e.offset_lsb.data(), e.offset_lsb.data() + rows),
      gain(e.gain.data(), e.gain.data() + rows);
  const Spread so = spread(off), sg = spread(gain);
  const double n = static_cast<double>(rows);
  CHECK(std::abs(so.mean) < 5 * 0.7 / std::sqrt(n));
  CHECK(std::abs(so.var - 0.49) < 5 * 0.49 * std::sqrt(2 / (n - 1)));
  CHECK(std::abs(sg.mean - 1.0) < 5 * 0.02 / std::sqrt(n));
  CHECK(std::abs(sg.var - 4e-4) < 5 * 4e-4 * std::sqrt(2 / (n - 1)));
  CHECK(e.thresholds.size() == 0);  // no DNL asked for
  Rng again(3);
  const AdcStaticErrors f = a->draw_static_errors(rows, false, again);
  CHECK(f.offset_lsb == e.offset_lsb);
}

TEST_CASE("adc static errors: a converter reads gain x input + offset, then quantises") {
  // 12 bits, full scale 1: a column with offset +0.3 LSB and gain 1.01 reads a dense ramp
  // with a mean error of (0.01 x + 0.3 LSB); the quantisation error averages out.
  const auto a = adc(12);
  const long q = QuantizingAdc::max_code(12, false);
  const double lsb = 1.0 / static_cast<double>(q);
  AdcStaticErrors e;
  e.offset_lsb = Vector::Constant(2, 0.3f);
  e.offset_lsb[1] = -0.3f;
  e.gain = Vector::Constant(2, 1.01f);
  const Index n = 40000;
  Matrix in(2, n), out;
  for (Index j = 0; j < n; ++j) in(0, j) = in(1, j) = 0.9f * static_cast<float>(j) / n;
  out = in;
  a->convert(out, Vector::Ones(2), false, nullptr, &e);
  for (Index r = 0; r < 2; ++r) {
    double mean = 0;
    for (Index j = 0; j < n; ++j) mean += out(r, j) - (1.01 * in(r, j) + e.offset_lsb[r] * lsb);
    mean /= static_cast<double>(n);
    CAPTURE(r);
    // The rounding error of a dense ramp averages to within 1/sqrt(12 n) LSB of zero; float
    // arithmetic on values near 1 adds ~1e-7.
    CHECK(std::abs(mean) < 5 * lsb / std::sqrt(12.0 * n) + 1e-6);
  }
}

TEST_CASE("adc static errors: DNL widths have their rms, INL is zero at the end points") {
  const int bits = 6;
  const auto a = adc(bits, "dnl_sigma_lsb", 0.2);
  Rng rng(9);
  const Index rows = 400;
  const AdcStaticErrors e = a->draw_static_errors(rows, false, rng);
  const long q = QuantizingAdc::max_code(bits, false);
  REQUIRE(e.thresholds.cols() == q);
  std::vector<double> widths;
  for (Index r = 0; r < rows; ++r) {
    CHECK(e.thresholds(r, 0) == doctest::Approx(0.5));
    CHECK(e.thresholds(r, q - 1) == doctest::Approx(static_cast<double>(q) - 0.5).epsilon(1e-5));
    for (Index k = 1; k < q; ++k) {
      CHECK(e.thresholds(r, k) >= e.thresholds(r, k - 1));
      widths.push_back(e.thresholds(r, k) - e.thresholds(r, k - 1));
    }
  }
  // Widths 1 + d, d ~ N(0, 0.2^2), rescaled to sum to the 62 inner steps of each converter:
  // to first order each width becomes 1 + d_k - mean(d), so the pooled variance about 1 is
  // that of d about its own converter's mean, 0.04 (1 - 1/62).
  const Spread s = spread(widths);
  const double n = static_cast<double>(widths.size());
  const double expected = 0.04 * (1 - 1.0 / 62);
  CHECK(std::abs(s.mean - 1.0) < 1e-5);
  CHECK(std::abs(s.var - expected) < 5 * expected * std::sqrt(2 / (n - 1)));
  // A ramp through the converter: each code is output over exactly its drawn width.
  Matrix in(1, 100000), out;
  for (Index j = 0; j < in.cols(); ++j)
    in(0, j) = static_cast<float>(j) / static_cast<float>(in.cols());
  AdcStaticErrors one;
  one.offset_lsb = Vector::Zero(1);
  one.gain = Vector::Ones(1);
  one.thresholds = e.thresholds.topRows(1);
  out = in;
  a->convert(out, Vector::Ones(1), false, nullptr, &one);
  const double step = static_cast<double>(q) / static_cast<double>(in.cols());  // LSB per sample
  for (long k = 1; k < q; ++k) {
    long count = 0;
    for (Index j = 0; j < in.cols(); ++j)
      if (std::lround(out(0, j) * static_cast<double>(q)) == k) ++count;
    CAPTURE(k);
    CHECK(std::abs(count * step - (e.thresholds(0, k) - e.thresholds(0, k - 1))) <= 2 * step);
  }
}

TEST_CASE("adc static errors: the sense input clips at max_column_current_a") {
  const auto a = adc(8, "max_column_current_a", 5e-6);
  Matrix m(1, 3);
  m << 2e-6f, 8e-6f, -9e-6f;
  a->convert(m, Vector::Constant(1, 10e-6f), true, nullptr);
  const double lsb = 10e-6 / 127.0;
  CHECK(std::abs(m(0, 0) - 2e-6) <= lsb / 2 + 1e-12);
  CHECK(std::abs(m(0, 1) - 5e-6) <= lsb / 2 + 1e-12);
  CHECK(std::abs(m(0, 2) + 5e-6) <= lsb / 2 + 1e-12);
}

TEST_CASE("adc kT/C: the sampling capacitor adds sqrt(kT/C) of noise to every conversion") {
  // C = 0.1 fF at 300 K: sqrt(1.380649e-23 * 300 / 1e-16) = 6.436 mV; at 1 V full scale and
  // 8 bits (LSB = 1/255 V) that is 1.641 LSB, in quadrature with 0.5 LSB of input noise.
  ParamSet p = test::defaults_of(quantizing_adc_spec());
  p.set("bits", std::int64_t{8});
  p.set("bits_scaling", std::string("walden"));
  p.set("sample_capacitance_f", 1e-16);
  p.set("input_noise_lsb", 0.5);
  const auto a = make_quantizing_adc(p);
  const double ktc_lsb = std::sqrt(1.380649e-23 * 300.0 / 1e-16) * 255.0;
  const double sigma = std::hypot(0.5, ktc_lsb);
  CHECK(a->input_noise_lsb() == doctest::Approx(sigma).epsilon(1e-9));
  // Many conversions of a mid-range input: with the noise over a LSB wide, the rounding adds
  // 1/12 LSB^2 (Sheppard's correction), so the output variance is sigma^2 + 1/12.
  const Index n = 200000;
  Matrix m = Matrix::Constant(1, n, 100.3f / 255.0f);
  Rng rng(17);
  a->convert(m, Vector::Ones(1), false, &rng);
  std::vector<double> codes(static_cast<std::size_t>(n));
  for (Index j = 0; j < n; ++j) codes[static_cast<std::size_t>(j)] = m(0, j) * 255.0;
  const Spread s = spread(codes);
  const double expected = sigma * sigma + 1.0 / 12.0;
  CHECK(std::abs(s.mean - 100.3) < 5 * std::sqrt(expected / n));
  CHECK(std::abs(s.var - expected) < 5 * expected * std::sqrt(2.0 / (n - 1)));
}

TEST_CASE("adc inl table: codes change at the card's transition levels") {
  // A 3-bit unipolar converter, full scale 7 A so that one LSB is 1 A: transition k of the
  // ideal curve lies at k + 0.5 A, the card moves it by inl[k]. An input just above a moved
  // transition reads the upper code, just below it the lower one.
  const std::vector<double> inl = {0.0, 0.3, -0.2, 0.4, 0.1, -0.3, 0.0};
  ParamSet p = test::defaults_of(quantizing_adc_spec());
  p.set("bits", std::int64_t{3});
  p.set("bits_scaling", std::string("walden"));
  p.set("inl_lsb", std::string("0, 0.3, -0.2, 0.4, 0.1, -0.3, 0"));
  const auto a = make_quantizing_adc(p);
  REQUIRE(a->has_static_errors());
  Rng rng(1);
  const AdcStaticErrors e = a->draw_static_errors(1, false, rng);
  const Vector fs = Vector::Constant(1, 7.0f);
  for (std::size_t k = 0; k < inl.size(); ++k) {
    const double level = static_cast<double>(k) + 0.5 + inl[k];
    Matrix below(1, 1), above(1, 1);
    below(0, 0) = static_cast<float>(level - 0.01);
    above(0, 0) = static_cast<float>(level + 0.01);
    a->convert(below, fs, false, nullptr, &e);
    a->convert(above, fs, false, nullptr, &e);
    CAPTURE(k);
    CHECK(below(0, 0) == doctest::Approx(static_cast<double>(k)));
    CHECK(above(0, 0) == doctest::Approx(static_cast<double>(k + 1)));
  }
}

TEST_CASE("adc inl table: the wrong length or a falling curve names the key") {
  ParamSet p = test::defaults_of(quantizing_adc_spec());
  p.set("bits", std::int64_t{3});
  p.set("bits_scaling", std::string("walden"));
  p.set("inl_lsb", std::string("0, 0.1, 0"));
  CHECK_THROWS_WITH_AS(make_quantizing_adc(p), doctest::Contains("expected 7 entries"),
                       ConfigError);
  p.set("inl_lsb", std::string("0, 0, 0, 1.5, 0, 0, 0"));  // transition 4 below transition 3
  CHECK_THROWS_WITH_AS(make_quantizing_adc(p), doctest::Contains("inl_lsb"), ConfigError);
}
