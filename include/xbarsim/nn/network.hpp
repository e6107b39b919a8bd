#pragma once
// A trained feed-forward network (a DAG of layers in execution order) as read from a model
// file (docs/model_format.md). Batch norm is folded into the layer before it at load time.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "xbarsim/core/types.hpp"

namespace xbarsim {

enum class LayerType {
  kDense,
  kConv2d,
  kMaxPool2d,
  kAvgPool2d,
  kRelu,
  kBatchNorm,
  kFlatten,
  kAdd,
  // Format version 2 (docs/model_format.md#4b): sequences, transformers, recurrent layers.
  kReshape,
  kToTokens,
  kPrependToken,
  kAddConstant,
  kEmbedding,
  kLayerNorm,
  kGelu,
  kSigmoid,
  kTanh,
  kSoftmax,
  kSelectToken,
  kTokenMean,
  kAttention,
  kLstm
};
std::string to_string(LayerType type);

// Per-sample activation shape. A flat vector of F features is {F, 1, 1} with flat = true; a
// sequence of T tokens of D features is {T, 1, D} with tokens = true (D fastest, as PyTorch's
// [B, T, D] without B); otherwise an image [C, H, W] (W fastest).
struct TensorShape {
  Index channels = 0, height = 1, width = 1;
  bool flat = false;
  bool tokens = false;
  Index size() const { return channels * height * width; }
  // The axis that layer norm and softmax act on, and the number of vectors along it.
  Index last_axis() const { return flat ? channels : width; }
  Index vectors() const { return size() / last_axis(); }
  std::string str() const;
  static TensorShape vector(Index features) { return {features, 1, 1, true, false}; }
  static TensorShape sequence(Index count, Index features) {
    return {count, 1, features, false, true};
  }
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
  Vector scale, shift;  // batch norm that could not be folded: y = x * scale + shift; layer
                        // norm's weight and bias
  // prepend_token: the token (D); add_constant: the per-sample value; embedding: D x V, one
  // column per token id.
  Matrix table;
  double eps = 0;          // layer norm
  bool gelu_tanh = false;  // gelu: the tanh approximation instead of the exact erf form
  Index heads = 0;         // attention
  bool causal = false;     // attention: token t attends to tokens <= t only
  Index token_index = 0;   // select_token, already resolved to [0, T)
  TensorShape in_shape, out_shape;
  // Layers whose weights sit on crossbars. An LSTM holds its recurrent matrix there; its
  // input projection is the dense layer before it.
  bool uses_crossbar() const {
    return type == LayerType::kDense || type == LayerType::kConv2d || type == LayerType::kLstm;
  }
  // Crossbar input vectors per sample: output positions of a convolution, tokens of a dense
  // layer on a sequence, time steps of an LSTM, else 1.
  Index vectors_per_sample() const;
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

// Reads and validates a model file; errors name the file, the layer and the dataset. A path
// ending in .onnx is converted first (docs/onnx.md).
Network load_network(const std::string& path);
// The same for a file already open: `file` is an HDF5 file id (hid_t), e.g. of an in-memory
// image (the fuzz harnesses); `path` names it in errors.
Network read_network(std::int64_t file, const std::string& path);

}  // namespace xbarsim
