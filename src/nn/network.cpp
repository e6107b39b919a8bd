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
  }
  return "?";
}

std::string TensorShape::str() const {
  if (flat) return "[" + std::to_string(channels) + "]";
  return "[" + std::to_string(channels) + ", " + std::to_string(height) + ", " +
         std::to_string(width) + "]";
}

double Network::macs_per_sample() const {
  double macs = 0;
  for (const Layer& l : layers) {
    if (!l.uses_crossbar()) continue;
    const double positions = static_cast<double>(l.out_shape.height * l.out_shape.width);
    macs += static_cast<double>(l.weight.size()) * positions;
  }
  return macs;
}

}  // namespace xbarsim
