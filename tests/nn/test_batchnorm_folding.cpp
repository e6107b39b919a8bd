// Batch norm folding at load time: model files written here (HDF5 C API, docs/model_format.md)
// are loaded, and the network's output must equal conv/dense -> batchnorm (the unfolded
// formula of the spec) -> relu -> dense computed independently in double precision. Batch
// norms that cannot be folded must stay as layers and still compute the same thing.
#include <doctest/doctest.h>

#include <cmath>

#include "nn/nn_fixtures.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/forward.hpp"

using namespace xbarsim;
using namespace xbarsim::nntest;

namespace {

// Input [2, 6, 5]; conv 2 -> 3 channels, 3x3, stride 1, padding 1 keeps 6x5.
constexpr Index kC = 2, kH = 6, kW = 5, kCout = 3, kK = 3, kBatch = 5, kClasses = 4;
constexpr Index kFeatures = kCout * kH * kW;

BatchNormParams bn_params(Index c, std::uint64_t seed, double eps) {
  BatchNormParams p;
  p.gamma = uniform(c, 1, 0.5f, 1.5f, seed).col(0);
  p.beta = gaussian(c, 1, seed + 1, 0.3f).col(0);
  p.mean = gaussian(c, 1, seed + 2, 0.5f).col(0);
  p.var = uniform(c, 1, 0.3f, 1.5f, seed + 3).col(0);
  p.eps = eps;
  return p;
}

// The spec's unfolded formula, per channel c of `per_channel` consecutive rows.
MatrixD batchnorm(const MatrixD& x, const BatchNormParams& p, Index per_channel) {
  MatrixD y = x;
  for (Index c = 0; c < p.gamma.size(); ++c)
    for (Index r = c * per_channel; r < (c + 1) * per_channel; ++r)
      for (Index b = 0; b < x.cols(); ++b)
        y(r, b) =
            (x(r, b) - p.mean(c)) / std::sqrt(static_cast<double>(p.var(c)) + p.eps) * p.gamma(c) +
            p.beta(c);
  return y;
}

MatrixD relu(const MatrixD& x) {
  return x.cwiseMax(0.0);
}

struct Params {
  Matrix conv_w = gaussian(kCout, kC* kK* kK, 41, 0.4f);
  Vector conv_b = gaussian(kCout, 1, 42, 0.2f).col(0);
  Matrix fc_w = gaussian(kClasses, kFeatures, 43, 0.2f);
  Vector fc_b = gaussian(kClasses, 1, 44, 0.2f).col(0);
  Matrix x = uniform(kC * kH * kW, kBatch, -1.0f, 1.5f, 45);

  MatrixD conv(const MatrixD& in) const {
    return direct_conv(in, kC, kH, kW, conv_w.cast<double>(), conv_b.cast<double>(), kK, kK, 1, 1,
                       1, 1)
        .value;
  }
  MatrixD dense(const MatrixD& in) const {
    MatrixD y = fc_w.cast<double>() * in;
    y.colwise() += fc_b.cast<double>();
    return y;
  }
  LayerFileSpec conv_layer(const std::string& input) const {
    return conv_spec("conv1", input, conv_w, conv_b, kC, kK, kK, {1, 1}, {1, 1});
  }
  LayerFileSpec dense_layer(const std::string& input) const {
    return dense_spec("fc1", input, fc_w, fc_b);
  }
};

ModelFileSpec model(std::vector<LayerFileSpec> layers) {
  ModelFileSpec m;
  m.name = "bn_probe";
  m.input_shape = {kC, kH, kW};
  m.num_classes = kClasses;
  m.layers = std::move(layers);
  return m;
}

// Layer types of the loaded network, e.g. "conv2d relu flatten dense".
std::string types(const Network& net) {
  std::string t;
  for (const Layer& l : net.layers) t += (t.empty() ? "" : " ") + to_string(l.type);
  return t;
}

// Output of the loaded network against the double-precision reference, relative to
// max(1, |y|); float rounding of these small layers is ~1e-6.
double error_vs(const Network& net, const Matrix& x, const MatrixD& want) {
  const Matrix got = forward(net, x, float_product(net, 1));
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  double worst = 0;
  for (Index i = 0; i < want.size(); ++i)
    worst = std::max(
        worst, std::abs(got.data()[i] - want.data()[i]) / std::max(1.0, std::abs(want.data()[i])));
  return worst;
}

}  // namespace

TEST_CASE("batch norm after conv2d and after dense is folded and preserves the outputs") {
  TempDir dir;
  const Params p;
  const BatchNormParams bn1 = bn_params(kCout, 51, 1e-5);
  const BatchNormParams bn2 = bn_params(kClasses, 61, 1e-3);
  const std::string file = dir.file("conv_bn_relu_dense_bn.h5");
  write_model(file, model({p.conv_layer("input"), batchnorm_spec("bn1", "conv1", bn1),
                           simple_spec("relu", "relu1", {"bn1"}),
                           simple_spec("flatten", "flatten", {"relu1"}), p.dense_layer("flatten"),
                           batchnorm_spec("bn2", "fc1", bn2)}));
  const Network net = load_network(file);
  CHECK(types(net) == "conv2d relu flatten dense");
  const MatrixD x = p.x.cast<double>();
  const MatrixD want = batchnorm(p.dense(relu(batchnorm(p.conv(x), bn1, kH * kW))), bn2, 1);
  CHECK(error_vs(net, p.x, want) <= 1e-5);

  // Folding must change the crossbar weights (otherwise batch norm was simply dropped).
  const Network plain = [&] {
    const std::string f = dir.file("conv_relu_dense.h5");
    write_model(f, model({p.conv_layer("input"), simple_spec("relu", "relu1", {"conv1"}),
                          simple_spec("flatten", "flatten", {"relu1"}), p.dense_layer("flatten")}));
    return load_network(f);
  }();
  CHECK((plain.layers[0].weight - net.layers[0].weight).cwiseAbs().maxCoeff() > 1e-3f);
}

