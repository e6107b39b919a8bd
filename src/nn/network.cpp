#include "xbarsim/nn/network.hpp"

namespace xbarsim {

std::string to_string(LayerType type) {
  switch (type) {
    case LayerType::kDense:
      return "dense";
    case LayerType::kConv2d:
      return "conv2d";
    case LayerType::kMaxPool2d:
      return "maxpool2d";
    case LayerType::kAvgPool2d:
      return "avgpool2d";
    case LayerType::kRelu:
      return "relu";
    case LayerType::kBatchNorm:
      return "batchnorm";
    case LayerType::kFlatten:
      return "flatten";
    case LayerType::kAdd:
      return "add";
    case LayerType::kReshape:
      return "reshape";
    case LayerType::kToTokens:
      return "to_tokens";
    case LayerType::kPrependToken:
      return "prepend_token";
    case LayerType::kAddConstant:
      return "add_constant";
    case LayerType::kEmbedding:
      return "embedding";
    case LayerType::kLayerNorm:
      return "layernorm";
    case LayerType::kGelu:
      return "gelu";
    case LayerType::kSigmoid:
      return "sigmoid";
    case LayerType::kTanh:
      return "tanh";
    case LayerType::kSoftmax:
      return "softmax";
    case LayerType::kSelectToken:
      return "select_token";
    case LayerType::kTokenMean:
      return "token_mean";
    case LayerType::kAttention:
      return "attention";
    case LayerType::kLstm:
      return "lstm";
  }
  return "?";
}

std::string TensorShape::str() const {
  if (flat) return "[" + std::to_string(channels) + "]";
  if (tokens) return "[" + std::to_string(channels) + ", " + std::to_string(width) + "]";
  return "[" + std::to_string(channels) + ", " + std::to_string(height) + ", " +
         std::to_string(width) + "]";
}

Index Layer::vectors_per_sample() const {
  switch (type) {
    case LayerType::kConv2d:
      return out_shape.height * out_shape.width;
    case LayerType::kDense:
      return in_shape.tokens ? in_shape.channels : 1;
    case LayerType::kLstm:
      return in_shape.channels;
    default:
      return 0;
  }
}

double Network::macs_per_sample() const {
  double macs = 0;
  for (const Layer& l : layers)
    if (l.uses_crossbar())
      macs += static_cast<double>(l.weight.size()) * static_cast<double>(l.vectors_per_sample());
  return macs;
}

}  // namespace xbarsim
