// The sequence layers of model format 2 (docs/model_format.md#4b) against direct loops in
// double precision written from the equations of the format, one layer type at a time:
// dense on tokens, layer norm, GELU (both forms), sigmoid, tanh, softmax, attention (multi-head,
// causal), LSTM, to_tokens, prepend_token, add_constant, select_token, token_mean, embedding.
// The PyTorch round trips (test_roundtrip.cpp) check the same layers against PyTorch itself.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "nn/nn_fixtures.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/forward.hpp"

using namespace xbarsim;
using namespace xbarsim::nntest;

namespace {

constexpr double kUnitRoundoff = 0x1p-24;  // float32

// Tolerance of a float32 result: each entry carries at most `ops` sequential rounding steps on
// quantities of size `scale` (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
// Sec. 3.1: |error| <= gamma_n |x| with gamma_n = n u / (1 - n u)). The library functions
// (exp, erf, tanh) are within a few ulps: each counts as 4 operations.
double float_tolerance(double ops, double scale) {
  const double n = ops;
  return n * kUnitRoundoff / (1 - n * kUnitRoundoff) * scale;
}

Layer layer(LayerType type, const std::string& name, std::vector<int> inputs, const TensorShape& in,
            const TensorShape& out) {
  Layer l;
  l.type = type;
  l.name = name;
  l.inputs = std::move(inputs);
  l.in_shape = in;
  l.out_shape = out;
  return l;
}

Network network_of(std::vector<Layer> layers, const TensorShape& input) {
  Network net;
  net.name = "hand_sequence";
  net.input_shape = input;
  net.num_classes = static_cast<int>(layers.back().out_shape.size());
  net.layers = std::move(layers);
  return net;
}

Matrix run_float(const Network& net, const Matrix& x) {
  return forward(net, x, float_product(net, 1));
}

// Per sample, token t, feature f of a [T, D] activation column.
double at(const Matrix& x, Index b, Index t, Index f, Index d) {
  return static_cast<double>(x(t * d + f, b));
}

void check_close(const Matrix& got, const MatrixD& want, double tol) {
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  double worst = 0;
  for (Index i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(got.data()[i]) - want.data()[i]));
  CAPTURE(tol);
  CHECK(worst <= tol);
}

double sigmoid(double v) {
  return 1.0 / (1.0 + std::exp(-v));
}

}  // namespace

TEST_CASE("dense on a token sequence applies one matrix to every token") {
  const Index t = 6, d = 5, out = 4, batch = 3;
  Layer l = layer(LayerType::kDense, "proj", {kNetworkInput}, TensorShape::sequence(t, d),
                  TensorShape::sequence(t, out));
  l.weight = gaussian(out, d, 1);
  l.bias = gaussian(out, 1, 2).col(0);
  const Network net = network_of({l}, l.in_shape);
  CHECK(l.vectors_per_sample() == t);
  CHECK(net.macs_per_sample() == doctest::Approx(static_cast<double>(t * d * out)));
  const Matrix x = gaussian(t * d, batch, 3);
  MatrixD want(t * out, batch);
  double scale = 0;
  for (Index b = 0; b < batch; ++b)
    for (Index s = 0; s < t; ++s)
      for (Index o = 0; o < out; ++o) {
        double acc = l.bias(o), mag = std::abs(l.bias(o));
        for (Index f = 0; f < d; ++f) {
          acc += static_cast<double>(l.weight(o, f)) * at(x, b, s, f, d);
          mag += std::abs(static_cast<double>(l.weight(o, f)) * at(x, b, s, f, d));
        }
        want(s * out + o, b) = acc;
        scale = std::max(scale, mag);
      }
  check_close(run_float(net, x), want, float_tolerance(d + 1, scale));
}

