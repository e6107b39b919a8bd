// Workloads (src/system/workload.cpp): the shipped ImageNet workload files have the published
// weight and MAC counts, the Fashion-MNIST workload files describe exactly the shipped model
// files, and the per-layer counts follow their definitions in workload.hpp.
//
// Expected values come from published totals or from independent arithmetic written here
// from the papers' tables, never from the loader under test.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;

std::string shipped(const std::string& rel) {
  return std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/" + rel;
}

using WorkloadTempDir = xbarsim::test::TempDir;

const LayerWork& layer(const Workload& w, const std::string& name) {
  for (const LayerWork& l : w.layers)
    if (l.name == name) return l;
  FAIL("no layer '" << name << "' in workload " << w.name);
  return w.layers.front();
}

int crossbar_layers(const Workload& w) {
  int n = 0;
  for (const LayerWork& l : w.layers) n += l.uses_crossbar();
  return n;
}

bool same_shape(const TensorShape& a, const TensorShape& b) {
  return a.channels == b.channels && a.height == b.height && a.width == b.width && a.flat == b.flat;
}

// ---- independent arithmetic from the papers' tables ----

// MACs of a k x k convolution producing an h_out x h_out map.
double conv_macs(double c_in, double c_out, double k, double h_out) {
  return c_in * c_out * k * k * h_out * h_out;
}

struct Totals {
  double weights = 0, macs = 0;
  void conv(double c_in, double c_out, double k, double h_out) {
    weights += c_in * c_out * k * k;
    macs += conv_macs(c_in, c_out, k, h_out);
  }
  void dense(double in, double out) {
    weights += in * out;
    macs += in * out;
  }
};

// He et al. 2016, Table 1: conv1 7x7/2 -> 112, max pool /2 -> 56, four stages at 56, 28, 14, 7
// with widths 64..512 (x4 outputs for bottlenecks), a 1x1 projection on every first block
// whose shape changes, global average pool and fc 1000.
Totals resnet_totals(bool bottleneck, const std::vector<int>& blocks, bool stride_on_3x3) {
  Totals t;
  t.conv(3, 64, 7, 112);
  double c = 64, size = 56;
  const double widths[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    const double w = widths[stage];
    for (int b = 0; b < blocks[stage]; ++b) {
      const double out = stage > 0 && b == 0 ? size / 2 : size;
      if (bottleneck) {
        // v1: stride on the first 1x1 (it then outputs `out`); v1.5: on the 3x3.
        t.conv(c, w, 1, stride_on_3x3 ? size : out);
        t.conv(w, w, 3, out);
        t.conv(w, 4 * w, 1, out);
        if (b == 0) t.conv(c, 4 * w, 1, out);  // projection shortcut (64 -> 256 in stage 1)
        c = 4 * w;
      } else {
        t.conv(c, w, 3, out);
        t.conv(w, w, 3, out);
        if (b == 0 && stage > 0) t.conv(c, w, 1, out);
        c = w;
      }
      size = out;
    }
  }
  t.dense(c, 1000);
  return t;
}

// Simonyan & Zisserman 2015, Table 1, configuration D: 3x3 convolutions (pad 1) in five
// blocks separated by 2x2/2 max pools, then FC 25088-4096-4096-1000.
Totals vgg16_totals() {
  Totals t;
  double c = 3, size = 224;
  const int channels[] = {64, 128, 256, 512, 512}, convs[] = {2, 2, 3, 3, 3};
  for (int b = 0; b < 5; ++b) {
    for (int i = 0; i < convs[b]; ++i) {
      t.conv(c, channels[b], 3, size);
      c = channels[b];
    }
    size /= 2;
  }
  t.dense(512 * 7 * 7, 4096);
  t.dense(4096, 4096);
  t.dense(4096, 1000);
  return t;
}

// torchvision publishes "GFLOPS" rounded to 2 decimals; they are multiply-adds of the
// convolution and linear layers (torchvision PR #6936, a flop counter that counts one per
// multiply-add), i.e. exactly what macs_per_sample() counts. Rounding allows +-0.005e9.
constexpr double kGflopsRounding = 0.005e9;

