#include "xbarsim/nn/forward.hpp"

#include <limits>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

Matrix normalise_inputs(const Network& net, const Matrix& pixels) {
  if (pixels.rows() != net.input_shape.size())
    throw ShapeError("model '" + net.name + "' expects inputs of " + net.input_shape.str() + " = " +
                     std::to_string(net.input_shape.size()) +
                     " values per sample, but the dataset has " + std::to_string(pixels.rows()));
  return ((pixels.array() - static_cast<float>(net.input_mean)) / static_cast<float>(net.input_std))
      .matrix();
}

Matrix im2col(const Matrix& x, const TensorShape& s, const Window2d& w) {
  const Index oh = w.out_h(s.height), ow = w.out_w(s.width), batch = x.cols();
  const Index kk = w.kernel_h * w.kernel_w;
  Matrix cols = Matrix::Zero(s.channels * kk, batch * oh * ow);
  for (Index b = 0; b < batch; ++b) {
    const float* img = x.col(b).data();
    for (Index i = 0; i < oh; ++i)
      for (Index j = 0; j < ow; ++j) {
        float* dst = cols.col(b * oh * ow + i * ow + j).data();
        for (Index c = 0; c < s.channels; ++c)
          for (Index u = 0; u < w.kernel_h; ++u) {
            const Index y = i * w.stride_h + u - w.pad_h;
            if (y < 0 || y >= s.height) continue;  // zero padding
            for (Index v = 0; v < w.kernel_w; ++v) {
              const Index xx = j * w.stride_w + v - w.pad_w;
              if (xx < 0 || xx >= s.width) continue;
              dst[c * kk + u * w.kernel_w + v] = img[(c * s.height + y) * s.width + xx];
            }
          }
      }
  }
  return cols;
}

namespace {

// Conv output: (C_out) x (B HW) from the crossbar -> (C_out H W) x B activation layout.
Matrix conv_to_activations(const Matrix& y, Index batch, Index positions) {
  Matrix out(y.rows() * positions, batch);
  for (Index b = 0; b < batch; ++b)
    Eigen::Map<Matrix>(out.col(b).data(), positions, y.rows()) =
        y.middleCols(b * positions, positions).transpose();
  return out;
}

Matrix pool(const Matrix& x, const TensorShape& s, const Window2d& w, bool max_pool) {
  const Index oh = w.out_h(s.height), ow = w.out_w(s.width);
  Matrix out(s.channels * oh * ow, x.cols());
  const float divisor = static_cast<float>(w.kernel_h * w.kernel_w);
  for (Index b = 0; b < x.cols(); ++b) {
    const float* img = x.col(b).data();
    float* dst = out.col(b).data();
    for (Index c = 0; c < s.channels; ++c)
      for (Index i = 0; i < oh; ++i)
        for (Index j = 0; j < ow; ++j) {
          // Padded positions: -inf for max (never chosen), 0 for average (counted in the
          // divisor, PyTorch's count_include_pad=True).
          float acc = max_pool ? -std::numeric_limits<float>::infinity() : 0.0f;
          for (Index u = 0; u < w.kernel_h; ++u) {
            const Index y = i * w.stride_h + u - w.pad_h;
            if (y < 0 || y >= s.height) continue;
            for (Index v = 0; v < w.kernel_w; ++v) {
              const Index xx = j * w.stride_w + v - w.pad_w;
              if (xx < 0 || xx >= s.width) continue;
              const float val = img[(c * s.height + y) * s.width + xx];
              acc = max_pool ? std::max(acc, val) : acc + val;
            }
          }
          dst[(c * oh + i) * ow + j] = max_pool ? acc : acc / divisor;
        }
  }
  return out;
}

}  // namespace

Matrix forward(const Network& net, const Matrix& inputs, const CrossbarProduct& product) {
  std::vector<Matrix> acts(net.layers.size());
  // Free each activation once its last consumer has run: keeps memory flat for deep nets.
  std::vector<int> last_use(net.layers.size(), -1);
  for (std::size_t i = 0; i < net.layers.size(); ++i)
    for (int in : net.layers[i].inputs)
      if (in != kNetworkInput) last_use[in] = static_cast<int>(i);
  const Index batch = inputs.cols();
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const Matrix& x = l.inputs[0] == kNetworkInput ? inputs : acts[l.inputs[0]];
    const int li = static_cast<int>(i);
    switch (l.type) {
      case LayerType::kDense:
        acts[i] = product(li, x);
        acts[i].colwise() += l.bias;
        break;
      case LayerType::kConv2d: {
        const Index positions = l.out_shape.height * l.out_shape.width;
        Matrix y = product(li, im2col(x, l.in_shape, l.window));
        y.colwise() += l.bias;
        acts[i] = conv_to_activations(y, batch, positions);
        break;
      }
      case LayerType::kMaxPool2d:
      case LayerType::kAvgPool2d:
        acts[i] = pool(x, l.in_shape, l.window, l.type == LayerType::kMaxPool2d);
        break;
      case LayerType::kRelu:
        acts[i] = x.cwiseMax(0.0f);
        break;
      case LayerType::kFlatten:
        acts[i] = x;
        break;
      case LayerType::kAdd: {
        const Matrix& other = l.inputs[1] == kNetworkInput ? inputs : acts[l.inputs[1]];
        acts[i] = x + other;
        break;
      }
      case LayerType::kBatchNorm: {
        const Index per_channel = l.in_shape.height * l.in_shape.width;
        acts[i] = x;
        for (Index c = 0; c < l.in_shape.channels; ++c)
          acts[i].middleRows(c * per_channel, per_channel) =
              (acts[i].middleRows(c * per_channel, per_channel).array() * l.scale(c) + l.shift(c))
                  .matrix();
        break;
      }
    }
    for (int in : l.inputs)
      if (in != kNetworkInput && last_use[in] == li) acts[in] = Matrix();
  }
  return acts.back();
}

std::vector<int> argmax_columns(const Matrix& logits) {
  std::vector<int> out(static_cast<std::size_t>(logits.cols()));
  for (Index b = 0; b < logits.cols(); ++b) {
    Index best;
    logits.col(b).maxCoeff(&best);
    out[static_cast<std::size_t>(b)] = static_cast<int>(best);
  }
  return out;
}

}  // namespace xbarsim