TEST_CASE("layer norm, GELU, sigmoid, tanh and softmax follow their equations") {
  const Index t = 4, d = 16, batch = 3;
  const TensorShape s = TensorShape::sequence(t, d);
  const Matrix x = gaussian(t * d, batch, 4, 2.0f);

  SUBCASE("layer norm over the features of each token") {
    Layer l = layer(LayerType::kLayerNorm, "ln", {kNetworkInput}, s, s);
    l.scale = gaussian(d, 1, 5).col(0);
    l.shift = gaussian(d, 1, 6).col(0);
    l.eps = 1e-5;
    MatrixD want(t * d, batch);
    for (Index b = 0; b < batch; ++b)
      for (Index k = 0; k < t; ++k) {
        double mean = 0, var = 0;
        for (Index f = 0; f < d; ++f) mean += at(x, b, k, f, d) / d;
        for (Index f = 0; f < d; ++f) var += std::pow(at(x, b, k, f, d) - mean, 2) / d;
        for (Index f = 0; f < d; ++f)
          want(k * d + f, b) =
              (at(x, b, k, f, d) - mean) / std::sqrt(var + l.eps) * l.scale(f) + l.shift(f);
      }
    // Normalised values are O(1) times |weight| + |bias| (<= 4 for these draws); the mean and
    // variance sums take d steps each.
    check_close(run_float(network_of({l}, s), x), want,
                float_tolerance(2.0 * d + 8, 4.0 * std::sqrt(static_cast<double>(d))));
  }
  SUBCASE("GELU, exact and tanh forms") {
    for (const bool tanh_form : {false, true}) {
      CAPTURE(tanh_form);
      Layer l = layer(LayerType::kGelu, "gelu", {kNetworkInput}, s, s);
      l.gelu_tanh = tanh_form;
      MatrixD want(t * d, batch);
      const double k = std::sqrt(2.0 / M_PI);
      for (Index i = 0; i < x.size(); ++i) {
        const double v = x.data()[i];
        want.data()[i] = tanh_form ? 0.5 * v * (1 + std::tanh(k * (v + 0.044715 * v * v * v)))
                                   : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      }
      check_close(run_float(network_of({l}, s), x), want,
                  float_tolerance(12, x.cwiseAbs().maxCoeff()));
    }
  }
  SUBCASE("sigmoid and tanh") {
    for (const LayerType type : {LayerType::kSigmoid, LayerType::kTanh}) {
      const Layer l = layer(type, "f", {kNetworkInput}, s, s);
      MatrixD want(t * d, batch);
      for (Index i = 0; i < x.size(); ++i)
        want.data()[i] =
            type == LayerType::kSigmoid ? sigmoid(x.data()[i]) : std::tanh(x.data()[i]);
      check_close(run_float(network_of({l}, s), x), want, float_tolerance(8, 1.0));
    }
  }
  SUBCASE("softmax over the features of each token: a probability vector") {
    const Layer l = layer(LayerType::kSoftmax, "sm", {kNetworkInput}, s, s);
    const Matrix y = run_float(network_of({l}, s), x);
    MatrixD want(t * d, batch);
    for (Index b = 0; b < batch; ++b)
      for (Index k = 0; k < t; ++k) {
        double max = -1e300, sum = 0;
        for (Index f = 0; f < d; ++f) max = std::max(max, at(x, b, k, f, d));
        for (Index f = 0; f < d; ++f) sum += std::exp(at(x, b, k, f, d) - max);
        for (Index f = 0; f < d; ++f) want(k * d + f, b) = std::exp(at(x, b, k, f, d) - max) / sum;
      }
    check_close(y, want, float_tolerance(d + 8, 1.0));
  }
}

