// Fidelity of the ADC models against quantisation theory. Expected values come from the
// quantiser's definition (mid-tread, LSB = F / max_code) and from the moments of a uniform
// quantisation error, never from the program's own output.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "circuits/adc/ideal_adc.hpp"
#include "circuits/adc/quantizing_adc.hpp"
#include "circuits/circuit_test_util.hpp"
#include "circuits/register.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"

using namespace xbarsim;

namespace {

constexpr std::uint64_t kSeed = 20240611;
constexpr double kFloatEps = std::numeric_limits<float>::epsilon();

std::unique_ptr<Adc> quantizer(int bits, double noise_lsb = 0.0) {
  ParamSet p = test::defaults_of(quantizing_adc_spec());
  p.set("bits", std::int64_t{bits});
  p.set("bits_scaling", std::string("walden"));  // these tests are about conversion, not energy
  p.set("input_noise_lsb", noise_lsb);
  return make_quantizing_adc(p);
}

double max_code(int bits, bool bipolar) {
  return bipolar ? std::ldexp(1.0, bits - 1) - 1.0 : std::ldexp(1.0, bits) - 1.0;
}

// Uniform samples over [lo_r, hi_r] * F_r for every row r, drawn column by column.
Matrix uniform_block(const Vector& fs, Index cols, double lo, double hi, Rng& rng) {
  boost::random::uniform_real_distribution<double> u(lo, hi);
  Matrix m(fs.size(), cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < fs.size(); ++i) m(i, j) = static_cast<float>(u(rng) * fs[i]);
  return m;
}

// Mean of e^2 in units of LSB^2, with e = (out - in) / LSB_r per row.
double mean_sq_error_lsb2(const Matrix& in, const Matrix& out, const Vector& lsb) {
  double sum = 0.0;
  for (Index j = 0; j < in.cols(); ++j)
    for (Index i = 0; i < in.rows(); ++i) {
      const double e = (static_cast<double>(out(i, j)) - in(i, j)) / lsb[i];
      sum += e * e;
    }
  return sum / static_cast<double>(in.size());
}

}  // namespace

TEST_CASE("adc.quantizing: in-range error is at most LSB/2, both polarities") {
  Rng rng = make_rng(kSeed, StreamPurpose::kInputs, {1});
  // Full scales spanning realistic column currents and an arbitrary non-power-of-two value.
  Vector fs(4);
  fs << 2.56e-5f, 1.0f, 3.7e-8f, 0.3f;
  for (bool bipolar : {false, true}) {
    for (int bits : {1, 2, 3, 5, 8, 12, 16}) {
      if (bipolar && bits < 2) continue;
      CAPTURE(bipolar);
      CAPTURE(bits);
      const Matrix in = uniform_block(fs, 4000, bipolar ? -1.0 : 0.0, 1.0, rng);
      Matrix out = in;
      quantizer(bits)->convert(out, fs, bipolar, nullptr);
      const double q = max_code(bits, bipolar);
      for (Index i = 0; i < fs.size(); ++i) {
        const double lsb = fs[i] / q;
        // Each of the few float operations (scale, product, quotient, product) is exact to
        // half an ulp of a value no larger than F, so 4 eps F bounds the rounding slack.
        const double tol = 0.5 * lsb + 4.0 * kFloatEps * fs[i];
        double worst = 0.0;
        double worst_grid = 0.0;
        for (Index j = 0; j < in.cols(); ++j) {
          worst = std::max(worst, std::abs(static_cast<double>(out(i, j)) - in(i, j)));
          const double code = out(i, j) / lsb;
          worst_grid = std::max(worst_grid, std::abs(code - std::round(code)));
        }
        CHECK(worst <= tol);
        // Outputs are reconstruction levels: integer multiples of the LSB.
        CHECK(worst_grid <= 1e-6 * q + 1e-9);
      }
    }
  }
}

