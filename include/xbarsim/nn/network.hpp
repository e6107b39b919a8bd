#pragma once
// A trained feed-forward network (a DAG of layers in execution order) as read from a model
// file (docs/model_format.md). Batch norm is folded into the layer before it at load time.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "xbarsim/core/types.hpp"

namespace xbarsim {

enum class LayerType { kDense, kConv2d, kMaxPool2d, kAvgPool2d, kRelu, kBatchNorm, kFlatten, kAdd };
std::string to_string(LayerType type);

// Per-sample activation shape. A flat vector of F features is {F, 1, 1} with flat = true.
struct TensorShape {
  Index channels = 0, height = 1, width = 1;
  bool flat = false;
  Index size() const { return channels * height * width; }
  std::string str() const;
};

struct Window2d {
  Index kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  Index out_h(Index h) const { return (h + 2 * pad_h - kernel_h) / stride_h + 1; }
  Index out_w(Index w) const { return (w + 2 * pad_w - kernel_w) / stride_w + 1; }
};

struct Layer {
  LayerType type = LayerType::kRelu;
  std::string name;
  std::vector<int> inputs;  // indices of earlier layers; kNetworkInput for the network input
  // Dense: out x in. Conv2d: C_out x (C_in K_h K_w), columns in (c, u, v) order, i.e. the
  // im2col layout. This is the matrix that goes on the crossbar.
  Matrix weight;
  Vector bias;
  Window2d window;      // conv2d and pooling
  Vector scale, shift;  // batch norm that could not be folded: y = x * scale + shift
  TensorShape in_shape, out_shape;
  bool uses_crossbar() const { return type == LayerType::kDense || type == LayerType::kConv2d; }
};

inline constexpr int kNetworkInput = -1;

struct Network {
  std::string name;
  std::string file;
  TensorShape input_shape;
  int num_classes = 0;
  double input_mean = 0.0, input_std = 1.0;
  std::vector<Layer> layers;
  // MACs per sample of the crossbar layers (the network's MAC count).
  double macs_per_sample() const;
};

// Reads and validates a model file; errors name the file, the layer and the dataset.
Network load_network(const std::string& path);
// The same for a file already open: `file` is an HDF5 file id (hid_t), e.g. of an in-memory
// image (the fuzz harnesses); `path` names it in errors.
Network read_network(std::int64_t file, const std::string& path);

}  // namespace xbarsim
