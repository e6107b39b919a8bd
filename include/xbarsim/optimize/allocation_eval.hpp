#pragma once
// Scores one per-layer setting of a network, one Monte-Carlo trial at a time, reusing the
// analog outputs of layers that an earlier candidate computed with the same settings of every
// layer up to them (docs/optimizer.md#prefix-cache).
//
// Why the reuse is exact: a layer's programmed cells come from the streams of
// StreamKey{seed, layer, trial}, and its read and ADC noise from the same key and the count of
// its own reads; every candidate makes the same reads of a layer in the same order (its
// calibration read, its calibration pass, then the search batches in order). So the outputs
// of crossbar layer j depend only on the settings of layers 0..j (its input and its ADC
// calibration come from the layers before it), never on the layers after it.
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/network.hpp"

namespace xbarsim {

struct ScoredImages {
  Matrix calibration;       // normalised calibration inputs (in x C)
  Matrix inputs;            // normalised inputs scored (in x N)
  std::vector<int> labels;  // N
  Index batch = 256;        // images per forward pass: part of the result (noise streams)
};

// Per image, 1 when the network classifies it right.
std::vector<std::uint8_t> float_correctness(const Network& net, const ScoredImages& images,
                                            int threads);

class AllocationEvaluator {
 public:
  // cache_bytes: the most the cached layer outputs may hold; 0 turns the cache off.
  AllocationEvaluator(const Network& net, const ActivationRanges& ranges,
                      const ScoredImages& images, std::uint64_t seed, std::size_t cache_bytes);

  // `layer_keys[j]` names the setting of crossbar layer j (any text that differs exactly when
  // the setting differs); `models` gives each layer's tile. Thread-safe.
  std::vector<std::uint8_t> correctness(const std::vector<std::string>& layer_keys,
                                        const NetworkTileModels& models, std::uint64_t trial,
                                        int threads);

  // Layer passes served from the cache and computed, over all calls.
  std::int64_t layers_reused() const;
  std::int64_t layers_computed() const;

 private:
  struct Outputs {
    Matrix calibration;
    std::vector<Matrix> batches;
    std::size_t bytes() const;
  };
  using Key = std::string;
  std::shared_ptr<const Outputs> find(const Key& key);
  void insert(const Key& key, std::shared_ptr<const Outputs> value);

  const Network& net_;
  ActivationRanges ranges_;
  const ScoredImages& images_;
  std::uint64_t seed_;
  std::size_t cache_bytes_;
  std::vector<int> crossbar_;  // network layer index of each crossbar layer
  // A recurrent layer is called once per time step, so its outputs are not one matrix per
  // batch, and its ADC is calibrated on every step at once: such networks run uncached,
  // through AnalogNetwork, exactly as `xbarsim eval` runs them.
  bool recurrent_ = false;
  std::mutex mutex_;
  // LRU: most recent at the front.
  std::list<std::pair<Key, std::shared_ptr<const Outputs>>> lru_;
  std::map<Key, decltype(lru_)::iterator> map_;
  std::size_t held_ = 0;
  std::int64_t reused_ = 0, computed_ = 0;
};

}  // namespace xbarsim