TEST_CASE("attention: multi-head scaled dot-product, with and without the causal mask") {
  const Index t = 5, d = 8, heads = 2, dh = d / heads, batch = 2;
  const TensorShape s = TensorShape::sequence(t, d);
  // Three input projections feed the attention; the network input is split by them.
  std::vector<Layer> layers;
  for (const char* name : {"q", "k", "v"}) {
    Layer p = layer(LayerType::kDense, name, {kNetworkInput}, s, s);
    p.weight = gaussian(d, d, 10 + layers.size());
    p.bias = Vector::Zero(d);
    layers.push_back(p);
  }
  const Matrix x = gaussian(t * d, batch, 20, 0.5f);
  for (const bool causal : {false, true}) {
    CAPTURE(causal);
    std::vector<Layer> net_layers = layers;
    Layer a = layer(LayerType::kAttention, "attn", {0, 1, 2}, s, s);
    a.heads = heads;
    a.causal = causal;
    net_layers.push_back(a);
    const Network net = network_of(net_layers, s);
    // Q, K, V in double from the same float weights.
    auto project = [&](const Matrix& w) {
      MatrixD p(t * d, batch);
      for (Index b = 0; b < batch; ++b)
        for (Index k = 0; k < t; ++k)
          for (Index o = 0; o < d; ++o) {
            double acc = 0;
            for (Index f = 0; f < d; ++f) acc += static_cast<double>(w(o, f)) * at(x, b, k, f, d);
            p(k * d + o, b) = acc;
          }
      return p;
    };
    const MatrixD q = project(layers[0].weight), k = project(layers[1].weight),
                  v = project(layers[2].weight);
    MatrixD want(t * d, batch);
    double vmax = v.cwiseAbs().maxCoeff();
    for (Index b = 0; b < batch; ++b)
      for (Index h = 0; h < heads; ++h)
        for (Index i = 0; i < t; ++i) {
          std::vector<double> score(t, -INFINITY);
          double max = -INFINITY;
          for (Index j = 0; j < t; ++j) {
            if (causal && j > i) continue;
            double dot = 0;
            for (Index f = 0; f < dh; ++f)
              dot += q(i * d + h * dh + f, b) * k(j * d + h * dh + f, b);
            score[j] = dot / std::sqrt(static_cast<double>(dh));
            max = std::max(max, score[j]);
          }
          double sum = 0;
          for (Index j = 0; j < t; ++j) sum += std::exp(score[j] - max);
          for (Index f = 0; f < dh; ++f) {
            double acc = 0;
            for (Index j = 0; j < t; ++j)
              acc += std::exp(score[j] - max) / sum * v(j * d + h * dh + f, b);
            want(i * d + h * dh + f, b) = acc;
          }
        }
    // Projections (d steps), scores (dh steps), softmax and the weighted sum (t steps) on values
    // bounded by max |v|; scores enter through exp, whose relative error scales with |score|.
    const double score_max = (q.cwiseAbs().maxCoeff() * k.cwiseAbs().maxCoeff() * dh);
    check_close(forward(net, x, float_product(net, 1)), want,
                float_tolerance(2.0 * d + dh + 2.0 * t + 16, vmax * (1 + score_max)));
    if (causal) {
      // The first token sees only itself: its output is its own value vector.
      const Matrix y = forward(net, x, float_product(net, 1));
      for (Index f = 0; f < d; ++f)
        CHECK(std::abs(y(f, 0) - v(f, 0)) <= float_tolerance(2.0 * d + 8, vmax));
    }
  }
}

TEST_CASE("LSTM: gate maths in PyTorch's order, the recurrent product once per step") {
  const Index t = 7, f = 3, hidden = 4, batch = 2;
  Layer proj = layer(LayerType::kDense, "ih", {kNetworkInput}, TensorShape::sequence(t, f),
                     TensorShape::sequence(t, 4 * hidden));
  proj.weight = gaussian(4 * hidden, f, 30);
  proj.bias = gaussian(4 * hidden, 1, 31).col(0);
  Layer rec =
      layer(LayerType::kLstm, "lstm", {0}, proj.out_shape, TensorShape::sequence(t, hidden));
  rec.weight = gaussian(4 * hidden, hidden, 32);
  rec.bias = gaussian(4 * hidden, 1, 33).col(0);
  const Network net = network_of({proj, rec}, proj.in_shape);
  CHECK(rec.vectors_per_sample() == t);
  const Matrix x = gaussian(t * f, batch, 34);
  int calls = 0;
  const CrossbarProduct fp = float_product(net, 1);
  const Matrix y = forward(net, x, [&](int layer, const MatrixView& in) {
    if (layer == 1) {
      ++calls;
      CHECK(in.rows() == hidden);
      CHECK(in.cols() == batch);
    }
    return fp(layer, in);
  });
  CHECK(calls == t);
  MatrixD want(t * hidden, batch);
  for (Index b = 0; b < batch; ++b) {
    std::vector<double> h(hidden, 0.0), c(hidden, 0.0);
    for (Index s = 0; s < t; ++s) {
      std::vector<double> g(4 * hidden);
      for (Index r = 0; r < 4 * hidden; ++r) {
        double acc = static_cast<double>(proj.bias(r)) + rec.bias(r);
        for (Index k = 0; k < f; ++k)
          acc += static_cast<double>(proj.weight(r, k)) * at(x, b, s, k, f);
        for (Index k = 0; k < hidden; ++k) acc += static_cast<double>(rec.weight(r, k)) * h[k];
        g[r] = acc;
      }
      for (Index k = 0; k < hidden; ++k) {
        const double i = sigmoid(g[k]), fg = sigmoid(g[hidden + k]),
                     cand = std::tanh(g[2 * hidden + k]), o = sigmoid(g[3 * hidden + k]);
        c[k] = fg * c[k] + i * cand;
        h[k] = o * std::tanh(c[k]);
        want(s * hidden + k, b) = h[k];
      }
    }
  }
  // Gate sums of f + hidden + 2 terms of size <= sum |w| (about 3 sqrt(n) for these draws);
  // the error of a step enters the next through U with gain below sum |U| per step.
  check_close(y, want, float_tolerance(static_cast<double>(t) * (f + hidden + 20), 10.0));
}