TEST_CASE("adc.quantizing: error variance of uniform inputs is LSB^2/12") {
  // For an input uniform over whole quantisation cells, e/LSB is uniform on [-1/2, 1/2]:
  // E[e^2] = 1/12 and Var[e^2] = 1/80 - 1/144 (in LSB^4). The half cells at 0 and +-F
  // together make one whole cell, so the full range [0, F] or [-F, F] qualifies.
  const Index rows = 8;
  const Index cols = 125000;  // 1e6 samples
  const double n = static_cast<double>(rows * cols);
  const double se = std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n);
  Rng rng = make_rng(kSeed, StreamPurpose::kInputs, {2});
  Vector fs = Vector::LinSpaced(rows, 1e-6f, 8e-6f);
  for (bool bipolar : {false, true}) {
    CAPTURE(bipolar);
    const int bits = 6;
    const Matrix in = uniform_block(fs, cols, bipolar ? -1.0 : 0.0, 1.0, rng);
    Matrix out = in;
    quantizer(bits)->convert(out, fs, bipolar, nullptr);
    const Vector lsb = (fs.array() / static_cast<float>(max_code(bits, bipolar))).matrix();
    const double m = mean_sq_error_lsb2(in, out, lsb);
    CHECK(std::abs(m - 1.0 / 12.0) <= 5.0 * se);
  }
}

TEST_CASE("adc.quantizing: inputs beyond the range clip to exactly +-F") {
  Vector fs(3);
  fs << 2.56e-5f, 1.0f, 0.3f;
  for (int bits : {2, 4, 8, 16}) {
    CAPTURE(bits);
    auto adc = quantizer(bits);
    Matrix in(3, 5);
    for (Index i = 0; i < 3; ++i)
      in.row(i) << 1.0001f * fs[i], 1.5f * fs[i], 1e3f * fs[i], -1.5f * fs[i], -1e3f * fs[i];
    Matrix uni = in;
    adc->convert(uni, fs, /*bipolar=*/false, nullptr);
    Matrix bi = in;
    adc->convert(bi, fs, /*bipolar=*/true, nullptr);
    for (Index i = 0; i < 3; ++i) {
      for (Index j = 0; j < 3; ++j) {
        CHECK(uni(i, j) == fs[i]);
        CHECK(bi(i, j) == fs[i]);
      }
      for (Index j = 3; j < 5; ++j) {
        CHECK(uni(i, j) == 0.0f);  // unipolar has no negative codes
        CHECK(bi(i, j) == -fs[i]);
      }
    }
  }
}

TEST_CASE("adc.quantizing: input noise adds (sigma LSB)^2 to the error variance") {
  // Inputs uniform over a whole number of cells, far enough inside the range that noise never
  // clips: then (x + n) mod LSB stays uniform given n, so e = u + n with u uniform and
  // independent of n. E[e^2] = 1/12 + s^2 and E[e^4] = 1/80 + 6 s^2/12 + 3 s^4 (LSB units).
  const int bits = 6;  // 63 cells; inputs span cells 8..56, >= 16 sigma from either end
  const double s = 0.5;
  const Index rows = 8;
  const Index cols = 125000;
  const double n = static_cast<double>(rows * cols);
  const double mean = 1.0 / 12.0 + s * s;
  const double fourth = 1.0 / 80.0 + 6.0 * s * s / 12.0 + 3.0 * s * s * s * s;
  const double se = std::sqrt((fourth - mean * mean) / n);

  Rng inputs = make_rng(kSeed, StreamPurpose::kInputs, {3});
  Rng noise = make_rng(kSeed, StreamPurpose::kAdcNoise, {3});
  Vector fs = Vector::LinSpaced(rows, 1e-6f, 8e-6f);
  const double q = max_code(bits, false);
  const Matrix in = uniform_block(fs, cols, 8.0 / q, 56.0 / q, inputs);
  Matrix out = in;
  quantizer(bits, s)->convert(out, fs, /*bipolar=*/false, &noise);
  const Vector lsb = (fs.array() / static_cast<float>(q)).matrix();
  const double m = mean_sq_error_lsb2(in, out, lsb);
  CHECK(std::abs(m - mean) <= 5.0 * se);
  // And the noise really is there: the noiseless value lies > 100 SE below.
  CHECK(m - 1.0 / 12.0 > 100.0 * se);
}

