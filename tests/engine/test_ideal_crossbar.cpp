// The ideal crossbar must reproduce W x, and the quantised noiseless crossbar must reproduce
// integer arithmetic exactly: independent references for mapping, slicing and shift-and-add.
#include <doctest/doctest.h>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>

#include "engine_fixtures.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;
using namespace xbarsim::test;

namespace {
Matrix gaussian(Index r, Index c, std::uint64_t seed) {
  Rng rng = make_rng(seed, StreamPurpose::kWeights);
  boost::random::normal_distribution<float> n;
  Matrix m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = n(rng);
  return m;
}
Matrix uniform(Index r, Index c, float lo, float hi, std::uint64_t seed) {
  Rng rng = make_rng(seed, StreamPurpose::kInputs);
  boost::random::uniform_real_distribution<float> u(lo, hi);
  Matrix m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = u(rng);
  return m;
}
}  // namespace

TEST_CASE("ideal crossbar equals W x to float rounding, for shapes that do not fit the arrays") {
  struct Shape {
    Index out, in, batch;
  };
  for (SignedWeights sw : {SignedWeights::kDifferential, SignedWeights::kOffset}) {
    for (Shape s : {Shape{1, 1, 1}, Shape{37, 129, 5}, Shape{200, 300, 70}, Shape{65, 64, 33}}) {
      TileSpec t;
      t.mapping.weight_encoding = WeightEncoding::kContinuous;
      t.mapping.signed_weights = sw;
      t.rows = 64;
      t.cols = 32;
      const Matrix w = gaussian(s.out, s.in, 11 + s.in);
      const Matrix x = uniform(s.in, s.batch, -1.0f, 1.0f, 5 + s.out);
      AnalogMatrix a(w, make_models(t), StreamKey{1, 0, 0}, "ideal", 2);
      const double range = x.cwiseAbs().maxCoeff();
      const Matrix y = a.multiply(x, range);
      const MatrixD ref = w.cast<double>() * x.cast<double>();
      // Float rounding bound: each output is a sum of `in` products accumulated in float
      // with a few rescalings; |error| <= c * in * eps * sum|w||x| (Higham, Accuracy and
      // Stability, Sec. 3.1) with a small constant c for the encode/decode steps.
      const MatrixD bound = (w.cwiseAbs().cast<double>() * x.cwiseAbs().cast<double>()) *
                            (8.0 * static_cast<double>(s.in + 4) * std::ldexp(1.0, -24));
      CAPTURE(s.out);
      CAPTURE(s.in);
      CHECK(((y.cast<double>() - ref).cwiseAbs().array() <= bound.array() + 1e-30).all());
    }
  }
}

TEST_CASE("offset encoding with G_min > 0: the reference column removes the conductance floor") {
  // A noiseless ReRAM cell whose lowest level is 10 uS: every cell, idle or not, carries that
  // floor, and only the reference column's subtraction removes sum_i x_i G_min from each
  // output. Without it every output would be off by a multiple of G_min / (G_max - G_min).
  for (SignedWeights sw : {SignedWeights::kOffset, SignedWeights::kDifferential}) {
    TileSpec t;
    t.device = "reram.multilevel";
    t.device_params = {
        {"g_min_siemens", 10e-6}, {"g_max_siemens", 50e-6}, {"levels", std::int64_t{256}}};
    t.mapping.weight_encoding = WeightEncoding::kContinuous;
    t.mapping.signed_weights = sw;
    t.rows = 64;
    t.cols = 32;
    const Matrix w = gaussian(23, 100, 7);
    const Matrix x = uniform(100, 6, -1.0f, 1.0f, 8);
    AnalogMatrix a(w, make_models(t), StreamKey{1, 0, 0}, "floor", 2);
    const Matrix y = a.multiply(x, x.cwiseAbs().maxCoeff());
    const MatrixD ref = w.cast<double>() * x.cast<double>();
    // 256 levels quantise each target to within half a level, 0.5 / 255 of a cell's weight
    // span: 2 max|w| for offset encoding (one cell spans [-m, m]), and max|w| for each of the
    // two cells of a pair: a weight error of at most max|w| / 255 either way.
    const double weight_error = w.cwiseAbs().maxCoeff() / 255.0;
    const MatrixD bound = MatrixD::Constant(23, 1, 1.0) *
                          x.cwiseAbs().cast<double>().colwise().sum() * (weight_error + 1e-5);
    CAPTURE(static_cast<int>(sw));
    CHECK(((y.cast<double>() - ref).cwiseAbs().array() <= bound.array()).all());
  }
}

