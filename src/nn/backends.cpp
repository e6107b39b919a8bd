#include "xbarsim/nn/backends.hpp"

#include <algorithm>
#include <cmath>

#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel_gemm.hpp"

namespace xbarsim {

ActivationRanges calibrate_ranges(const Network& net, const Matrix& inputs, int threads) {
  ActivationRanges r;
  r.max_abs.assign(net.layers.size(), 0.0);
  r.has_negative.assign(net.layers.size(), false);
  r.query_max_abs.assign(net.layers.size(), 0.0);
  // A recurrent layer is called once per time step: its range covers every step.
  forward(
      net, inputs,
      [&](int layer, const MatrixView& x) {
        r.max_abs[layer] =
            std::max({r.max_abs[layer], 1e-30, static_cast<double>(x.cwiseAbs().maxCoeff())});
        r.has_negative[layer] = r.has_negative[layer] || x.minCoeff() < 0;
        return parallel_product(net.layers[layer].weight, x, threads);
      },
      [&](int layer, AttentionProduct which, const std::vector<Matrix>& stationary,
          const std::vector<Matrix>& in) {
        if (which == AttentionProduct::kScores)
          for (const Matrix& q : in)
            r.query_max_abs[layer] = std::max(
                {r.query_max_abs[layer], 1e-30, static_cast<double>(q.cwiseAbs().maxCoeff())});
        return float_attention_products(stationary, in);
      });
  return r;
}

CrossbarProduct float_product(const Network& net, int threads) {
  return [&net, threads](int layer, const MatrixView& x) {
    return parallel_product(net.layers[layer].weight, x, threads);
  };
}

CrossbarProduct int8_product(const Network& net, const ActivationRanges& ranges, int threads) {
  struct Quantised {
    Matrix codes;
    double scale = 1;
  };
  auto weights = std::make_shared<std::vector<Quantised>>(net.layers.size());
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (!net.layers[i].uses_crossbar()) continue;
    const Matrix& w = net.layers[i].weight;
    const double max_abs = w.cwiseAbs().maxCoeff();
    Quantised& q = (*weights)[i];
    q.scale = max_abs > 0 ? max_abs / 127.0 : 1.0;
    q.codes = (w.array() / static_cast<float>(q.scale)).round().matrix();
  }
  return [weights, &ranges, threads](int layer, const MatrixView& x) {
    const bool is_signed = ranges.has_negative[layer];
    const double levels = is_signed ? 127.0 : 255.0;
    const double s_x = ranges.max_abs[layer] / levels;
    const float lo = is_signed ? -127.0f : 0.0f;
    const Matrix codes = (x.array() / static_cast<float>(s_x))
                             .round()
                             .max(lo)
                             .min(static_cast<float>(levels))
                             .matrix();
    const Quantised& q = (*weights)[layer];
    return Matrix(parallel_product(q.codes, codes, threads) * static_cast<float>(q.scale * s_x));
  };
}

std::vector<std::string> crossbar_layer_names(const Network& net) {
  std::vector<std::string> out;
  for (const Layer& l : net.layers)
    if (l.uses_crossbar()) out.push_back(l.name);
  return out;
}

AnalogNetwork::AnalogNetwork(const Network& net, const NetworkTileModels& models,
                             const ActivationRanges& ranges, std::uint64_t seed,
                             std::uint64_t trial, int threads)
    : net_(net), ranges_(ranges), layers_(net.layers.size()), counts_(net.layers.size()) {
  check_layer_names(models.layer_origins, crossbar_layer_names(net), net.name);
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (!l.uses_crossbar()) continue;
    layers_[i] = std::make_unique<AnalogMatrix>(
        l.weight, models.of(l.name), StreamKey{seed, i, trial}, "layer '" + l.name + "'", threads);
  }
  const bool has_attention = std::any_of(net.layers.begin(), net.layers.end(), [](const Layer& l) {
    return l.type == LayerType::kAttention;
  });
  if (has_attention && models.attention.products == AttentionProductsOn::kInMemory)
    attention_ = std::make_unique<AttentionArrays>(models.base, models.attention.adc_range, seed,
                                                   trial, threads);
}

AttentionProducts AnalogNetwork::attention_hook(bool calibrating) {
  if (!attention_) return {};
  return [this, calibrating](int layer, AttentionProduct which,
                             const std::vector<Matrix>& stationary,
                             const std::vector<Matrix>& inputs) {
    // Q is driven over its calibrated range; the attention weights lie in [0, 1].
    const double range = which == AttentionProduct::kScores ? ranges_.query_max_abs.at(layer) : 1.0;
    return attention_->multiply(layer, net_.layers[layer].name, which, stationary, inputs, range,
                                calibrating, calibrating ? nullptr : &counts_[layer]);
  };
}

AttentionProducts AnalogNetwork::attention_products() {
  return attention_hook(false);
}

void AnalogNetwork::calibrate(const Matrix& inputs) {
  // A recurrent layer meets a new input at every step, so one calibration per call would keep
  // only the last step's. Its inputs of all steps are gathered in a first pass (with the float
  // recurrence, as its own outputs are not calibrated yet) and it is calibrated once on them;
  // a second pass then calibrates every other layer on what the analog layers really produce.
  std::vector<std::vector<Matrix>> steps(net_.layers.size());
  bool recurrent = false;
  for (const Layer& l : net_.layers) recurrent = recurrent || l.type == LayerType::kLstm;
  if (recurrent) {
    forward(
        net_, inputs,
        [this, &steps](int layer, const MatrixView& x) {
          if (net_.layers[layer].type == LayerType::kLstm) {
            steps[layer].emplace_back(x);
            return Matrix(net_.layers[layer].weight * x);
          }
          layers_[layer]->calibrate(x, ranges_.max_abs[layer]);
          return layers_[layer]->multiply(x, ranges_.max_abs[layer]);
        },
        attention_hook(true));
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].empty()) continue;
      Matrix all(steps[i].front().rows(), steps[i].front().cols() * Index(steps[i].size()));
      for (std::size_t s = 0; s < steps[i].size(); ++s)
        all.middleCols(Index(s) * steps[i][s].cols(), steps[i][s].cols()) = steps[i][s];
      layers_[i]->calibrate(all, ranges_.max_abs[i]);
    }
  }
  forward(
      net_, inputs,
      [this](int layer, const MatrixView& x) {
        if (net_.layers[layer].type != LayerType::kLstm)
          layers_[layer]->calibrate(x, ranges_.max_abs[layer]);
        return layers_[layer]->multiply(x, ranges_.max_abs[layer]);
      },
      attention_hook(true));
}

CrossbarProduct AnalogNetwork::product() {
  return [this](int layer, const MatrixView& x) {
    return layers_[layer]->multiply(x, ranges_.max_abs[layer], &counts_[layer]);
  };
}

std::vector<LayerMapping> AnalogNetwork::mapping() const {
  std::vector<LayerMapping> out;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]) continue;
    const MappingPlan& p = layers_[i]->plan();
    LayerMapping m;
    m.name = net_.layers[i].name;
    m.type = to_string(net_.layers[i].type);
    m.crossbar_rows = p.inputs;
    m.crossbar_cols = p.outputs;
    m.arrays = p.arrays();
    double used = 0;
    for (Index cb = 0; cb < p.col_blocks; ++cb)
      used += static_cast<double>(p.physical_cols_in_block(cb));
    used *= static_cast<double>(p.inputs) * p.slices;
    m.utilization = used / (static_cast<double>(p.arrays()) * p.array_rows * p.array_cols);
    out.push_back(m);
  }
  return out;
}

}  // namespace xbarsim
