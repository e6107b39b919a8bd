// Energy, latency and area with per-layer tiles (docs/architecture.md#per-layer): a layer set
// apart is priced exactly as if its tile were the whole chip's, every other layer exactly as
// before, and the chip's area mixes the two kinds of tile in proportion to the tiles used.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <tuple>

#include "system/system_fixtures.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/system/analog_system.hpp"

using namespace xbarsim;

namespace {

using Key = std::tuple<std::string, std::string, std::string>;  // layer, component, action

std::map<Key, ActionLine> lines_of(const SystemReport& r) {
  std::map<Key, ActionLine> out;
  for (const ActionLine& a : r.actions) {
    ActionLine& l = out[{a.layer, a.component, a.action}];
    l.count += a.count;
    l.energy_per_action_j = a.energy_per_action_j;
  }
  return out;
}

double area_of(const SystemReport& r, const std::string& component) {
  double a = 0;
  for (const AreaLine& l : r.area)
    if (l.component == component) a += l.area_m2();
  return a;
}

SystemReport estimate(const Workload& w, const std::vector<std::string>& sets) {
  const Registry& reg = builtin_registry();
  return estimate_analog(w, load_arch(test::arch_path("reram"), parse_overrides(sets), reg), reg,
                         /*batch=*/4);
}

}  // namespace

TEST_CASE("per-layer tiles: each layer is priced on its own tile, the chip area mixes them") {
  const Workload w = workload_from_network(
      load_network(std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/models/fmnist_cnn.h5"));
  const SystemReport base = estimate(w, {});
  const SystemReport global = estimate(w, {"tile.adc.bits=4"});
  const SystemReport one = estimate(w, {"layers.fc1.tile.adc.bits=4"});
  const auto b = lines_of(base), g = lines_of(global), o = lines_of(one);
  REQUIRE(o.size() == b.size());
  bool adc_differs = false;
  for (const auto& [key, line] : o) {
    const auto& expected = std::get<0>(key) == "fc1" ? g.at(key) : b.at(key);
    CAPTURE(std::get<0>(key));
    CAPTURE(std::get<1>(key));
    CHECK(line.count == expected.count);
    CHECK(line.energy_per_action_j == expected.energy_per_action_j);
    if (std::get<0>(key) == "fc1" && std::get<1>(key) == "adc")
      adc_differs = line.energy_per_action_j != b.at(key).energy_per_action_j;
  }
  CHECK(adc_differs);  // the 4-bit conversion is cheaper: the setting took effect
  // fc1 is 1568 x 128 on 128 x 128 arrays in differential pairs with 8-bit weights in 2-bit
  // cells: 13 row blocks x 2 column blocks x 4 slices = 104 arrays, 13 tiles of 8 arrays, of
  // the chip's 64. Its 13 tiles carry the 4-bit ADCs, the other 51 the 8-bit ones.
  const double share = 13.0 / 64.0;
  const double expected_adc = (1 - share) * area_of(base, "adc") + share * area_of(global, "adc");
  CHECK(area_of(one, "adc") == doctest::Approx(expected_adc).epsilon(1e-12));
  CHECK(area_of(one, "cell") == doctest::Approx(area_of(base, "cell")).epsilon(1e-12));
  // Peak power: 51 tiles of one kind, 13 of the other, the chip-level parts once; the same
  // mix of the two uniform chips, whose chip-level parts are equal.
  CHECK(one.peak_power_per_chip_w() == doctest::Approx((1 - share) * base.peak_power_per_chip_w() +
                                                       share * global.peak_power_per_chip_w())
                                           .epsilon(1e-12));
}

TEST_CASE("per-layer tiles: the energy model refuses what it cannot price") {
  const Workload w = workload_from_network(
      load_network(std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/models/fmnist_cnn.h5"));
  try {
    estimate(w, {"layers.fc7.tile.adc.bits=4"});
    FAIL("a layer name the workload does not have was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "layers.fc7");
    CHECK(std::string(e.what()).find("conv1, conv2, fc1, fc2") != std::string::npos);
  }
  // A network that needs several passes reprograms its tiles, which cannot change their
  // converters: per-layer tiles need it on the chip at once.
  try {
    estimate(w, {"chip.tiles=4", "layers.fc1.tile.adc.bits=4"});
    FAIL("per-layer tiles on a multi-pass chip were accepted");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "layers");
    CHECK(std::string(e.what()).find("chip.tiles") != std::string::npos);
  }
}
