// Per-layer tile settings (docs/architecture.md#per-layer): the `layers:` section of an
// architecture and `--set layers.<name>.tile.<key>=...` give one layer its own tile, every
// value passes the same checks as the tile's own, and mistakes name layers.<name>.<key>.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "test_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/tile_models.hpp"

using namespace xbarsim;

namespace {

std::string shipped(const std::string& name) {
  return data_dir() + "/arch/" + name + ".yaml";
}

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The shipped ReRAM architecture with `extra` appended at the top level, in a temporary
// folder (its card paths resolve through the data folder).
std::string reram_with(const test::TempDir& dir, const std::string& extra) {
  return dir.write("reram_layers.yaml", text_of(shipped("reram")) + "\n" + extra);
}

std::string error_of(const std::string& path, const std::vector<std::string>& sets) {
  try {
    load_arch(path, parse_overrides(sets), builtin_registry());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("per-layer tile keys: the file's dotted and nested forms and --set agree") {
  const Registry& reg = builtin_registry();
  test::TempDir dir;
  const ArchConfig dotted =
      load_arch(reram_with(dir, "layers:\n  fc1: {tile.adc.bits: 5, tile.dac.bits: 2}\n"), {}, reg);
  const ArchConfig nested = load_arch(
      reram_with(dir, "layers:\n  fc1:\n    tile: {adc: {bits: 5}, dac: {bits: 2}}\n"), {}, reg);
  const ArchConfig set =
      load_arch(shipped("reram"),
                parse_overrides({"layers.fc1.tile.adc.bits=5", "layers.fc1.tile.dac.bits=2"}), reg);
  const ArchConfig plain = load_arch(shipped("reram"), {}, reg);
  const ArchConfig global =
      load_arch(shipped("reram"), parse_overrides({"tile.adc.bits=5", "tile.dac.bits=2"}), reg);
  for (const ArchConfig* a : {&dotted, &nested, &set}) {
    REQUIRE(a->layer_names() == std::vector<std::string>{"fc1"});
    // The layer's tile is the whole tile resolved with its keys: the same as setting them
    // for every layer.
    CHECK(YAML::Dump(a->for_layer("fc1").resolved["tile"]) == YAML::Dump(global.resolved["tile"]));
    // Every other layer, and the architecture's own tile, keep the file's values.
    CHECK(YAML::Dump(a->for_layer("conv1").resolved["tile"]) == YAML::Dump(plain.resolved["tile"]));
    CHECK(YAML::Dump(a->resolved["tile"]) == YAML::Dump(plain.resolved["tile"]));
    CHECK(make_tile_models(a->for_layer("fc1"), reg)->adc->bits() == 5);
    CHECK(make_tile_models(*a, reg)->adc->bits() == 8);
    // Provenance: the resolved tree records the layer's tile.
    CHECK(a->resolved["layers"]["fc1"]["tile"]["adc"]["bits"].as<int>() == 5);
  }
  CHECK(plain.layers.empty());
  CHECK(!plain.resolved["layers"]);
  // A --set of the layer's key wins over the file's, as for any key.
  const ArchConfig both = load_arch(reram_with(dir, "layers:\n  fc1: {tile.adc.bits: 5}\n"),
                                    parse_overrides({"layers.fc1.tile.adc.bits=7"}), reg);
  CHECK(make_tile_models(both.for_layer("fc1"), reg)->adc->bits() == 7);
  // Several layers, a card swap among them.
  const ArchConfig two = load_arch(
      shipped("reram"),
      parse_overrides({"layers.conv1.tile.adc.bits=6", "layers.fc2.tile.mapping.input_bits=4"}),
      reg);
  CHECK(two.layer_names() == std::vector<std::string>{"conv1", "fc2"});
  CHECK(two.for_layer("fc2").tile.mapping.input_bits == 4);
  CHECK(two.for_layer("conv1").tile.mapping.input_bits == 8);
}

TEST_CASE("per-layer tile keys: mistakes name the layer and the key") {
  const std::string reram = shipped("reram");
  test::TempDir dir;
  // Out of the key's declared range: the range, and the key under the layer.
  std::string e = error_of(reram, {"layers.fc1.tile.adc.bits=40"});
  CHECK(e.find("layers.fc1.tile.adc.bits") != std::string::npos);
  CHECK(e.find("out of range") != std::string::npos);
  CHECK(e.find("--set layers.fc1.tile.adc.bits=40") != std::string::npos);
  // From the file: the file is named.
  const std::string file = reram_with(dir, "layers:\n  fc1: {tile.adc.bits: 40}\n");
  e = error_of(file, {});
  CHECK(e.find(file) == 0);
  CHECK(e.find("layers.fc1.tile.adc.bits") != std::string::npos);
  // A key the ADC model does not have.
  e = error_of(reram, {"layers.fc1.tile.adc.volume=3"});
  CHECK(e.find("layers.fc1.tile.adc.volume") != std::string::npos);
  CHECK(e.find("unknown key") != std::string::npos);
  // A key of the tile that does not exist.
  e = error_of(reram, {"layers.fc1.tile.rowz=3"});
  CHECK(e.find("layers.fc1.tile.rowz") != std::string::npos);
  // Not a tile key: the chip is shared.
  e = error_of(reram, {"layers.fc1.chip.tiles=3"});
  CHECK(e.find("layers.fc1.chip.tiles") != std::string::npos);
  CHECK(e.find("only tile keys") != std::string::npos);
  // An empty entry or a section that is not a map.
  e = error_of(reram_with(dir, "layers:\n  fc1: 6\n"), {});
  CHECK(e.find("layers.fc1") != std::string::npos);
  CHECK(e.find("expected a map of tile keys") != std::string::npos);
  e = error_of(reram_with(dir, "layers: [fc1]\n"), {});
  CHECK(e.find("'layers'") != std::string::npos);
  // A cross-key check of the tile applies per layer too.
  e = error_of(reram, {"layers.fc1.tile.adc_shared_columns=3"});
  CHECK(e.find("layers.fc1.tile.adc_shared_columns") != std::string::npos);
  CHECK(e.find("does not divide") != std::string::npos);
}

TEST_CASE("per-layer tile keys: layer names are checked against the network") {
  CHECK_NOTHROW(check_layer_names({{"fc1", "a.yaml"}}, {"conv1", "fc1"}, "net"));
  try {
    check_layer_names({{"fc1", "a.yaml"}, {"fc9", "b.yaml"}}, {"conv1", "fc1"}, "net");
    FAIL("an unknown layer name was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "layers.fc9");
    CHECK(e.file() == "b.yaml");
    CHECK(std::string(e.what()).find("conv1, fc1") != std::string::npos);
  }
}
