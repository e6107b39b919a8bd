#pragma once
// The shapes of a network's layers, without weights: what the system layer needs to count
// actions. Built from a model file (workload_from_network) or read from a workload YAML file
// (data/workloads/*.yaml, docs/workloads.md).
#include <string>
#include <vector>

#include "xbarsim/nn/network.hpp"

namespace xbarsim {

struct LayerWork {
  std::string name;
  LayerType type = LayerType::kRelu;
  std::vector<int> inputs;  // indices of earlier layers, or kNetworkInput
  TensorShape in_shape, out_shape;
  Window2d window;  // conv2d and pooling
  // Crossbar layers (dense, conv2d): the matrix on the crossbar has matrix_rows inputs
  // (C_in K_h K_w, or the dense input size) and matrix_cols outputs (C_out, or out size),
  // and is applied to vectors_per_sample vectors per sample (H_out W_out, or 1).
  Index matrix_rows = 0;
  Index matrix_cols = 0;
  Index vectors_per_sample = 0;
  // Attention (docs/transformers.md): heads; tokens already in the KV cache, which every new
  // token attends to as well and which are read from DRAM; whether the new keys and values are
  // written to the KV cache for later tokens.
  Index heads = 0;
  bool causal = false;
  Index cached_tokens = 0;
  bool store_kv = false;

  bool uses_crossbar() const {
    return type == LayerType::kDense || type == LayerType::kConv2d || type == LayerType::kLstm;
  }
  double macs_per_sample() const;
  // Digital operations per sample of the non-crossbar work of this layer (docs/energy_model.md
  // #digital-work): bias adds of crossbar layers, comparisons (max pool) or additions (avg
  // pool) over each window, one comparison per ReLU element, one addition per residual-add
  // element, and the per-element counts of the sequence layers.
  double digital_ops_per_sample() const;
  // Multiply-accumulates of products of two activations, which have no weights to keep in
  // memory and run digitally: Q K^T and A V of attention.
  double activation_macs_per_sample() const;
  // KV-cache values per sample read from and written to DRAM by an attention layer.
  double kv_cache_reads_per_sample() const;
  double kv_cache_writes_per_sample() const;
};

struct Workload {
  std::string name;
  std::string source;  // citation of the layer shapes, or the model file
  TensorShape input_shape;
  int num_classes = 0;
  std::vector<LayerWork> layers;
  double macs_per_sample() const;
  double weights() const;  // crossbar weights in total
};

Workload workload_from_network(const Network& net);

// Reads a workload YAML file; shapes are propagated and checked as for model files, and every
// error names the file and the layer.
Workload load_workload(const std::string& path);

}  // namespace xbarsim