TEST_CASE("two batch norms in a row both fold into the conv before them") {
  TempDir dir;
  const Params p;
  const BatchNormParams bn1 = bn_params(kCout, 71, 1e-5);
  const BatchNormParams bn2 = bn_params(kCout, 81, 1e-3);
  const std::string file = dir.file("conv_bn_bn.h5");
  write_model(file,
              model({p.conv_layer("input"), batchnorm_spec("bn1", "conv1", bn1),
                     batchnorm_spec("bn2", "bn1", bn2), simple_spec("relu", "relu1", {"bn2"}),
                     simple_spec("flatten", "flatten", {"relu1"}), p.dense_layer("flatten")}));
  const Network net = load_network(file);
  CHECK(types(net) == "conv2d relu flatten dense");
  const MatrixD x = p.x.cast<double>();
  const MatrixD want = p.dense(relu(batchnorm(batchnorm(p.conv(x), bn1, kH * kW), bn2, kH * kW)));
  CHECK(error_vs(net, p.x, want) <= 1e-5);
}

TEST_CASE("batch norm that cannot be folded stays a layer and computes the unfolded formula") {
  TempDir dir;
  const Params p;
  const MatrixD x = p.x.cast<double>();

  SUBCASE("on the network input, and after a conv whose output also feeds an add") {
    const BatchNormParams bn0 = bn_params(kC, 91, 1e-5);
    const BatchNormParams bn1 = bn_params(kCout, 101, 1e-3);
    const std::string file = dir.file("bn_shared_conv.h5");
    write_model(
        file,
        model({batchnorm_spec("bn0", "input", bn0), p.conv_layer("bn0"),
               batchnorm_spec("bn1", "conv1", bn1), simple_spec("add", "add", {"bn1", "conv1"}),
               simple_spec("relu", "relu1", {"add"}), simple_spec("flatten", "flatten", {"relu1"}),
               p.dense_layer("flatten")}));
    const Network net = load_network(file);
    CHECK(types(net) == "batchnorm conv2d batchnorm add relu flatten dense");
    const MatrixD c = p.conv(batchnorm(x, bn0, kH * kW));
    const MatrixD want = p.dense(relu(batchnorm(c, bn1, kH * kW) + c));
    CHECK(error_vs(net, p.x, want) <= 1e-5);
  }

  SUBCASE("a second batch norm whose input (a folded batch norm) also feeds an add") {
    // conv1 -> bn1 folds (conv1 feeds only bn1); bn1's output feeds bn2 and the add, so bn2
    // must not be folded into conv1 as well.
    const BatchNormParams bn1 = bn_params(kCout, 111, 1e-5);
    const BatchNormParams bn2 = bn_params(kCout, 121, 1e-3);
    const std::string file = dir.file("bn_chain_shared.h5");
    write_model(file,
                model({p.conv_layer("input"), batchnorm_spec("bn1", "conv1", bn1),
                       batchnorm_spec("bn2", "bn1", bn2), simple_spec("add", "add", {"bn2", "bn1"}),
                       simple_spec("relu", "relu1", {"add"}),
                       simple_spec("flatten", "flatten", {"relu1"}), p.dense_layer("flatten")}));
    const Network net = load_network(file);
    CHECK(types(net) == "conv2d batchnorm add relu flatten dense");
    const MatrixD a = batchnorm(p.conv(x), bn1, kH * kW);
    const MatrixD want = p.dense(relu(batchnorm(a, bn2, kH * kW) + a));
    CHECK(error_vs(net, p.x, want) <= 1e-5);
  }
}

TEST_CASE("a batch norm that is the network output stays the output when it folds") {
  // conv1 -> flatten -> fc1 -> [relu on flatten, read by nothing] -> bn(fc1): the last layer
  // is the network output even though a layer nobody reads sits between fc1 and it.
  TempDir dir;
  const Params p;
  const BatchNormParams bn = bn_params(kClasses, 131, 1e-5);
  const std::string file = dir.file("bn_output.h5");
  write_model(file, model({p.conv_layer("input"), simple_spec("flatten", "flatten", {"conv1"}),
                           p.dense_layer("flatten"), simple_spec("relu", "unused", {"flatten"}),
                           batchnorm_spec("bn", "fc1", bn)}));
  const Network net = load_network(file);
  const MatrixD want = batchnorm(p.dense(p.conv(p.x.cast<double>())), bn, 1);
  CHECK(error_vs(net, p.x, want) <= 1e-5);
}