TEST_CASE("noiseless sliced crossbar equals the integer product of quantised weights and inputs") {
  for (SignedWeights sw : {SignedWeights::kDifferential, SignedWeights::kOffset}) {
    for (int dac_bits : {1, 3}) {
      for (int cell_bits : {1, 2, 3}) {
        TileSpec t;
        t.mapping.weight_bits = 7;
        t.mapping.input_bits = 6;
        t.mapping.bits_per_cell = cell_bits;
        t.mapping.signed_weights = sw;
        t.dac = "dac.linear";
        t.dac_params = {{"bits", std::int64_t{dac_bits}}};
        t.rows = 16;
        t.cols = 8;
        const Index out = 13, in = 40, batch = 9;
        const Matrix w = gaussian(out, in, 3);
        const Matrix x = uniform(in, batch, -2.0f, 2.0f, 4);
        const double range = 2.0;
        AnalogMatrix a(w, make_models(t), StreamKey{2, 0, 0}, "sliced", 1);
        const Matrix y = a.multiply(x, range);
        // Independent reference: symmetric weight codes q_w = round(w / s_w) with
        // s_w = max|w| / (2^(N-1) - 1); input codes q_x = sign(x) round(|x| / s_x) with
        // s_x = range / (2^n - 1); y = s_w s_x q_w q_x in double.
        const double s_w = w.cwiseAbs().maxCoeff() / (std::ldexp(1.0, 6) - 1.0);
        const double s_x = range / (std::ldexp(1.0, 6) - 1.0);
        MatrixD qw = (w.cast<double>() / s_w).array().round().matrix();
        MatrixD qx = x.cast<double>().unaryExpr(
            [&](double v) { return (v < 0 ? -1.0 : 1.0) * std::round(std::abs(v) / s_x); });
        const MatrixD ref = s_w * s_x * (qw * qx);
        CAPTURE(dac_bits);
        CAPTURE(cell_bits);
        CAPTURE(static_cast<int>(sw));
        const double tol = 1e-5 * ref.cwiseAbs().maxCoeff();
        CHECK((y.cast<double>() - ref).cwiseAbs().maxCoeff() <= tol);
      }
    }
  }
}

TEST_CASE("action counts follow the closed forms of the mapping") {
  TileSpec t;
  t.mapping.weight_bits = 8;
  t.mapping.input_bits = 8;
  t.mapping.bits_per_cell = 2;
  t.dac = "dac.linear";
  t.dac_params = {{"bits", std::int64_t{1}}};
  t.device = "reram.multilevel";
  t.device_params = {{"levels", std::int64_t{16}}};
  t.rows = 64;
  t.cols = 32;
  const Index out = 50, in = 150, batch = 7;
  AnalogMatrix a(gaussian(out, in, 1), make_models(t), StreamKey{}, "counts", 1);
  // 7 magnitude bits in 2-bit cells: 4 slices; 16 outputs per 32-column array (pairs).
  const Index slices = 4, row_blocks = 3, col_blocks = 4;  // ceil(150/64), ceil(50/16)
  CHECK(a.plan().arrays() == row_blocks * col_blocks * slices);
  const ActionCounts c = a.counts_for(batch, /*signed_inputs=*/true);
  const double reads = 8.0 * 2.0 * batch;  // 8 bit-serial cycles x 2 input phases
  CHECK(c.array_reads == doctest::Approx(row_blocks * col_blocks * slices * reads));
  CHECK(c.adc_conversions == doctest::Approx(out * slices * row_blocks * reads));
  CHECK(c.dac_drives == doctest::Approx(in * col_blocks * slices * reads));
  CHECK(c.cell_macs == doctest::Approx(in * out * 2 * slices * reads));
  CHECK(c.digital_adds == doctest::Approx(out * (row_blocks - 1) * batch));
  ActionCounts measured;
  a.multiply(Matrix::Ones(in, batch) * -0.5f, 1.0, &measured);
  CHECK(measured.adc_conversions == doctest::Approx(c.adc_conversions));
}

TEST_CASE("impossible mappings are rejected with the key that causes them") {
  TileSpec t;
  t.device = "reram.multilevel";
  t.device_params = {{"levels", std::int64_t{8}}};
  t.mapping.bits_per_cell = 2;  // 4 codes on 8 levels: 7 is not a multiple of 3
  CHECK_THROWS_WITH_AS(AnalogMatrix(gaussian(4, 4, 1), make_models(t), StreamKey{}, "x", 1),
                       doctest::Contains("bits_per_cell"), ConfigError);
  t.mapping.bits_per_cell = 4;  // 16 codes on 8 levels
  CHECK_THROWS_AS(AnalogMatrix(gaussian(4, 4, 1), make_models(t), StreamKey{}, "x", 1),
                  ConfigError);
  TileSpec narrow;
  narrow.cols = 1;  // a differential pair needs two columns
  CHECK_THROWS_WITH_AS(AnalogMatrix(gaussian(4, 4, 1), make_models(narrow), StreamKey{}, "x", 1),
                       doctest::Contains("tile.cols"), ConfigError);
  AnalogMatrix ok(gaussian(4, 6, 1), make_models(TileSpec{}), StreamKey{}, "layer7", 1);
  CHECK_THROWS_WITH_AS(ok.multiply(Matrix::Ones(5, 2), 1.0), doctest::Contains("layer7"),
                       ShapeError);
}
