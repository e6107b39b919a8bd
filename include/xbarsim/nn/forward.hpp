#pragma once
// Runs a network on a batch. Crossbar layers (dense, conv2d) go through a backend, which is
// what differs between the float, int8 and analog runs; every other layer runs digitally here.
#include <functional>
#include <vector>

#include "xbarsim/nn/network.hpp"

namespace xbarsim {

// Computes weight * inputs (no bias) for crossbar layer `layer`; inputs are the layer's
// crossbar input vectors, one per column (im2col patches for a convolution, every token of
// every sample for a dense layer on a sequence, the hidden states of one time step for an
// LSTM, which calls it once per step).
using CrossbarProduct = std::function<Matrix(int layer, const MatrixView& inputs)>;

// Attention's two products of activations for every sample and head of a batch at once
// (docs/transformers.md#attention-on-rewritable-arrays); item i is sample i / heads, head
// i % heads. kScores: stationary[i] = K_h (tokens x d, one key per row), inputs[i] = Q_h
// (d x tokens); kMix: stationary[i] = V_h (d x tokens), inputs[i] = A_h (tokens x tokens, one
// query's attention weights per column). Returns stationary[i] * inputs[i] for every i.
enum class AttentionProduct { kScores = 0, kMix = 1 };
using AttentionProducts = std::function<std::vector<Matrix>(int layer, AttentionProduct which,
                                                            const std::vector<Matrix>& stationary,
                                                            const std::vector<Matrix>& inputs)>;
// The exact products, in float32: what runs when no AttentionProducts is given.
std::vector<Matrix> float_attention_products(const std::vector<Matrix>& stationary,
                                             const std::vector<Matrix>& inputs);

// inputs: (C H W) x B, already normalised. Returns logits (num_classes x B). `attention`, when
// given, computes attention's products of activations; else they are exact.
Matrix forward(const Network& net, const Matrix& inputs, const CrossbarProduct& product,
               const AttentionProducts& attention = {});

// Normalises raw [0,1] pixels with the model's input_mean / input_std.
Matrix normalise_inputs(const Network& net, const Matrix& pixels);

// im2col: (C_in K_h K_w) x (B H_out W_out), column b*(H_out W_out) + i*W_out + j.
Matrix im2col(const Matrix& x, const TensorShape& shape, const Window2d& w);

std::vector<int> argmax_columns(const Matrix& logits);

}  // namespace xbarsim
