#pragma once
// Shape rules that a model file (nn/model_reader.cpp) and a workload file
// (system/workload.cpp) share. Each check returns what is wrong, or an empty string, so that
// each reader reports it with its own file, layer and key.
#include <string>

#include "xbarsim/nn/network.hpp"

namespace xbarsim {

// PyTorch's limit: beyond half the kernel a pooling window can hold padding only.
inline std::string pool_padding_problem(const Window2d& w) {
  if (2 * w.pad_h > w.kernel_h || 2 * w.pad_w > w.kernel_w)
    return "padding must be at most half the kernel";
  return "";
}

inline bool same_shape(const TensorShape& a, const TensorShape& b) {
  return a.flat == b.flat && a.tokens == b.tokens && a.channels == b.channels &&
         a.height == b.height && a.width == b.width;
}

// A residual add needs operands of one shape.
inline std::string add_problem(const TensorShape& a, const TensorShape& b) {
  if (same_shape(a, b)) return "";
  return "adds " + a.str() + " to " + b.str() + ": shapes differ";
}

// Attention's queries, keys and values must be token sequences of one shape.
inline std::string attention_problem(const TensorShape& q, const TensorShape& k,
                                     const TensorShape& v) {
  if (!same_shape(q, k)) return "queries " + q.str() + " and keys " + k.str() + " differ in shape";
  if (!same_shape(q, v))
    return "queries " + q.str() + " and values " + v.str() + " differ in shape";
  return "";
}

// The image a convolution or pooling window produces from `in` (channels set by the caller
// for a convolution).
inline TensorShape window_output(const TensorShape& in, const Window2d& w) {
  return {in.channels, w.out_h(in.height), w.out_w(in.width), false};
}

}  // namespace xbarsim
