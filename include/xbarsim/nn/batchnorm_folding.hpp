#pragma once
// Folding batch norm into the crossbar layer before it, shared by model files (which fold the
// weights) and workload files (which only have shapes), so both fold exactly the same layers.
#include <utility>
#include <vector>

#include "xbarsim/nn/network.hpp"

namespace xbarsim {

// Removes every batch norm whose input is a dense or conv2d layer that nothing else reads;
// `fold(producer, batchnorm)` updates the producer (y = (W x + b) s + t becomes
// (diag(s) W) x + (b s + t)). Layers that read a folded batch norm then read its producer.
// Works on any layer type with `type`, `inputs` and `uses_crossbar()`.
template <class LayerT, class Fold>
std::vector<LayerT> fold_batchnorm(std::vector<LayerT> layers, Fold&& fold) {
  std::vector<int> consumers(layers.size(), 0);
  for (const LayerT& l : layers)
    for (int i : l.inputs)
      if (i != kNetworkInput) ++consumers[i];
  std::vector<int> alias(layers.size());
  std::vector<bool> keep(layers.size(), true);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    alias[i] = static_cast<int>(i);
    LayerT& l = layers[i];
    for (int& in : l.inputs)
      if (in != kNetworkInput) in = alias[in];
    if (l.type != LayerType::kBatchNorm || l.inputs[0] == kNetworkInput) continue;
    LayerT& prev = layers[l.inputs[0]];
    if (!prev.uses_crossbar() || consumers[l.inputs[0]] != 1) continue;
    fold(prev, l);
    // prev now produces this batch norm's output, so it inherits its consumers: a later
    // batch norm may fold into prev only if nothing else reads this one's output.
    consumers[l.inputs[0]] = consumers[i];
    alias[i] = l.inputs[0];
    keep[i] = false;
  }
  // The network output is the last layer. If that was a folded batch norm, the layer it
  // folded into now computes the output and must come last; nothing else reads that layer
  // (it fed only the batch norm chain), so moving it keeps the execution order valid.
  const int output = alias.back();
  std::vector<LayerT> out;
  std::vector<int> new_index(layers.size(), -1);
  auto take = [&](int i) {
    new_index[i] = static_cast<int>(out.size());
    out.push_back(std::move(layers[i]));
  };
  for (int i = 0; i < static_cast<int>(layers.size()); ++i)
    if (keep[i] && i != output) take(i);
  take(output);
  for (LayerT& l : out)
    for (int& in : l.inputs)
      if (in != kNetworkInput) in = new_index[in];
  return out;
}

}  // namespace xbarsim