TEST_CASE("adc.quantizing: noise is drawn in column-major order of the block") {
  // Inputs sit on code centres, so the output code is centre + round(z) for the k-th draw z
  // in column-major order. sigma = 0.3 LSB makes |z| > 1/2 common enough to be visible.
  const int bits = 8;
  const double s = 0.3;
  Vector fs(3);
  fs << 1.0f, 2.0e-5f, 0.25f;
  const double q = max_code(bits, true);
  Matrix in(3, 40);
  for (Index j = 0; j < in.cols(); ++j)
    for (Index i = 0; i < 3; ++i)
      in(i, j) =
          static_cast<float>((static_cast<double>((j * 7 + i * 13) % 201) - 100.0) * fs[i] / q);
  Matrix out = in;
  Rng noise = make_rng(kSeed, StreamPurpose::kAdcNoise, {4});
  quantizer(bits, s)->convert(out, fs, /*bipolar=*/true, &noise);

  Rng replay = make_rng(kSeed, StreamPurpose::kAdcNoise, {4});
  boost::random::normal_distribution<float> normal(0.0f, static_cast<float>(s));
  int moved = 0;
  for (Index j = 0; j < in.cols(); ++j)
    for (Index i = 0; i < 3; ++i) {
      const double centre = std::round(in(i, j) / (fs[i] / q));
      const double z = normal(replay);
      const double code = std::clamp(centre + std::round(z), -q, q);
      moved += code != centre;
      CHECK(out(i, j) == doctest::Approx(code * fs[i] / q).epsilon(1e-6));
    }
  CHECK(moved > 0);

  // Same stream, same result; another stream, another result.
  Matrix again = in;
  Rng same = make_rng(kSeed, StreamPurpose::kAdcNoise, {4});
  quantizer(bits, s)->convert(again, fs, true, &same);
  CHECK(again == out);
  Matrix other = in;
  Rng different = make_rng(kSeed, StreamPurpose::kAdcNoise, {5});
  quantizer(bits, s)->convert(other, fs, true, &different);
  CHECK(other != out);
}

TEST_CASE("adc.quantizing: a row with full scale <= 0 (dead column) reads 0") {
  Vector fs(4);
  fs << 0.0f, -1.0f, 1.0f, 0.0f;
  Matrix in(4, 6);
  in.setConstant(0.4f);
  in.row(3).setConstant(-3.0f);
  for (double s : {0.0, 2.0}) {
    CAPTURE(s);
    Rng noise = make_rng(kSeed, StreamPurpose::kAdcNoise, {6});
    Matrix out = in;
    quantizer(4, s)->convert(out, fs, /*bipolar=*/true, &noise);
    CHECK((out.row(0).array() == 0.0f).all());
    CHECK((out.row(1).array() == 0.0f).all());
    CHECK((out.row(3).array() == 0.0f).all());
    if (s == 0.0) CHECK((out.row(2).array() == static_cast<float>(3.0 / 7.0)).all());
  }
}

TEST_CASE("adc.quantizing: converts a block of a larger matrix in place, nothing else") {
  Matrix big = Matrix::Constant(6, 6, 0.123f);
  Vector fs = Vector::Constant(3, 1.0f);
  quantizer(1)->convert(big.block(1, 2, 3, 2), fs, /*bipolar=*/false, nullptr);
  for (Index j = 0; j < 6; ++j)
    for (Index i = 0; i < 6; ++i) {
      const bool inside = i >= 1 && i < 4 && j >= 2 && j < 4;
      CHECK(big(i, j) == (inside ? 0.0f : 0.123f));  // 1 bit: 0.123 rounds to code 0
    }
}

