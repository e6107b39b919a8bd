#pragma once
// Runs a network on a batch. Crossbar layers (dense, conv2d) go through a backend, which is
// what differs between the float, int8 and analog runs; every other layer runs digitally here.
#include <functional>

#include "xbarsim/nn/network.hpp"

namespace xbarsim {

// Computes weight * inputs (no bias) for crossbar layer `layer`; inputs are the layer's
// crossbar input vectors, one per column (im2col patches for a convolution, every token of
// every sample for a dense layer on a sequence, the hidden states of one time step for an
// LSTM, which calls it once per step).
using CrossbarProduct = std::function<Matrix(int layer, const MatrixView& inputs)>;

// inputs: (C H W) x B, already normalised. Returns logits (num_classes x B).
Matrix forward(const Network& net, const Matrix& inputs, const CrossbarProduct& product);

// Normalises raw [0,1] pixels with the model's input_mean / input_std.
Matrix normalise_inputs(const Network& net, const Matrix& pixels);

// im2col: (C_in K_h K_w) x (B H_out W_out), column b*(H_out W_out) + i*W_out + j.
Matrix im2col(const Matrix& x, const TensorShape& shape, const Window2d& w);

std::vector<int> argmax_columns(const Matrix& logits);

}  // namespace xbarsim