TEST_CASE("token plumbing: to_tokens, prepend_token, add_constant, select_token, token_mean") {
  const Index c = 3, h = 2, w = 2, batch = 2;
  const TensorShape image{c, h, w, false, false};
  const Matrix x = gaussian(c * h * w, batch, 40);
  const Index t = h * w;
  Layer tok =
      layer(LayerType::kToTokens, "tokens", {kNetworkInput}, image, TensorShape::sequence(t, c));
  Layer cls =
      layer(LayerType::kPrependToken, "cls", {0}, tok.out_shape, TensorShape::sequence(t + 1, c));
  cls.table = gaussian(c, 1, 41);
  Layer pos = layer(LayerType::kAddConstant, "pos", {1}, cls.out_shape, cls.out_shape);
  pos.table = gaussian((t + 1) * c, 1, 42);
  Layer first = layer(LayerType::kSelectToken, "first", {2}, pos.out_shape, TensorShape::vector(c));
  Layer last = layer(LayerType::kSelectToken, "last", {2}, pos.out_shape, TensorShape::vector(c));
  last.token_index = t;
  Layer mean = layer(LayerType::kTokenMean, "mean", {2}, pos.out_shape, TensorShape::vector(c));
  Layer sum1 = layer(LayerType::kAdd, "s1", {3, 4}, first.out_shape, first.out_shape);
  Layer sum2 = layer(LayerType::kAdd, "s2", {6, 5}, first.out_shape, first.out_shape);
  const Network net = network_of({tok, cls, pos, first, last, mean, sum1, sum2}, image);
  const Matrix y = run_float(net, x);
  MatrixD want(c, batch);
  for (Index b = 0; b < batch; ++b)
    for (Index ch = 0; ch < c; ++ch) {
      // Token k of the sequence: k = 0 the class token, k >= 1 pixel (k - 1) = (i, j) row-major.
      auto token = [&](Index k) {
        const double value =
            k == 0 ? cls.table(ch, 0) : static_cast<double>(x(ch * t + (k - 1), b));
        return value + pos.table(k * c + ch, 0);
      };
      double m = 0;
      for (Index k = 0; k <= t; ++k) m += token(k) / static_cast<double>(t + 1);
      want(ch, b) = token(0) + token(t) + m;
    }
  check_close(y, want, float_tolerance(2.0 * t + 8, 8.0));
}

TEST_CASE("embedding: rows of the table by token id, and ids outside the table name the layer") {
  const Index t = 4, vocab = 6, d = 3;
  Layer e = layer(LayerType::kEmbedding, "embed", {kNetworkInput}, TensorShape::vector(t),
                  TensorShape::sequence(t, d));
  e.table = gaussian(d, vocab, 50);
  const Network net = network_of({e}, e.in_shape);
  Matrix ids(t, 1);
  ids << 5, 0, 2, 5;
  const Matrix y = run_float(net, ids);
  for (Index k = 0; k < t; ++k)
    for (Index f = 0; f < d; ++f)
      CHECK(y(k * d + f, 0) == e.table(f, static_cast<Index>(ids(k, 0))));
  for (const float bad : {6.0f, -1.0f, 1.5f}) {
    ids(2, 0) = bad;
    CHECK_THROWS_WITH_AS(run_float(net, ids), doctest::Contains("layer 'embed'"), ShapeError);
  }
}