TEST_CASE("adc.quantizing: contract errors") {
  Matrix m = Matrix::Zero(3, 2);
  SUBCASE("bipolar with 1 bit names the key 'bits'") {
    Vector fs = Vector::Ones(3);
    try {
      quantizer(1)->convert(m, fs, /*bipolar=*/true, nullptr);
      FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
      CHECK(e.key() == "bits");
    }
  }
  SUBCASE("full-scale vector of the wrong length") {
    Vector fs = Vector::Ones(2);
    CHECK_THROWS_AS(quantizer(4)->convert(m, fs, false, nullptr), ShapeError);
  }
  SUBCASE("noise without a generator") {
    Vector fs = Vector::Ones(3);
    CHECK_THROWS_AS(quantizer(4, 1.0)->convert(m, fs, false, nullptr), std::invalid_argument);
  }
}

TEST_CASE("adc.ideal is the identity") {
  Registry registry;
  register_circuits(registry);
  auto adc = registry.make_adc("adc.ideal", test::defaults_of(registry.spec("adc.ideal")));
  CHECK(adc->bits() == 0);
  CHECK(adc->input_noise_lsb() == 0.0);
  Rng rng = make_rng(kSeed, StreamPurpose::kInputs, {7});
  Vector fs = Vector::Constant(5, 1e-6f);
  // Values far beyond the nominal full scale and of both signs must pass untouched.
  const Matrix in = uniform_block(fs, 50, -1e3, 1e3, rng);
  for (bool bipolar : {false, true}) {
    Matrix out = in;
    Rng noise = make_rng(kSeed, StreamPurpose::kAdcNoise, {7});
    adc->convert(out, fs, bipolar, &noise);
    CHECK(out == in);
  }
}

TEST_CASE("adc.quantizing: declaration and factory checks") {
  Registry registry;
  register_circuits(registry);
  const ModelSpec& spec = registry.spec("adc.quantizing");
  CHECK(spec.kind == ModelKind::kAdc);
  const ParamSpec* bits = spec.find("bits");
  REQUIRE(bits != nullptr);
  CHECK(bits->type == ParamType::kInteger);
  CHECK(bits->unit == "bit");
  CHECK(bits->min == 1);
  CHECK(bits->max == 16);
  for (const ParamSpec& p : spec.params) {
    CAPTURE(p.key);
    CHECK(!p.doc.empty());
    CHECK(p.default_value.has_value());
    CHECK((p.type == ParamType::kChoice || !p.unit.empty()));
  }

  auto rejects = [&](const std::string& key, ParamValue v) {
    ParamSet p = test::defaults_of(spec, "card.yaml");
    p.set(key, v);
    try {
      registry.make_adc("adc.quantizing", p);
      return false;
    } catch (const ConfigError& e) {
      return e.key() == key && e.file() == "card.yaml";
    }
  };
  CHECK(rejects("bits", std::int64_t{0}));
  CHECK(rejects("bits", std::int64_t{17}));
  CHECK(rejects("bits", std::int64_t{-3}));
  CHECK(rejects("range", std::string("adaptive")));
  CHECK(rejects("calibration", std::string("per_row")));
  CHECK(rejects("calibration_quantile_rel", 0.0));
  CHECK(rejects("calibration_quantile_rel", 1.5));
  CHECK(rejects("input_noise_lsb", -0.1));
  CHECK(rejects("energy_per_conversion_j", -1e-12));
  CHECK(rejects("bits", 8.0));  // a real where an integer is declared

  ParamSet ok = test::defaults_of(spec);
  ok.set("bits", std::int64_t{16});
  ok.set("bits_scaling", std::string("walden"));
  ok.set("range", std::string("calibrated"));
  ok.set("calibration", std::string("per_column"));
  ok.set("calibration_quantile_rel", 0.999);
  auto adc = registry.make_adc("adc.quantizing", ok);
  CHECK(adc->bits() == 16);
  CHECK(adc->range_mode() == AdcRangeMode::kCalibrated);
  CHECK(adc->calibration() == AdcCalibration::kPerColumn);
  CHECK(adc->calibration_quantile() == 0.999);
}
