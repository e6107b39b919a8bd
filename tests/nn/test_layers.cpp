// Digital layer arithmetic against direct loops in double precision: im2col convolution,
// max and average pooling with padding, argmax and input normalisation.
#include <doctest/doctest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <limits>

#include "nn/nn_fixtures.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/forward.hpp"

using namespace xbarsim;
using namespace xbarsim::nntest;

namespace {

constexpr double kUnitRoundoff = 0x1p-24;  // float32

struct ConvCase {
  Index c_in, h, w, c_out, kh, kw, sh, sw, ph, pw, batch;
};

// A network of one conv2d layer, built by hand (no file): weight C_out x (C_in K_h K_w).
Network conv_network(const ConvCase& k, const Matrix& weight, const Vector& bias) {
  Layer l;
  l.type = LayerType::kConv2d;
  l.name = "conv";
  l.inputs = {kNetworkInput};
  l.weight = weight;
  l.bias = bias;
  l.window = {k.kh, k.kw, k.sh, k.sw, k.ph, k.pw};
  l.in_shape = {k.c_in, k.h, k.w, false};
  l.out_shape = {k.c_out, l.window.out_h(k.h), l.window.out_w(k.w), false};
  Network net;
  net.name = "hand_conv";
  net.input_shape = l.in_shape;
  net.num_classes = static_cast<int>(l.out_shape.size());
  net.layers = {l};
  return net;
}

void check_conv(const ConvCase& k, std::uint64_t seed) {
  CAPTURE(k.c_in);
  CAPTURE(k.h);
  CAPTURE(k.w);
  CAPTURE(k.c_out);
  CAPTURE(k.kh);
  CAPTURE(k.kw);
  CAPTURE(k.sh);
  CAPTURE(k.sw);
  CAPTURE(k.ph);
  CAPTURE(k.pw);
  CAPTURE(k.batch);
  const Index taps = k.c_in * k.kh * k.kw;
  const Matrix weight = gaussian(k.c_out, taps, seed);
  const Vector bias = gaussian(k.c_out, 1, seed + 1000).col(0);
  // Offset inputs so that a dropped padding term or a misplaced tap changes the result.
  const Matrix x = uniform(k.c_in * k.h * k.w, k.batch, -0.5f, 1.5f, seed + 2000);
  const Network net = conv_network(k, weight, bias);
  const Matrix y = forward(net, x, float_product(net, 1));
  const Reference ref = direct_conv(x.cast<double>(), k.c_in, k.h, k.w, weight.cast<double>(),
                                    bias.cast<double>(), k.kh, k.kw, k.sh, k.sw, k.ph, k.pw);
  REQUIRE(y.rows() == ref.value.rows());
  REQUIRE(y.cols() == k.batch);
  // Float accumulation of taps + 1 terms: |error| <= (taps + 1) u sum|terms| (+ FMA slack).
  CHECK(worst_ratio(y, ref.value, ref.scale, (static_cast<double>(taps) + 2) * kUnitRoundoff) <=
        1.0);
}

Network pool_network(LayerType type, TensorShape in, Window2d w) {
  Layer l;
  l.type = type;
  l.name = "pool";
  l.inputs = {kNetworkInput};
  l.window = w;
  l.in_shape = in;
  l.out_shape = {in.channels, w.out_h(in.height), w.out_w(in.width), false};
  Network net;
  net.name = "hand_pool";
  net.input_shape = in;
  net.num_classes = static_cast<int>(l.out_shape.size());
  net.layers = {l};
  return net;
}

// Pooling straight from docs/model_format.md: max over the real elements of the window
// (padding never selected); average = window sum with zeros for padding / (k_h k_w).
Reference direct_pool(const MatrixD& x, const TensorShape& s, const Window2d& w, bool max_pool) {
  const Index oh = w.out_h(s.height), ow = w.out_w(s.width);
  Reference r{MatrixD(s.channels * oh * ow, x.cols()), MatrixD(s.channels * oh * ow, x.cols())};
  for (Index b = 0; b < x.cols(); ++b)
    for (Index c = 0; c < s.channels; ++c)
      for (Index i = 0; i < oh; ++i)
        for (Index j = 0; j < ow; ++j) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0, mag = 0;
          for (Index u = 0; u < w.kernel_h; ++u)
            for (Index v = 0; v < w.kernel_w; ++v) {
              const Index y = i * w.stride_h - w.pad_h + u, xx = j * w.stride_w - w.pad_w + v;
              const bool inside = y >= 0 && y < s.height && xx >= 0 && xx < s.width;
              const double val = inside ? x((c * s.height + y) * s.width + xx, b) : 0.0;
              if (inside) best = std::max(best, val);
              sum += val;
              mag += std::abs(val);
            }
          const double k = static_cast<double>(w.kernel_h * w.kernel_w);
          r.value((c * oh + i) * ow + j, b) = max_pool ? best : sum / k;
          r.scale((c * oh + i) * ow + j, b) = max_pool ? 0.0 : mag / k;
        }
  return r;
}

}  // namespace

