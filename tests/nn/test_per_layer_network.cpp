// A network whose layers run on tiles of their own (docs/architecture.md#per-layer): a layer
// set apart runs on its own tile models and no other layer notices.
#include <doctest/doctest.h>

#include <map>

#include "nn/nn_fixtures.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/nn/backends.hpp"

using namespace xbarsim;
using namespace xbarsim::nntest;

namespace {

// Output of every crossbar layer of one analog run: programmed with (seed 11, trial 0),
// ADC ranges calibrated on `calibration`, then run on `inputs`.
std::map<int, Matrix> layer_outputs(const Network& net, const std::vector<std::string>& sets,
                                    const Matrix& calibration, const Matrix& inputs) {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(source_data("arch/reram.yaml"), parse_overrides(sets), reg);
  const ActivationRanges ranges = calibrate_ranges(net, calibration, 1);
  AnalogNetwork analog(net, make_network_tile_models(arch, reg), ranges, /*seed=*/11,
                       /*trial=*/0, /*threads=*/1);
  analog.calibrate(calibration);
  const CrossbarProduct product = analog.product();
  std::map<int, Matrix> out;
  forward(net, inputs, [&](int layer, const MatrixView& x) {
    Matrix y = product(layer, x);
    out[layer] = y;
    return y;
  });
  return out;
}

}  // namespace

TEST_CASE("per-layer tiles: a layer set apart runs on its own tile, the others do not change") {
  const Network net = load_network(source_data("models/fmnist_mlp.h5"));
  const Matrix calibration =
      normalise_inputs(net, load_dataset("fashion-mnist", Split::kTrain, 64).images);
  const Matrix inputs =
      normalise_inputs(net, load_dataset("fashion-mnist", Split::kTest, 32).images);
  int fc1 = -1, fc2 = -1, fc3 = -1;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].name == "fc1") fc1 = static_cast<int>(i);
    if (net.layers[i].name == "fc2") fc2 = static_cast<int>(i);
    if (net.layers[i].name == "fc3") fc3 = static_cast<int>(i);
  }
  REQUIRE(fc1 >= 0);
  REQUIRE(fc2 >= 0);
  REQUIRE(fc3 >= 0);

  const auto base = layer_outputs(net, {}, calibration, inputs);
  // Every layer set apart with 4-bit ADCs is the architecture with 4-bit ADCs: the same
  // cells (same seeds), the same converters, bit for bit.
  const auto every = layer_outputs(
      net,
      {"layers.fc1.tile.adc.bits=4", "layers.fc2.tile.adc.bits=4", "layers.fc3.tile.adc.bits=4"},
      calibration, inputs);
  const auto global = layer_outputs(net, {"tile.adc.bits=4"}, calibration, inputs);
  for (int l : {fc1, fc2, fc3}) CHECK(every.at(l) == global.at(l));

  // fc2 alone: fc1 runs as before, bit for bit; fc2 does not (a 4-bit ADC on 256-row sums).
  const auto one = layer_outputs(net, {"layers.fc2.tile.adc.bits=4"}, calibration, inputs);
  CHECK(one.at(fc1) == base.at(fc1));
  CHECK(one.at(fc2) != base.at(fc2));
  // What fc2 computes depends on its own tile and its inputs only: setting fc3 apart as well
  // leaves fc2 as it was, and fc3 then differs from the run where it was not set apart.
  const auto two = layer_outputs(net, {"layers.fc2.tile.adc.bits=4", "layers.fc3.tile.adc.bits=4"},
                                 calibration, inputs);
  CHECK(two.at(fc1) == base.at(fc1));
  CHECK(two.at(fc2) == one.at(fc2));
  CHECK(two.at(fc3) != one.at(fc3));
}

TEST_CASE("per-layer tiles: a name that is no crossbar layer of the network is an error") {
  const Network net = load_network(source_data("models/fmnist_mlp.h5"));
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(source_data("arch/reram.yaml"),
                                    parse_overrides({"layers.fc9.tile.adc.bits=4"}), reg);
  const Matrix calibration =
      normalise_inputs(net, load_dataset("fashion-mnist", Split::kTrain, 8).images);
  const ActivationRanges ranges = calibrate_ranges(net, calibration, 1);
  try {
    AnalogNetwork analog(net, make_network_tile_models(arch, reg), ranges, 1, 0, 1);
    FAIL("a per-layer entry naming no layer was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "layers.fc9");
    CHECK(std::string(e.what()).find("fc1, fc2, fc3") != std::string::npos);
  }
}