TEST_CASE("ResNet-18 workload: torchvision's weight and MAC counts") {
  const Workload w = load_workload(shipped("workloads/resnet18.yaml"));
  CHECK(w.name == "resnet18");
  CHECK(w.num_classes == 1000);
  CHECK(same_shape(w.input_shape, {3, 224, 224, false}));
  // 17 convolutions + fc (the paper's 18 layers) + 3 projection shortcuts.
  CHECK(crossbar_layers(w) == 21);
  // torchvision resnet18: 11,689,512 parameters. Minus batch norm (gamma and beta per
  // channel; running statistics are buffers, not parameters): bn1 64 + layer1 4 x 64 +
  // layer2 (4 + 1 downsample) x 128 + layer3 5 x 256 + layer4 5 x 512 = 4,800 channels,
  // 9,600 parameters. Minus the fc bias, 1,000 (the convolutions have none):
  // 11,689,512 - 9,600 - 1,000 = 11,678,912 crossbar weights.
  CHECK(w.weights() == 11'678'912.0);
  // torchvision: 1.81 GFLOPS (multiply-adds). Independent arithmetic: 1,814,073,344.
  CHECK(std::abs(w.macs_per_sample() - 1.81e9) <= kGflopsRounding);
  const Totals t = resnet_totals(false, {2, 2, 2, 2}, false);
  CHECK(t.weights == 11'678'912.0);
  CHECK(w.macs_per_sample() == t.macs);
  CHECK(w.macs_per_sample() == 1'814'073'344.0);

  CHECK(same_shape(layer(w, "conv1").out_shape, {64, 112, 112, false}));
  CHECK(same_shape(layer(w, "maxpool").out_shape, {64, 56, 56, false}));
  CHECK(same_shape(layer(w, "layer2.0.downsample.0").out_shape, {128, 28, 28, false}));
  CHECK(same_shape(layer(w, "layer4.1.relu2").out_shape, {512, 7, 7, false}));
  CHECK(same_shape(layer(w, "avgpool").out_shape, {512, 1, 1, false}));
  const LayerWork& fc = layer(w, "fc");
  CHECK(fc.matrix_rows == 512);
  CHECK(fc.matrix_cols == 1000);
  CHECK(fc.vectors_per_sample == 1);
  // A 3x3 conv of layer3: 256 x 9 = 2304 rows, 256 columns, 14 x 14 vectors.
  const LayerWork& c = layer(w, "layer3.1.conv1");
  CHECK(c.matrix_rows == 2304);
  CHECK(c.matrix_cols == 256);
  CHECK(c.vectors_per_sample == 196);
  CHECK(c.macs_per_sample() == 2304.0 * 256 * 196);
}

TEST_CASE("ResNet-50 workload (v1.5): torchvision's weight and MAC counts") {
  const Workload w = load_workload(shipped("workloads/resnet50.yaml"));
  CHECK(w.name == "resnet50");
  // conv1 + 16 bottlenecks x 3 + 4 projections + fc.
  CHECK(crossbar_layers(w) == 54);
  // torchvision resnet50: 25,557,032 parameters. Batch norm channels: bn1 64; a bottleneck of
  // width c has 3 (c + c + 4c = 6c), the first of each stage one more of 4c:
  // layer1 3 x 384 + 256 = 1,408; layer2 4 x 768 + 512 = 3,584; layer3 6 x 1,536 + 1,024 =
  // 10,240; layer4 3 x 3,072 + 2,048 = 11,264; total 26,560 channels = 53,120 parameters.
  // fc bias 1,000. 25,557,032 - 53,120 - 1,000 = 25,502,912.
  CHECK(w.weights() == 25'502'912.0);
  // torchvision (v1.5): 4.09 GFLOPS (multiply-adds). Independent arithmetic: 4,089,184,256.
  CHECK(std::abs(w.macs_per_sample() - 4.09e9) <= kGflopsRounding);
  const Totals v15 = resnet_totals(true, {3, 4, 6, 3}, true);
  CHECK(v15.weights == 25'502'912.0);
  CHECK(w.macs_per_sample() == v15.macs);
  CHECK(w.macs_per_sample() == 4'089'184'256.0);
  // The paper's Table 1 gives 3.8e9 FLOPs (multiply-adds) for v1, whose stride sits on the
  // first 1x1 conv: 3,857,973,248 by the same arithmetic. The shipped file is v1.5 (its
  // first 1x1 convs of layer2-4 run at the larger resolution), not v1.
  const Totals v1 = resnet_totals(true, {3, 4, 6, 3}, false);
  CHECK(v1.macs == 3'857'973'248.0);
  CHECK(w.macs_per_sample() > v1.macs);
  CHECK(layer(w, "layer2.0.conv1").vectors_per_sample == 56 * 56);
  CHECK(layer(w, "layer2.0.conv2").vectors_per_sample == 28 * 28);
  CHECK(layer(w, "layer2.0.conv2").window.stride_h == 2);
  CHECK(same_shape(layer(w, "layer1.0.downsample.0").out_shape, {256, 56, 56, false}));
  CHECK(same_shape(layer(w, "layer4.2.relu3").out_shape, {2048, 7, 7, false}));
  CHECK(layer(w, "fc").matrix_rows == 2048);
}

TEST_CASE("VGG-16 workload: torchvision's weight and MAC counts") {
  const Workload w = load_workload(shipped("workloads/vgg16.yaml"));
  CHECK(w.name == "vgg16");
  CHECK(crossbar_layers(w) == 16);
  // torchvision vgg16: 138,357,544 parameters, no batch norm. Biases: convolutions
  // 2 x 64 + 2 x 128 + 3 x 256 + 3 x 512 + 3 x 512 = 4,224; fc 4,096 + 4,096 + 1,000 = 9,192;
  // 138,357,544 - 13,416 = 138,344,128 crossbar weights.
  CHECK(w.weights() == 138'344'128.0);
  // torchvision: 15.47 GFLOPS (multiply-adds). Independent arithmetic: 15,470,264,320.
  CHECK(std::abs(w.macs_per_sample() - 15.47e9) <= kGflopsRounding);
  const Totals t = vgg16_totals();
  CHECK(t.weights == 138'344'128.0);
  CHECK(w.macs_per_sample() == t.macs);
  const LayerWork& fc6 = layer(w, "fc6");
  CHECK(fc6.matrix_rows == 25088);
  CHECK(fc6.matrix_cols == 4096);
  CHECK(layer(w, "fc7").matrix_rows == 4096);
  CHECK(layer(w, "fc8").matrix_cols == 1000);
  CHECK(same_shape(layer(w, "pool5").out_shape, {512, 7, 7, false}));
}

// The hand-written Fashion-MNIST workload files must describe the shipped models exactly.
void check_same_workload(const Workload& from_model, const Workload& from_file) {
  CHECK(same_shape(from_model.input_shape, from_file.input_shape));
  CHECK(from_model.num_classes == from_file.num_classes);
  REQUIRE(from_model.layers.size() == from_file.layers.size());
  for (std::size_t i = 0; i < from_model.layers.size(); ++i) {
    const LayerWork& a = from_model.layers[i];
    const LayerWork& b = from_file.layers[i];
    INFO("layer " << i << ": model '" << a.name << "', workload file '" << b.name << "'");
    CHECK(a.type == b.type);
    CHECK(a.inputs == b.inputs);
    CHECK(same_shape(a.in_shape, b.in_shape));
    CHECK(same_shape(a.out_shape, b.out_shape));
    CHECK(a.matrix_rows == b.matrix_rows);
    CHECK(a.matrix_cols == b.matrix_cols);
    CHECK(a.vectors_per_sample == b.vectors_per_sample);
    CHECK(a.macs_per_sample() == b.macs_per_sample());
    CHECK(a.digital_ops_per_sample() == b.digital_ops_per_sample());
    if (a.type == LayerType::kConv2d || a.type == LayerType::kMaxPool2d ||
        a.type == LayerType::kAvgPool2d) {
      CHECK(a.window.kernel_h == b.window.kernel_h);
      CHECK(a.window.kernel_w == b.window.kernel_w);
      CHECK(a.window.stride_h == b.window.stride_h);
      CHECK(a.window.stride_w == b.window.stride_w);
      CHECK(a.window.pad_h == b.window.pad_h);
      CHECK(a.window.pad_w == b.window.pad_w);
    }
  }
  CHECK(from_model.macs_per_sample() == from_file.macs_per_sample());
  CHECK(from_model.weights() == from_file.weights());
}

TEST_CASE("fmnist_cnn.yaml matches the model file data/models/fmnist_cnn.h5") {
  const Network net = load_network(shipped("models/fmnist_cnn.h5"));
  const Workload from_model = workload_from_network(net);
  const Workload from_file = load_workload(shipped("workloads/fmnist_cnn.yaml"));
  CHECK(from_model.name == "fmnist_cnn");
  CHECK(from_model.source == net.file);
  check_same_workload(from_model, from_file);
  // conv1 1x3x3 -> 16 at 28x28: 112,896; conv2 16x3x3 -> 32 at 14x14: 903,168;
  // fc1 1568 -> 128: 200,704; fc2 128 -> 10: 1,280.
  CHECK(from_file.macs_per_sample() == 112'896.0 + 903'168.0 + 200'704.0 + 1'280.0);
  CHECK(from_file.weights() == 9.0 * 16 + 144.0 * 32 + 1568.0 * 128 + 128.0 * 10);
  CHECK(from_model.macs_per_sample() == net.macs_per_sample());
  // The batch norms are folded: 10 layers remain of the file's 12.
  CHECK(from_model.layers.size() == 10);
}

TEST_CASE("fmnist_mlp.yaml matches the model file data/models/fmnist_mlp.h5") {
  const Network net = load_network(shipped("models/fmnist_mlp.h5"));
  const Workload from_model = workload_from_network(net);
  const Workload from_file = load_workload(shipped("workloads/fmnist_mlp.yaml"));
  check_same_workload(from_model, from_file);
  CHECK(from_file.macs_per_sample() == 784.0 * 256 + 256.0 * 128 + 128.0 * 10);
  CHECK(from_file.weights() == 234'752.0);
  CHECK(from_model.macs_per_sample() == net.macs_per_sample());
}

TEST_CASE("digital operations per sample follow their definitions") {
  const Workload cnn = load_workload(shipped("workloads/fmnist_cnn.yaml"));
  // Bias adds: one per output element of a crossbar layer.
  CHECK(layer(cnn, "conv1").digital_ops_per_sample() == 16.0 * 28 * 28);
  CHECK(layer(cnn, "fc2").digital_ops_per_sample() == 10.0);
  // ReLU: one comparison per input element.
  CHECK(layer(cnn, "relu2").digital_ops_per_sample() == 32.0 * 14 * 14);
  // 2x2 max pool: 3 comparisons per output element.
  CHECK(layer(cnn, "pool1").digital_ops_per_sample() == 16.0 * 14 * 14 * 3);
  CHECK(layer(cnn, "flatten").digital_ops_per_sample() == 0.0);
  CHECK(layer(cnn, "pool1").macs_per_sample() == 0.0);

  const Workload r18 = load_workload(shipped("workloads/resnet18.yaml"));
  // Global 7x7 average pool: 48 additions and a division per output, 512 outputs.
  const LayerWork& avg = layer(r18, "avgpool");
  CHECK(avg.window.kernel_h == 7);
  CHECK(avg.window.kernel_w == 7);
  CHECK(avg.digital_ops_per_sample() == 512.0 * (48 + 1));
  // Residual add: one addition per output element.
  CHECK(layer(r18, "layer1.0.add").digital_ops_per_sample() == 64.0 * 56 * 56);
  // 3x3 max pool on the 112x112 map: 8 comparisons per output.
  CHECK(layer(r18, "maxpool").digital_ops_per_sample() == 64.0 * 56 * 56 * 8);
}

TEST_CASE("inputs default to the previous layer while adds and shortcuts name theirs") {
  const Workload r18 = load_workload(shipped("workloads/resnet18.yaml"));
  REQUIRE(r18.layers.size() > 10);
  CHECK(r18.layers[0].inputs == std::vector<int>{kNetworkInput});
  for (std::size_t i = 1; i < r18.layers.size(); ++i) {
    const LayerWork& l = r18.layers[i];
    INFO("layer " << l.name);
    for (int in : l.inputs) CHECK((in >= 0 && in < static_cast<int>(i)));
    if (l.type != LayerType::kAdd && l.name.find("downsample") == std::string::npos)
      CHECK(l.inputs == std::vector<int>{static_cast<int>(i) - 1});
  }
  // layer2.0.add = layer2.0.conv2 + layer2.0.downsample.0, which reads layer1.1.relu2.
  const LayerWork& add = layer(r18, "layer2.0.add");
  REQUIRE(add.inputs.size() == 2);
  CHECK(r18.layers[add.inputs[0]].name == "layer2.0.conv2");
  const LayerWork& ds = r18.layers[add.inputs[1]];
  CHECK(ds.name == "layer2.0.downsample.0");
  CHECK(r18.layers[ds.inputs[0]].name == "layer1.1.relu2");
  CHECK(ds.window.stride_h == 2);
  CHECK(ds.window.kernel_h == 1);
  CHECK(ds.matrix_rows == 64);
  // An identity shortcut: layer1.1.add reads layer1.0.relu2 directly.
  const LayerWork& add11 = layer(r18, "layer1.1.add");
  CHECK(r18.layers[add11.inputs[1]].name == "layer1.0.relu2");
}

TEST_CASE("batch norm in a workload file folds as in model files") {
  WorkloadTempDir dir;
  const std::string path = dir.write("bn.yaml", R"(name: bn_test
source: "test"
input: [2, 8, 8]
num_classes: 4
layers:
  - {name: c1, type: conv2d, out_channels: 4, kernel: [3, 3], padding: [1, 1]}
  - {name: bn1, type: batchnorm}
  - {name: r1, type: relu}
  - {name: c2, type: conv2d, out_channels: 4, kernel: [3, 3], padding: [1, 1]}
  - {name: add, type: add, inputs: [c2, bn1]}
  - {name: bn2, type: batchnorm}
  - {name: pool, type: avgpool2d, global: true}
  - {name: flat, type: flatten}
  - {name: fc, type: dense, out_features: 4}
  - {name: bn3, type: batchnorm}
)");
  const Workload w = load_workload(path);
  std::vector<std::string> names;
  for (const LayerWork& l : w.layers) names.push_back(l.name);
  // bn1 folds into c1 (c1's only reader); bn2 follows an add and stays (2 ops per element);
  // bn3 folds into fc, which then produces the output.
  CHECK(names == std::vector<std::string>{"c1", "r1", "c2", "add", "bn2", "pool", "flat", "fc"});
  const LayerWork& add = layer(w, "add");
  REQUIRE(add.inputs.size() == 2);
  CHECK(w.layers[add.inputs[1]].name == "c1");  // read bn1, now c1
  CHECK(layer(w, "bn2").digital_ops_per_sample() == 2.0 * 4 * 8 * 8);
  CHECK(layer(w, "pool").digital_ops_per_sample() == 4.0 * 64);
  // Defaults: stride [1, 1] for convolutions.
  CHECK(layer(w, "c1").window.stride_h == 1);
  CHECK(layer(w, "c1").vectors_per_sample == 64);
  CHECK(w.macs_per_sample() == 2.0 * 4 * 9 * 64 + 4.0 * 4 * 9 * 64 + 4.0 * 4);
}

TEST_CASE("a flat input vector and a model-less workload") {
  WorkloadTempDir dir;
  const std::string path = dir.write("flat.yaml", R"(name: flat
source: "test"
input: [20]
num_classes: 3
layers:
  - {name: fc1, type: dense, out_features: 7}
  - {name: r, type: relu}
  - {name: fc2, type: dense, out_features: 3}
)");
  const Workload w = load_workload(path);
  CHECK(same_shape(w.input_shape, {20, 1, 1, true}));
  CHECK(w.weights() == 20.0 * 7 + 7.0 * 3);
  CHECK(w.macs_per_sample() == w.weights());
  CHECK(layer(w, "r").digital_ops_per_sample() == 7.0);
}

}  // namespace
}  // namespace xbarsim