TEST_CASE("im2col convolution equals a direct seven-loop convolution") {
  // Hand-picked shapes: stride 2, padding 1 and 2, non-square kernels, C_in > 1, batch > 1,
  // sizes that floor-divide unevenly, 1x1 kernels and a kernel as large as the padded input.
  const std::vector<ConvCase> fixed = {
      {1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1},  {3, 9, 7, 4, 3, 2, 2, 1, 2, 1, 3},
      {2, 8, 11, 5, 1, 4, 2, 2, 0, 2, 2}, {2, 7, 6, 3, 5, 3, 2, 2, 2, 1, 2},
      {4, 6, 6, 2, 1, 1, 1, 1, 0, 0, 3},  {2, 4, 3, 3, 8, 7, 1, 1, 2, 2, 2},
      {3, 10, 9, 2, 4, 2, 3, 2, 1, 2, 2}, {1, 12, 10, 6, 3, 3, 2, 2, 1, 1, 4},
  };
  for (std::size_t i = 0; i < fixed.size(); ++i) check_conv(fixed[i], 100 + i);

  // Seeded random shapes.
  Rng rng = make_rng(2024, StreamPurpose::kInputs, {77});
  auto draw = [&rng](Index lo, Index hi) {
    return boost::random::uniform_int_distribution<Index>(lo, hi)(rng);
  };
  for (int n = 0; n < 40; ++n) {
    ConvCase k;
    k.c_in = draw(1, 4);
    k.h = draw(2, 11);
    k.w = draw(2, 11);
    k.c_out = draw(1, 5);
    k.ph = draw(0, 2);
    k.pw = draw(0, 2);
    k.kh = draw(1, std::min<Index>(5, k.h + 2 * k.ph));
    k.kw = draw(1, std::min<Index>(5, k.w + 2 * k.pw));
    k.sh = draw(1, 3);
    k.sw = draw(1, 3);
    k.batch = draw(1, 3);
    check_conv(k, 500 + static_cast<std::uint64_t>(n));
  }
}

TEST_CASE("im2col lays out patches as (c, u, v) rows and b*(H_out W_out) + i*W_out + j columns") {
  // 2 channels of 3x2, values encode (b, c, y, x); kernel 2x2, stride 1, padding 1 -> 4x3.
  const TensorShape s{2, 3, 2, false};
  const Window2d w{2, 2, 1, 1, 1, 1};
  Matrix x(12, 2);
  for (Index b = 0; b < 2; ++b)
    for (Index c = 0; c < 2; ++c)
      for (Index y = 0; y < 3; ++y)
        for (Index xx = 0; xx < 2; ++xx)
          x((c * 3 + y) * 2 + xx, b) = static_cast<float>(1000 * (b + 1) + 100 * c + 10 * y + xx);
  const Matrix cols = im2col(x, s, w);
  REQUIRE(cols.rows() == 8);
  REQUIRE(cols.cols() == 2 * 4 * 3);
  for (Index b = 0; b < 2; ++b)
    for (Index i = 0; i < 4; ++i)
      for (Index j = 0; j < 3; ++j)
        for (Index c = 0; c < 2; ++c)
          for (Index u = 0; u < 2; ++u)
            for (Index v = 0; v < 2; ++v) {
              const Index y = i + u - 1, xx = j + v - 1;
              const float want = (y < 0 || y >= 3 || xx < 0 || xx >= 2)
                                     ? 0.0f
                                     : static_cast<float>(1000 * (b + 1) + 100 * c + 10 * y + xx);
              CHECK(cols((c * 2 + u) * 2 + v, b * 12 + i * 3 + j) == want);
            }
}

