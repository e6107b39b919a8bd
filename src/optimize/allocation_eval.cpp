// Scoring per-layer settings with a cache of layer outputs
// (include/xbarsim/optimize/allocation_eval.hpp).
#include "xbarsim/optimize/allocation_eval.hpp"

#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/analog_matrix.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/forward.hpp"

namespace xbarsim {

namespace {

std::vector<std::uint8_t> score(const Matrix& logits, const std::vector<int>& labels, Index first) {
  const std::vector<int> pred = argmax_columns(logits);
  std::vector<std::uint8_t> out(pred.size());
  for (std::size_t i = 0; i < pred.size(); ++i)
    out[i] = pred[i] == labels[static_cast<std::size_t>(first) + i] ? 1 : 0;
  return out;
}

}  // namespace

std::vector<std::uint8_t> float_correctness(const Network& net, const ScoredImages& images,
                                            int threads) {
  std::vector<std::uint8_t> out;
  const CrossbarProduct product = float_product(net, threads);
  for (Index b0 = 0; b0 < images.inputs.cols(); b0 += images.batch) {
    const Index n = std::min(images.batch, images.inputs.cols() - b0);
    const std::vector<std::uint8_t> s =
        score(forward(net, images.inputs.middleCols(b0, n), product), images.labels, b0);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::size_t AllocationEvaluator::Outputs::bytes() const {
  std::size_t b = static_cast<std::size_t>(calibration.size());
  for (const Matrix& m : batches) b += static_cast<std::size_t>(m.size());
  return b * sizeof(float);
}

AllocationEvaluator::AllocationEvaluator(const Network& net, const ActivationRanges& ranges,
                                         const ScoredImages& images, std::uint64_t seed,
                                         std::size_t cache_bytes)
    : net_(net), ranges_(ranges), images_(images), seed_(seed), cache_bytes_(cache_bytes) {
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].uses_crossbar()) crossbar_.push_back(static_cast<int>(i));
    recurrent_ = recurrent_ || net.layers[i].type == LayerType::kLstm;
  }
}

std::shared_ptr<const AllocationEvaluator::Outputs> AllocationEvaluator::find(const Key& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void AllocationEvaluator::insert(const Key& key, std::shared_ptr<const Outputs> value) {
  const std::size_t bytes = value->bytes();
  std::lock_guard<std::mutex> lock(mutex_);
  if (bytes > cache_bytes_ || map_.count(key)) return;
  while (held_ + bytes > cache_bytes_ && !lru_.empty()) {
    held_ -= lru_.back().second->bytes();
    map_.erase(lru_.back().first);
    lru_.pop_back();
  }
  lru_.emplace_front(key, std::move(value));
  map_[key] = lru_.begin();
  held_ += bytes;
}

std::int64_t AllocationEvaluator::layers_reused() const {
  return reused_;
}
std::int64_t AllocationEvaluator::layers_computed() const {
  return computed_;
}

std::vector<std::uint8_t> AllocationEvaluator::correctness(
    const std::vector<std::string>& layer_keys, const NetworkTileModels& models,
    std::uint64_t trial, int threads) {
  const std::size_t layers = crossbar_.size();
  if (layer_keys.size() != layers)
    throw Error("optimize: " + std::to_string(layer_keys.size()) + " layer settings for " +
                std::to_string(layers) + " crossbar layers");
  if (recurrent_) {
    AnalogNetwork analog(net_, models, ranges_, seed_, trial, threads);
    analog.calibrate(images_.calibration);
    std::vector<std::uint8_t> out;
    out.reserve(static_cast<std::size_t>(images_.inputs.cols()));
    for (Index b0 = 0; b0 < images_.inputs.cols(); b0 += images_.batch) {
      const Index n = std::min(images_.batch, images_.inputs.cols() - b0);
      const std::vector<std::uint8_t> s = score(
          forward(net_, images_.inputs.middleCols(b0, n), analog.product()), images_.labels, b0);
      out.insert(out.end(), s.begin(), s.end());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    computed_ += static_cast<std::int64_t>(layers);
    return out;
  }
  // The key of crossbar layer j's outputs: the trial and the settings of layers 0..j.
  std::vector<Key> keys(layers);
  Key prefix = "trial " + std::to_string(trial);
  for (std::size_t j = 0; j < layers; ++j) {
    prefix += "|" + layer_keys[j];
    keys[j] = prefix;
  }
  // The deepest run of cached layers from the first; the last layer is never cached (a
  // candidate that matches it everywhere is the same candidate).
  std::vector<std::shared_ptr<const Outputs>> cached;
  for (std::size_t j = 0; j + 1 < layers; ++j) {
    std::shared_ptr<const Outputs> o = find(keys[j]);
    if (!o) break;
    cached.push_back(std::move(o));
  }
  const std::size_t first = cached.size();
  std::vector<int> position(net_.layers.size(), -1);
  for (std::size_t j = 0; j < layers; ++j)
    position[static_cast<std::size_t>(crossbar_[j])] = static_cast<int>(j);
  std::vector<std::unique_ptr<AnalogMatrix>> matrices(layers);
  std::vector<std::shared_ptr<Outputs>> fresh(layers);
  for (std::size_t j = first; j < layers; ++j) {
    const Layer& l = net_.layers[static_cast<std::size_t>(crossbar_[j])];
    matrices[j] = std::make_unique<AnalogMatrix>(
        l.weight, models.of(l.name),
        StreamKey{seed_, static_cast<std::uint64_t>(crossbar_[j]), trial}, "layer '" + l.name + "'",
        threads);
    fresh[j] = std::make_shared<Outputs>();
  }
  // The calibration pass, as AnalogNetwork::calibrate makes it: each layer calibrates its ADC
  // on what the analog layers before it produce, then multiplies.
  forward(net_, images_.calibration, [&](int layer, const Matrix& x) -> Matrix {
    const auto j = static_cast<std::size_t>(position[static_cast<std::size_t>(layer)]);
    if (j < first) return cached[j]->calibration;
    const double range = ranges_.max_abs[static_cast<std::size_t>(layer)];
    matrices[j]->calibrate(x, range);
    Matrix y = matrices[j]->multiply(x, range);
    if (j + 1 < layers) fresh[j]->calibration = y;
    return y;
  });
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(images_.inputs.cols()));
  std::size_t batch_index = 0;
  for (Index b0 = 0; b0 < images_.inputs.cols(); b0 += images_.batch, ++batch_index) {
    const Index n = std::min(images_.batch, images_.inputs.cols() - b0);
    const Matrix logits =
        forward(net_, images_.inputs.middleCols(b0, n), [&](int layer, const Matrix& x) -> Matrix {
          const auto j = static_cast<std::size_t>(position[static_cast<std::size_t>(layer)]);
          if (j < first) return cached[j]->batches[batch_index];
          Matrix y = matrices[j]->multiply(x, ranges_.max_abs[static_cast<std::size_t>(layer)]);
          if (j + 1 < layers) fresh[j]->batches.push_back(y);
          return y;
        });
    const std::vector<std::uint8_t> s = score(logits, images_.labels, b0);
    out.insert(out.end(), s.begin(), s.end());
  }
  for (std::size_t j = first; j + 1 < layers; ++j) insert(keys[j], fresh[j]);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reused_ += static_cast<std::int64_t>(first);
    computed_ += static_cast<std::int64_t>(layers - first);
  }
  return out;
}

}  // namespace xbarsim
