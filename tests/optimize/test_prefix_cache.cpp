// The layer-output cache of the optimizer is exact: a candidate scored from cached layers gives
// the same answers, image by image, as the network run afresh through AnalogNetwork.
#include <doctest/doctest.h>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/forward.hpp"
#include "xbarsim/optimize/allocation_eval.hpp"

namespace xbarsim {

namespace {

std::string source_data(const std::string& rel) {
  return std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/" + rel;
}

// The reference: AnalogNetwork, calibrated then run batch by batch as `xbarsim eval` runs it.
std::vector<std::uint8_t> reference(const Network& net, const NetworkTileModels& models,
                                    const ActivationRanges& ranges, const ScoredImages& images,
                                    std::uint64_t seed, std::uint64_t trial) {
  AnalogNetwork analog(net, models, ranges, seed, trial, 1);
  analog.calibrate(images.calibration);
  std::vector<std::uint8_t> out;
  for (Index b0 = 0; b0 < images.inputs.cols(); b0 += images.batch) {
    const Index n = std::min(images.batch, images.inputs.cols() - b0);
    const std::vector<int> pred =
        argmax_columns(forward(net, images.inputs.middleCols(b0, n), analog.product()));
    for (Index i = 0; i < n; ++i)
      out.push_back(pred[static_cast<std::size_t>(i)] ==
                    images.labels[static_cast<std::size_t>(b0 + i)]);
  }
  return out;
}

// The first 96 training images: 32 to calibrate on, 64 scored in batches of 24 (the last
// batch is short, as it may be in a real run).
ScoredImages first_training_images(const Network& net) {
  const Dataset train = load_dataset("fashion-mnist:train", Split::kTrain, 96);
  const Matrix all = normalise_inputs(net, train.images);
  return {all.leftCols(32), all.rightCols(64),
          std::vector<int>(train.labels.begin() + 32, train.labels.end()), 24};
}

}  // namespace

TEST_CASE("prefix cache: cached layers give the answers of a fresh AnalogNetwork") {
  const Registry& registry = builtin_registry();
  const Network net = load_network(source_data("models/fmnist_mlp.h5"));
  const ScoredImages images = first_training_images(net);
  const ActivationRanges ranges = calibrate_ranges(net, images.calibration, 1);
  const std::string arch = source_data("arch/sram.yaml");
  // Settings that share ever shorter prefixes with the first (fc1, fc2, fc3 ADC bits).
  const std::vector<std::vector<int>> settings = {{6, 6, 6}, {6, 6, 4}, {6, 4, 6},
                                                  {4, 6, 6}, {6, 6, 6}, {6, 4, 4}};
  AllocationEvaluator cached(net, ranges, images, 7, std::size_t{1} << 30);
  AllocationEvaluator uncached(net, ranges, images, 7, 0);
  const std::vector<std::string> names = crossbar_layer_names(net);
  REQUIRE(names.size() == 3);
  for (std::uint64_t trial = 0; trial < 2; ++trial)
    for (const std::vector<int>& s : settings) {
      std::vector<Override> ov;
      std::vector<std::string> keys;
      for (std::size_t l = 0; l < names.size(); ++l) {
        ov.push_back({"layers." + names[l] + ".tile.adc.bits", std::to_string(s[l])});
        keys.push_back(std::to_string(s[l]));
      }
      const NetworkTileModels models =
          make_network_tile_models(load_arch(arch, ov, registry), registry);
      const std::vector<std::uint8_t> want = reference(net, models, ranges, images, 7, trial);
      CAPTURE(trial);
      CAPTURE(keys[0] + keys[1] + keys[2]);
      CHECK(cached.correctness(keys, models, trial, 1) == want);
      CHECK(uncached.correctness(keys, models, trial, 2) == want);
    }
  // Every candidate after the first of a trial reused its shared prefix: layers 0..j-1 when
  // the first difference from an earlier candidate is at layer j.
  CHECK(cached.layers_reused() > 0);
  CHECK(uncached.layers_reused() == 0);
  CHECK(cached.layers_reused() + cached.layers_computed() ==
        uncached.layers_reused() + uncached.layers_computed());
}

TEST_CASE("an LSTM is scored as eval runs it: every step's range, no per-step cache") {
  // The recurrent matrix is called once per time step: its ADC range must come from every
  // step of the calibration batch, and its outputs are not one matrix per batch. The
  // evaluator, cache on or off, must give AnalogNetwork's answers image by image.
  const Registry& registry = builtin_registry();
  const Network net = load_network(source_data("models/fmnist_lstm.h5"));
  const ScoredImages images = first_training_images(net);
  const ActivationRanges ranges = calibrate_ranges(net, images.calibration, 1);
  const std::vector<std::string> names = crossbar_layer_names(net);
  AllocationEvaluator cached(net, ranges, images, 5, std::size_t{1} << 30);
  for (const int last_bits : {6, 3}) {
    std::vector<Override> ov;
    std::vector<std::string> keys;
    for (std::size_t l = 0; l < names.size(); ++l) {
      const int bits = l + 1 == names.size() ? last_bits : 6;
      ov.push_back({"layers." + names[l] + ".tile.adc.bits", std::to_string(bits)});
      keys.push_back(std::to_string(bits));
    }
    const NetworkTileModels models =
        make_network_tile_models(load_arch(source_data("arch/sram.yaml"), ov, registry), registry);
    CAPTURE(last_bits);
    CHECK(cached.correctness(keys, models, 0, 2) == reference(net, models, ranges, images, 5, 0));
  }
  CHECK(cached.layers_reused() == 0);
}

}  // namespace xbarsim