TEST_CASE("max and average pooling with padding equal direct loops") {
  struct PoolCase {
    TensorShape in;
    Window2d w;
  };
  // Padding never exceeds half the kernel (PyTorch's rule), so every window has a real element.
  const std::vector<PoolCase> cases = {
      {{3, 6, 6, false}, {2, 2, 2, 2, 0, 0}}, {{2, 5, 7, false}, {3, 3, 1, 1, 1, 1}},
      {{2, 7, 5, false}, {3, 2, 2, 1, 1, 1}}, {{1, 9, 8, false}, {5, 4, 2, 3, 2, 2}},
      {{4, 4, 6, false}, {2, 3, 1, 2, 1, 1}}, {{2, 3, 4, false}, {3, 4, 3, 4, 0, 0}},
      {{3, 6, 5, false}, {4, 2, 2, 2, 2, 1}},
  };
  for (std::size_t n = 0; n < cases.size(); ++n) {
    const PoolCase& pc = cases[n];
    CAPTURE(pc.in.str());
    CAPTURE(pc.w.kernel_h);
    CAPTURE(pc.w.kernel_w);
    CAPTURE(pc.w.stride_h);
    CAPTURE(pc.w.stride_w);
    CAPTURE(pc.w.pad_h);
    CAPTURE(pc.w.pad_w);
    // Column 0-1: strictly negative inputs (a padded 0 must never win a max); 2-3: mixed sign.
    Matrix x(pc.in.size(), 4);
    x.leftCols(2) = uniform(pc.in.size(), 2, -2.0f, -0.25f, 900 + n);
    x.rightCols(2) = uniform(pc.in.size(), 2, -1.0f, 1.0f, 950 + n);
    for (bool max_pool : {true, false}) {
      CAPTURE(max_pool);
      const Network net =
          pool_network(max_pool ? LayerType::kMaxPool2d : LayerType::kAvgPool2d, pc.in, pc.w);
      const Matrix y = forward(net, x, float_product(net, 1));
      const Reference ref = direct_pool(x.cast<double>(), pc.in, pc.w, max_pool);
      REQUIRE(y.rows() == ref.value.rows());
      if (max_pool) {
        // A max selects one of its float inputs: exact.
        CHECK((y.cast<double>() - ref.value).cwiseAbs().maxCoeff() == 0.0);
      } else {
        const double taps = static_cast<double>(pc.w.kernel_h * pc.w.kernel_w);
        CHECK(worst_ratio(y, ref.value, ref.scale, (taps + 2) * kUnitRoundoff) <= 1.0);
      }
    }
  }
}

TEST_CASE("average pooling divides by the full window, padded zeros included") {
  // 1x2x2 input of ones, kernel 3, stride 1, padding 1: each window sees 4 of its 9 taps.
  const Network net =
      pool_network(LayerType::kAvgPool2d, {1, 2, 2, false}, Window2d{3, 3, 1, 1, 1, 1});
  const Matrix y = forward(net, Matrix::Ones(4, 1), float_product(net, 1));
  REQUIRE(y.rows() == 4);
  for (Index i = 0; i < 4; ++i) CHECK(y(i, 0) == doctest::Approx(4.0 / 9.0).epsilon(1e-6));
}

TEST_CASE("argmax_columns picks the largest logit of every column, the first one on ties") {
  Matrix logits(4, 5);
  // clang-format off
  logits << 0.1f, -3.0f,  2.0f, 7.0f, -1.0f,
            0.5f, -2.0f,  2.0f, 7.0f, -1.0f,
           -0.2f, -1.0f,  1.0f, 6.9f, -1.0f,
            0.4f, -1.5f, -9.0f, 7.0f, -0.5f;
  // clang-format on
  // Ties go to the lowest index, as numpy.argmax and torch.argmax do.
  CHECK(argmax_columns(logits) == std::vector<int>{1, 2, 0, 0, 3});
  CHECK(argmax_columns(Matrix(3, 0)).empty());
  const Matrix one = Matrix::Constant(1, 3, -5.0f);
  CHECK(argmax_columns(one) == std::vector<int>{0, 0, 0});
}

TEST_CASE("normalise_inputs applies (p - mean) / std and rejects a wrong sample size") {
  Network net;
  net.name = "shape_probe";
  net.input_shape = {1, 4, 3, false};
  net.input_mean = 0.2860405969887955;
  net.input_std = 0.35302424451492237;
  const Matrix pixels = uniform(12, 3, 0.0f, 1.0f, 31);
  const Matrix x = normalise_inputs(net, pixels);
  REQUIRE(x.rows() == 12);
  REQUIRE(x.cols() == 3);
  for (Index i = 0; i < x.size(); ++i) {
    const double want = (pixels.data()[i] - net.input_mean) / net.input_std;
    CHECK(x.data()[i] == doctest::Approx(want).epsilon(1e-6));
  }
  try {
    normalise_inputs(net, Matrix::Zero(11, 2));
    FAIL("expected a ShapeError");
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("shape_probe") != std::string::npos);
    CHECK(what.find("12") != std::string::npos);
    CHECK(what.find("11") != std::string::npos);
  }
  CHECK_THROWS_AS(normalise_inputs(net, Matrix::Zero(13, 1)), ShapeError);
}
