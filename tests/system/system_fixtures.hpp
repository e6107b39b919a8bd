#pragma once
// Shared fixtures of the system-layer tests: shipped architectures by name and a one-layer
// dense workload whose counts follow closed forms.
#include <string>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim::test {

inline std::string arch_path(const std::string& name) {
  return data_dir() + "/arch/" + name + ".yaml";
}

// One dense layer of `out` x `in` weights, with unsigned inputs (after a ReLU).
inline Workload dense_workload(Index in, Index out) {
  Workload w;
  w.name = "dense";
  w.input_shape = {in, 1, 1, true};
  LayerWork relu;
  relu.name = "relu";
  relu.type = LayerType::kRelu;
  relu.inputs = {kNetworkInput};
  relu.in_shape = relu.out_shape = w.input_shape;
  LayerWork fc;
  fc.name = "fc";
  fc.type = LayerType::kDense;
  fc.inputs = {0};
  fc.in_shape = w.input_shape;
  fc.out_shape = {out, 1, 1, true};
  fc.matrix_rows = in;
  fc.matrix_cols = out;
  fc.vectors_per_sample = 1;
  w.layers = {relu, fc};
  w.num_classes = static_cast<int>(out);
  return w;
}

}  // namespace xbarsim::test
