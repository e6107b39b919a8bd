#include "xbarsim/nn/forward.hpp"

#include <cmath>
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

namespace {

// The per-sample data of a (rows x batch) activation seen as (n x rows*batch/n): the vectors
// of length n that a per-token or per-last-axis operation acts on, without a copy.
Eigen::Map<const Matrix> vectors_of(const Matrix& x, Index n) {
  return {x.data(), n, x.size() / n};
}

Matrix layer_norm(const Matrix& x, const Layer& l) {
  const Index d = l.in_shape.last_axis();
  const auto v = vectors_of(x, d);
  const Eigen::RowVectorXf mean = v.colwise().mean();
  Matrix centered = v.rowwise() - mean;
  const Eigen::RowVectorXf inv_std =
      ((centered.array().square().colwise().sum() / static_cast<float>(d)) +
       static_cast<float>(l.eps))
          .rsqrt()
          .matrix();
  centered = centered * inv_std.asDiagonal();
  centered = ((centered.array().colwise() * l.scale.array()).colwise() + l.shift.array()).matrix();
  centered.resize(x.rows(), x.cols());  // same element count: the data is kept
  return centered;
}

Matrix softmax(const Matrix& x, Index n) {
  Matrix y = vectors_of(x, n);
  const Eigen::RowVectorXf max = y.colwise().maxCoeff();
  y = (y.rowwise() - max).array().exp().matrix();
  const Eigen::RowVectorXf sum = y.colwise().sum();
  y = y * sum.cwiseInverse().asDiagonal();
  y.resize(x.rows(), x.cols());
  return y;
}

Matrix gelu(const Matrix& x, bool tanh_form) {
  if (tanh_form) {
    // Hendrycks & Gimpel (2016), eq. for the tanh approximation; PyTorch's approximate='tanh'.
    const float k = static_cast<float>(std::sqrt(2.0 / std::acos(-1.0)));
    constexpr float kCubic = 0.044715f;
    return (0.5f * x.array() * (1.0f + (k * (x.array() + kCubic * x.array().cube())).tanh()))
        .matrix();
  }
  const float inv_sqrt2 = static_cast<float>(1.0 / std::sqrt(2.0));
  return x.unaryExpr([inv_sqrt2](float v) { return 0.5f * v * (1.0f + std::erf(v * inv_sqrt2)); });
}

Matrix sigmoid(const Matrix& x) {
  return (1.0f / (1.0f + (-x.array()).exp())).matrix();
}

Matrix to_tokens(const Matrix& x, const TensorShape& s) {
  const Index positions = s.height * s.width;
  Matrix out(x.rows(), x.cols());
  for (Index b = 0; b < x.cols(); ++b)
    Eigen::Map<Matrix>(out.col(b).data(), s.channels, positions) =
        Eigen::Map<const Matrix>(x.col(b).data(), positions, s.channels).transpose();
  return out;
}

Matrix embedding(const Matrix& ids, const Layer& l) {
  const Index d = l.table.rows(), vocab = l.table.cols(), t = l.in_shape.channels;
  Matrix out(t * d, ids.cols());
  for (Index b = 0; b < ids.cols(); ++b)
    for (Index i = 0; i < t; ++i) {
      const float id = ids(i, b);
      if (!(id >= 0 && id < static_cast<float>(vocab)) || id != std::floor(id))
        throw ShapeError("layer '" + l.name + "' (embedding): input " + std::to_string(i) +
                         " of sample " + std::to_string(b) + " is " + std::to_string(id) +
                         ", not a token id in [0, " + std::to_string(vocab) + ")");
      out.block(i * d, b, d, 1) = l.table.col(static_cast<Index>(id));
    }
  return out;
}

// Softmax down each column of scaled scores (keys x queries), with the causal mask: query i
// sees keys 0..i.
void attention_weights(Matrix& scores, float scale, bool causal) {
  scores *= scale;
  const Index t = scores.rows();
  if (causal)
    for (Index i = 0; i < scores.cols() && i + 1 < t; ++i)
      scores.col(i).tail(t - i - 1).setConstant(-std::numeric_limits<float>::infinity());
  const Eigen::RowVectorXf max = scores.colwise().maxCoeff();
  scores = (scores.rowwise() - max).array().exp().matrix();
  const Eigen::RowVectorXf sum = scores.colwise().sum();
  scores = scores * sum.cwiseInverse().asDiagonal();
}

// Multi-head scaled dot-product attention (docs/model_format.md#attention). The two products
// of activations per head are small (T x d by d x T) and differ for every sample: they are
// gathered for the whole batch and handed to `products` at once (each its own array when they
// run in memory), the softmax between them runs digitally.
Matrix attention(const Matrix& q, const Matrix& k, const Matrix& v, const Layer& l, int li,
                 const AttentionProducts& products) {
  const Index t = l.in_shape.channels, dm = l.in_shape.width, d = dm / l.heads;
  const Index batch = q.cols(), items = batch * l.heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  auto multiply = [&](AttentionProduct which, const std::vector<Matrix>& stationary,
                      const std::vector<Matrix>& inputs) {
    return products ? products(li, which, stationary, inputs)
                    : float_attention_products(stationary, inputs);
  };
  std::vector<Matrix> stationary(static_cast<std::size_t>(items)),
      inputs(static_cast<std::size_t>(items));
  for (Index b = 0; b < batch; ++b) {
    const Eigen::Map<const Matrix> qm(q.col(b).data(), dm, t), km(k.col(b).data(), dm, t);
    for (Index h = 0; h < l.heads; ++h) {
      const auto i = static_cast<std::size_t>(b * l.heads + h);
      stationary[i] = km.middleRows(h * d, d).transpose();
      inputs[i] = qm.middleRows(h * d, d);
    }
  }
  // scores(s, i): key s against query i, so that each query's softmax runs down a column.
  std::vector<Matrix> scores = multiply(AttentionProduct::kScores, stationary, inputs);
  for (Index b = 0; b < batch; ++b) {
    const Eigen::Map<const Matrix> vm(v.col(b).data(), dm, t);
    for (Index h = 0; h < l.heads; ++h) {
      const auto i = static_cast<std::size_t>(b * l.heads + h);
      attention_weights(scores[i], scale, l.causal);
      stationary[i] = vm.middleRows(h * d, d);
    }
  }
  const std::vector<Matrix> mixed = multiply(AttentionProduct::kMix, stationary, scores);
  Matrix out(q.rows(), batch);
  for (Index b = 0; b < batch; ++b) {
    Eigen::Map<Matrix> om(out.col(b).data(), dm, t);
    for (Index h = 0; h < l.heads; ++h)
      om.middleRows(h * d, d) = mixed[static_cast<std::size_t>(b * l.heads + h)];
  }
  return out;
}

// One LSTM layer (docs/model_format.md#lstm): x holds the gate pre-activations W_ih x_t + b_ih
// of every step; the recurrent product runs on the crossbar once per step for the whole batch.
Matrix lstm(const Matrix& x, const Layer& l, int li, const CrossbarProduct& product) {
  const Index steps = l.in_shape.channels, hidden = l.out_shape.width, batch = x.cols();
  Matrix h = Matrix::Zero(hidden, batch), c = Matrix::Zero(hidden, batch);
  Matrix out(steps * hidden, batch);
  for (Index s = 0; s < steps; ++s) {
    Matrix g = product(li, h);
    g += x.middleRows(s * 4 * hidden, 4 * hidden);
    g.colwise() += l.bias;
    const Matrix i = sigmoid(g.topRows(hidden));
    const Matrix f = sigmoid(g.middleRows(hidden, hidden));
    const Matrix cand = g.middleRows(2 * hidden, hidden).array().tanh().matrix();
    const Matrix o = sigmoid(g.bottomRows(hidden));
    c = (f.array() * c.array() + i.array() * cand.array()).matrix();
    h = (o.array() * c.array().tanh()).matrix();
    out.middleRows(s * hidden, hidden) = h;
  }
  return out;
}

}  // namespace

std::vector<Matrix> float_attention_products(const std::vector<Matrix>& stationary,
                                             const std::vector<Matrix>& inputs) {
  std::vector<Matrix> out(stationary.size());
  for (std::size_t i = 0; i < stationary.size(); ++i) out[i].noalias() = stationary[i] * inputs[i];
  return out;
}

Matrix forward(const Network& net, const Matrix& inputs, const CrossbarProduct& product,
               const AttentionProducts& attention_products) {
  std::vector<Matrix> acts(net.layers.size());
  // Free each activation once its last consumer has run: keeps memory flat for deep nets.
  std::vector<int> last_use(net.layers.size(), -1);
  for (std::size_t i = 0; i < net.layers.size(); ++i)
    for (int in : net.layers[i].inputs)
      if (in != kNetworkInput) last_use[in] = static_cast<int>(i);
  const Index batch = inputs.cols();
  auto input = [&](int k) -> const Matrix& {
    return k == kNetworkInput ? inputs : acts[static_cast<std::size_t>(k)];
  };
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const Matrix& x = input(l.inputs[0]);
    const int li = static_cast<int>(i);
    switch (l.type) {
      case LayerType::kDense: {
        // On a sequence every token is one crossbar input vector: the batch's data seen as
        // features x (tokens * batch), no copy.
        const Index features = l.in_shape.last_axis();
        acts[i] = product(li, vectors_of(x, features));
        acts[i].colwise() += l.bias;
        acts[i].resize(l.out_shape.size(), batch);
        break;
      }
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
      case LayerType::kReshape:
        acts[i] = x;
        break;
      case LayerType::kAdd:
        acts[i] = x + input(l.inputs[1]);
        break;
      case LayerType::kToTokens:
        acts[i] = to_tokens(x, l.in_shape);
        break;
      case LayerType::kPrependToken: {
        const Index d = l.in_shape.width;
        acts[i].resize(l.out_shape.size(), batch);
        acts[i].topRows(d) = l.table.col(0).replicate(1, batch);
        acts[i].bottomRows(x.rows()) = x;
        break;
      }
      case LayerType::kAddConstant:
        acts[i] = x.colwise() + l.table.col(0);
        break;
      case LayerType::kEmbedding:
        acts[i] = embedding(x, l);
        break;
      case LayerType::kLayerNorm:
        acts[i] = layer_norm(x, l);
        break;
      case LayerType::kGelu:
        acts[i] = gelu(x, l.gelu_tanh);
        break;
      case LayerType::kSigmoid:
        acts[i] = sigmoid(x);
        break;
      case LayerType::kTanh:
        acts[i] = x.array().tanh().matrix();
        break;
      case LayerType::kSoftmax:
        acts[i] = softmax(x, l.in_shape.last_axis());
        break;
      case LayerType::kSelectToken:
        acts[i] = x.middleRows(l.token_index * l.in_shape.width, l.in_shape.width);
        break;
      case LayerType::kTokenMean: {
        const Index d = l.in_shape.width, t = l.in_shape.channels;
        acts[i] = Matrix::Zero(d, batch);
        for (Index s = 0; s < t; ++s) acts[i] += x.middleRows(s * d, d);
        acts[i] /= static_cast<float>(t);
        break;
      }
      case LayerType::kAttention:
        acts[i] = attention(x, input(l.inputs[1]), input(l.inputs[2]), l, li, attention_products);
        break;
      case LayerType::kLstm:
        acts[i] = lstm(x, l, li, product);
        break;
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
