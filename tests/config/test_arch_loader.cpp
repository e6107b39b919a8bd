// Strict loading of architecture files, cards and --set overrides (src/config/arch_loader.cpp):
// the shipped architectures resolve to the values their files and cards state; overrides reach
// every declared key; every mistake is a ConfigError naming the file (or the --set) and the key.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/config/sections.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/device/device_model.hpp"
#include "xbarsim/engine/tile_models.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;

#define CHECK_CONTAINS(text, part)                                 \
  CHECK_MESSAGE(std::string(text).find(part) != std::string::npos, \
                "expected \"" << (part) << "\" in: " << (text))

std::string fixture(const std::string& name) {
  return (fs::path(XBARSIM_TEST_DATA_DIR) / "config" / name).string();
}
std::string shipped_arch(const std::string& name) {
  return (fs::path(data_dir()) / "arch" / (name + ".yaml")).string();
}

ArchConfig load(const std::string& path, const std::vector<std::string>& sets = {}) {
  return load_arch(path, parse_overrides(sets), builtin_registry());
}

// The message of the ConfigError `f` throws. Any other exception escapes and fails the test.
template <class F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("expected a ConfigError, but nothing was thrown");
  return {};
}

std::string load_error(const std::string& path, const std::vector<std::string>& sets = {}) {
  return config_error([&] { load(path, sets); });
}

// A number as a user would type it, exact enough to round-trip a double.
std::string text_of(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

// Does the YAML scalar `node` (as written in a card or an architecture file) denote `value`?
bool same_value(const ParamSpec& spec, const YAML::Node& node, const ParamValue& value) {
  switch (spec.type) {
    case ParamType::kReal: {
      const double* v = std::get_if<double>(&value);
      return v && *v == node.as<double>();
    }
    case ParamType::kInteger: {
      const std::int64_t* v = std::get_if<std::int64_t>(&value);
      return v && *v == node.as<std::int64_t>();
    }
    case ParamType::kBoolean: {
      const bool* v = std::get_if<bool>(&value);
      return v && *v == node.as<bool>();
    }
    case ParamType::kChoice:
    case ParamType::kText: {
      const std::string* v = std::get_if<std::string>(&value);
      return v && *v == node.as<std::string>();
    }
  }
  return false;
}

// The value a user means by typing `text` for parameter `spec`.
ParamValue typed(const ParamSpec& spec, const std::string& text) {
  switch (spec.type) {
    case ParamType::kReal:
      return std::stod(text);
    case ParamType::kInteger:
      return static_cast<std::int64_t>(std::stoll(text));
    case ParamType::kBoolean:
      return text == "true";
    case ParamType::kChoice:
    case ParamType::kText:
      return text;
  }
  return text;
}

ModelKind kind_of_slot(const std::string& slot) {
  if (slot == "device") return ModelKind::kDevice;
  if (slot == "dac") return ModelKind::kDac;
  return ModelKind::kAdc;
}

const ComponentConfig& component(const ArchConfig& arch, const std::string& slot) {
  if (slot == "device") return arch.tile.device;
  if (slot == "dac") return arch.tile.dac;
  return arch.tile.adc;
}

const std::vector<std::string> kShippedArchs = {"ideal", "reram", "sram"};
const std::vector<std::string> kSlots = {"device", "dac", "adc"};

TEST_CASE("every shipped architecture loads and resolves to what its file and cards say") {
  const Registry& registry = builtin_registry();
  for (const std::string& name : kShippedArchs) {
    CAPTURE(name);
    const std::string path = shipped_arch(name);
    const YAML::Node raw = YAML::LoadFile(path);
    const ArchConfig arch = load(path);
    CHECK(arch.file == path);
    CHECK(arch.name == raw["name"].as<std::string>());
    CHECK(arch.description == raw["description"].as<std::string>());
    CHECK(arch.tile.rows == raw["tile"]["rows"].as<std::int64_t>());
    CHECK(arch.tile.cols == raw["tile"]["cols"].as<std::int64_t>());

    const YAML::Node& resolved = arch.resolved;
    REQUIRE(resolved["tile"].IsMap());
    CHECK(resolved["name"].as<std::string>() == arch.name);
    CHECK(resolved["tile"]["rows"].as<std::int64_t>() == arch.tile.rows);
    CHECK(resolved["tile"]["cols"].as<std::int64_t>() == arch.tile.cols);

    for (const std::string& slot : kSlots) {
      CAPTURE(slot);
      const ComponentConfig& c = component(arch, slot);
      const fs::path card_file =
          fs::path(data_dir()) / "cards" / raw["tile"][slot]["card"].as<std::string>();
      REQUIRE(fs::exists(c.card_path));
      CHECK(fs::equivalent(c.card_path, card_file));
      const YAML::Node card = YAML::LoadFile(card_file.string());
      CHECK(c.model == card["model"].as<std::string>());
      const ModelSpec& spec = registry.spec(c.model);
      CHECK(spec.kind == kind_of_slot(slot));

      const YAML::Node tree = resolved["tile"][slot];
      REQUIRE(tree.IsMap());
      CHECK(tree["model"].as<std::string>() == c.model);
      CHECK(fs::equivalent(tree["card"].as<std::string>(), card_file));
      // Every declared parameter is resolved, in the ParamSet and in the tree, with its type.
      for (const ParamSpec& p : spec.params) {
        CAPTURE(p.key);
        REQUIRE(c.params.has(p.key));
        REQUIRE(tree[p.key].IsScalar());
        CHECK(same_value(p, tree[p.key], c.params.values().at(p.key)));
      }
      // Card values win over the model's defaults (and the architecture file's over both).
      for (const auto& kv : card["parameters"]) {
        const std::string key = kv.first.as<std::string>();
        CAPTURE(key);
        if (raw["tile"][slot][key].IsDefined()) {
          CHECK(same_value(*spec.find(key), raw["tile"][slot][key], c.params.values().at(key)));
          continue;
        }
        const ParamSpec* p = spec.find(key);
        REQUIRE(p != nullptr);
        CHECK(same_value(*p, kv.second["value"], c.params.values().at(key)));
      }
    }

    // Mapping: what the file says, declared defaults for the rest.
    const ModelSpec& mapping_spec = registry.spec(kMappingSection);
    const YAML::Node raw_mapping = raw["tile"]["mapping"];
    for (const ParamSpec& p : mapping_spec.params) {
      CAPTURE(p.key);
      const YAML::Node got = resolved["tile"]["mapping"][p.key];
      REQUIRE(got.IsScalar());
      if (raw_mapping[p.key])
        CHECK(got.as<std::string>() == raw_mapping[p.key].as<std::string>());
      else
        CHECK(same_value(p, got, *p.default_value));
    }
    const auto mapping_int = [&](const char* key) {
      return resolved["tile"]["mapping"][key].as<int>();
    };
    CHECK(arch.tile.mapping.weight_bits == mapping_int("weight_bits"));
    CHECK(arch.tile.mapping.input_bits == mapping_int("input_bits"));
    CHECK(arch.tile.mapping.bits_per_cell == mapping_int("bits_per_cell"));
    CHECK((arch.tile.mapping.signed_weights == SignedWeights::kOffset) ==
          (resolved["tile"]["mapping"]["signed_weights"].as<std::string>() == "offset"));
    CHECK((arch.tile.mapping.weight_encoding == WeightEncoding::kContinuous) ==
          (resolved["tile"]["mapping"]["weight_encoding"].as<std::string>() == "continuous"));

    // The models build from the resolved parameters.
    const auto models = make_tile_models(arch, registry);
    REQUIRE(models->device);
    REQUIRE(models->dac);
    REQUIRE(models->adc);
    if (arch.tile.adc.params.has("bits")) {
      CHECK(resolved["tile"]["adc"]["bits"].as<int>() == models->adc->bits());
    } else {
      CHECK(models->adc->bits() == 0);  // adc.ideal: no quantisation (adc.hpp)
    }
  }
}

TEST_CASE("the 8-bit shipped architectures resolve tile.adc.bits from their ADC card") {
  for (const std::string name : {"reram", "sram"}) {
    CAPTURE(name);
    const ArchConfig arch = load(shipped_arch(name));
    const YAML::Node card = YAML::LoadFile(arch.tile.adc.card_path);
    const int card_bits = card["parameters"]["bits"]["value"].as<int>();
    CHECK(card_bits == 8);  // both name ISAAC's 8-bit SAR ADC (their descriptions say so)
    CHECK(arch.resolved["tile"]["adc"]["bits"].as<int>() == card_bits);
    CHECK(arch.tile.adc.params.integer("bits") == card_bits);
  }
}

TEST_CASE("an architecture that states only its cards takes every other value from defaults") {
  const ArchConfig arch = load(fixture("minimal.yaml"));
  CHECK(arch.name == "minimal");  // no `name:`: the file's stem
  CHECK(arch.description.empty());
  const ModelSpec& tile = builtin_registry().spec(kTileSection);
  CHECK(arch.tile.rows == std::get<std::int64_t>(*tile.find("rows")->default_value));
  CHECK(arch.tile.cols == std::get<std::int64_t>(*tile.find("cols")->default_value));
  const ModelSpec& mapping = builtin_registry().spec(kMappingSection);
  const auto def_int = [&](const char* key) {
    return static_cast<int>(std::get<std::int64_t>(*mapping.find(key)->default_value));
  };
  CHECK(arch.tile.mapping.weight_bits == def_int("weight_bits"));
  CHECK(arch.tile.mapping.input_bits == def_int("input_bits"));
  CHECK(arch.tile.mapping.bits_per_cell == def_int("bits_per_cell"));
}

TEST_CASE("parse_overrides splits path=value at the first '=' and rejects malformed ones") {
  const auto o = parse_overrides({"tile.adc.bits=5", "tile.description=a=b"});
  REQUIRE(o.size() == 2);
  CHECK(o[0].path == "tile.adc.bits");
  CHECK(o[0].value == "5");
  CHECK(o[1].path == "tile.description");
  CHECK(o[1].value == "a=b");
  for (const std::string bad : {"tile.adc.bits", "=5", "tile.adc.bits="}) {
    CAPTURE(bad);
    const std::string msg = config_error([&] { parse_overrides({bad}); });
    CHECK_CONTAINS(msg, bad);
    CHECK_CONTAINS(msg, "path=value");
  }
}

TEST_CASE("--set overrides reach the tile, its components and the mapping") {
  const Registry& registry = builtin_registry();
  SUBCASE("tile.adc.bits") {
    const ArchConfig arch = load(shipped_arch("reram"), {"tile.adc.bits=5"});
    CHECK(arch.tile.adc.params.integer("bits") == 5);
    CHECK(arch.resolved["tile"]["adc"]["bits"].as<int>() == 5);
    CHECK(make_tile_models(arch, registry)->adc->bits() == 5);
    // The other ADC values still come from the card.
    const YAML::Node card = YAML::LoadFile(arch.tile.adc.card_path);
    CHECK(arch.tile.adc.params.choice("range") ==
          card["parameters"]["range"]["value"].as<std::string>());
  }
  SUBCASE("tile.rows and tile.cols") {
    const ArchConfig arch = load(shipped_arch("reram"), {"tile.rows=64", "tile.cols=32"});
    CHECK(arch.tile.rows == 64);
    CHECK(arch.tile.cols == 32);
    CHECK(arch.resolved["tile"]["rows"].as<int>() == 64);
    CHECK(arch.resolved["tile"]["cols"].as<int>() == 32);
  }
  SUBCASE("tile.dac.bits") {
    const ArchConfig arch = load(shipped_arch("reram"), {"tile.dac.bits=2"});
    CHECK(arch.tile.dac.params.integer("bits") == 2);
    CHECK(arch.resolved["tile"]["dac"]["bits"].as<int>() == 2);
    const auto models = make_tile_models(arch, registry);
    CHECK(models->dac->bits_per_cycle() == 2);
    // dac.hpp: V = d / (2^bits - 1) * V_read, so one step is V_read / 3.
    CHECK(models->dac->voltage_step_v() == doctest::Approx(models->dac->read_voltage_v() / 3.0));
  }
  SUBCASE("a device parameter and a mapping choice") {
    const ArchConfig arch =
        load(shipped_arch("reram"), {"tile.device.levels=4", "tile.mapping.signed_weights=offset",
                                     "tile.mapping.input_bits=4"});
    CHECK(arch.tile.device.params.integer("levels") == 4);
    CHECK(make_tile_models(arch, registry)->device->levels() == 4);
    CHECK(arch.tile.mapping.signed_weights == SignedWeights::kOffset);
    CHECK(arch.tile.mapping.input_bits == 4);
  }
  SUBCASE("a real value in scientific notation") {
    const ArchConfig arch = load(shipped_arch("reram"), {"tile.device.g_max_siemens=5e-5"});
    CHECK(arch.tile.device.params.real("g_max_siemens") == 5e-5);
    CHECK(make_tile_models(arch, registry)->device->g_max_siemens() == 5e-5);
  }
  SUBCASE("the last of two overrides of one key wins") {
    const ArchConfig arch = load(shipped_arch("reram"), {"tile.adc.bits=5", "tile.adc.bits=6"});
    CHECK(arch.tile.adc.params.integer("bits") == 6);
  }
  SUBCASE("an override may add a section the file leaves out") {
    const ArchConfig arch = load(fixture("minimal.yaml"), {"tile.mapping.bits_per_cell=2"});
    CHECK(arch.tile.mapping.bits_per_cell == 2);
  }
  SUBCASE("an override may choose another card") {
    const ArchConfig arch =
        load(shipped_arch("reram"), {"tile.adc.card=circuits/adc/kull_sar_8b.yaml"});
    CHECK(fs::equivalent(arch.tile.adc.card_path,
                         fs::path(data_dir()) / "cards/circuits/adc/kull_sar_8b.yaml"));
  }
}

// Every numeric key of the tile, the mapping and each shipped component accepts its declared
// bounds and rejects values beyond them, naming the --set and the key; every choice accepts
// each of its choices and rejects other words.
TEST_CASE("declared ranges and choices are enforced for every key reachable by --set") {
  const Registry& registry = builtin_registry();
  for (const std::string& name : kShippedArchs) {
    CAPTURE(name);
    const std::string path = shipped_arch(name);
    const ArchConfig base = load(path);
    std::vector<std::pair<std::string, const ModelSpec*>> groups = {
        {"tile.", &registry.spec(kTileSection)},
        {"tile.mapping.", &registry.spec(kMappingSection)},
        {"attention.", &registry.spec(kAttentionSection)}};
    for (const std::string& slot : kSlots)
      groups.emplace_back("tile." + slot + ".", &registry.spec(component(base, slot).model));

    // A component whose cost another card includes must stay free: pricing it is refused by
    // the single-pricing rule (tested in test_fair_comparison.cpp), not by its range.
    std::set<std::string> included;
    for (const std::string& slot : kSlots)
      for (const std::string& i : component(base, slot).includes)
        included.insert("tile." + i + ".");
    for (const auto& [prefix, spec] : groups) {
      for (const ParamSpec& p : spec->params) {
        const std::string key = prefix + p.key;
        CAPTURE(key);
        if (included.count(prefix) && (p.unit == "J" || p.unit == "W")) continue;
        std::vector<std::string> good, bad;
        switch (p.type) {
          case ParamType::kInteger:
            good = {std::to_string(static_cast<std::int64_t>(p.min)),
                    std::to_string(static_cast<std::int64_t>(p.max))};
            bad = {std::to_string(static_cast<std::int64_t>(p.min) - 1),
                   std::to_string(static_cast<std::int64_t>(p.max) + 1)};
            break;
          case ParamType::kReal:
            if (std::isfinite(p.min)) {
              good.push_back(text_of(p.min));
              bad.push_back(text_of(p.min - std::max(1.0, std::abs(p.min))));
            }
            if (std::isfinite(p.max)) {
              good.push_back(text_of(p.max));
              bad.push_back(text_of(p.max + std::max(1.0, std::abs(p.max))));
            }
            break;
          case ParamType::kBoolean:
            good = {"true", "false"};
            break;
          case ParamType::kChoice:
            good = p.choices;
            break;
          case ParamType::kText:
            break;  // free text: its parsing is the model's, tested with the model
        }
        for (const std::string& v : good) {
          CAPTURE(v);
          // tile.adc_shared_columns must divide tile.cols (a cross-key rule, tested on its
          // own): move the partner key along so each key's declared range is tested alone.
          std::vector<std::string> sets = {key + "=" + v};
          if (key == "tile.cols") sets.insert(sets.begin(), "tile.adc_shared_columns=1");
          if (key == "tile.adc_shared_columns") sets.insert(sets.begin(), "tile.cols=" + v);
          const ArchConfig arch = load(path, sets);
          YAML::Node node = arch.resolved;
          for (std::size_t start = 0;;) {
            const auto dot = key.find('.', start);
            node = node[key.substr(start, dot - start)];
            if (dot == std::string::npos) break;
            start = dot + 1;
          }
          CHECK(same_value(p, node, typed(p, v)));
        }
        for (const std::string& v : bad) {
          CAPTURE(v);
          const std::string msg = load_error(path, {key + "=" + v});
          CHECK_CONTAINS(msg, "--set " + key);
          CHECK_CONTAINS(msg, "'" + key + "'");
          CHECK_CONTAINS(msg, "out of range");
          CHECK_CONTAINS(msg, v);
        }
        if (p.type == ParamType::kChoice) {
          const std::string msg = load_error(path, {key + "=no_such_choice"});
          CHECK_CONTAINS(msg, "--set " + key);
          for (const std::string& c : p.choices) CHECK_CONTAINS(msg, c);
        }
        if (p.type == ParamType::kInteger || p.type == ParamType::kReal) {
          const std::string msg = load_error(path, {key + "=abc"});
          CHECK_CONTAINS(msg, "--set " + key);
          CHECK_CONTAINS(msg, p.type == ParamType::kInteger ? "expected an integer"
                                                            : "expected a real number");
        }
      }
    }
  }
}

TEST_CASE("ADC sharing that does not divide the columns is rejected naming the key") {
  const std::string msg =
      load_error(shipped_arch("reram"), {"tile.cols=128", "tile.adc_shared_columns=48"});
  CHECK_CONTAINS(msg, "tile.adc_shared_columns");
  CHECK_CONTAINS(msg, "does not divide");
}

TEST_CASE("--set of an unknown key names the --set and the key") {
  SUBCASE("a component parameter") {
    const std::string msg = load_error(shipped_arch("reram"), {"tile.adc.bitz=5"});
    CHECK_CONTAINS(msg, "--set tile.adc.bitz");
    CHECK_CONTAINS(msg, "unknown key");
  }
  SUBCASE("a tile key") {
    const std::string msg = load_error(shipped_arch("reram"), {"tile.rowz=5"});
    CHECK_CONTAINS(msg, "--set tile.rowz");
  }
  SUBCASE("a mapping key") {
    const std::string msg = load_error(shipped_arch("reram"), {"tile.mapping.weightbits=4"});
    CHECK_CONTAINS(msg, "--set tile.mapping.weightbits");
  }
  SUBCASE("a parameter the chosen model does not have") {
    // adc.ideal has no resolution: bits belongs to adc.quantizing.
    const std::string msg = load_error(shipped_arch("ideal"), {"tile.adc.bits=5"});
    CHECK_CONTAINS(msg, "--set tile.adc.bits");
    CHECK_CONTAINS(msg, "adc.ideal");
  }
  SUBCASE("a key below a value") {
    const std::string msg = load_error(shipped_arch("reram"), {"tile.rows.max=5"});
    CHECK_CONTAINS(msg, "--set tile.rows.max");
  }
  SUBCASE("an empty path component") {
    const std::string msg = load_error(shipped_arch("reram"), {"tile..rows=5"});
    CHECK_CONTAINS(msg, "tile..rows");
  }
}

TEST_CASE("an unknown top-level key from --set names the --set") {
  // load_arch re-checks the top-level keys after applying overrides; a key a --set created
  // must be blamed on that --set, not on the architecture file.
  const std::string msg = load_error(shipped_arch("reram"), {"tilez.rows=5"});
  CHECK_CONTAINS(msg, "--set tilez.rows");
}

TEST_CASE("--set values of the wrong type say what was expected") {
  const std::string path = shipped_arch("reram");
  SUBCASE("tile.rows=abc") {
    const std::string msg = load_error(path, {"tile.rows=abc"});
    CHECK_CONTAINS(msg, "--set tile.rows");
    CHECK_CONTAINS(msg, "expected an integer");
    CHECK_CONTAINS(msg, "abc");
  }
  SUBCASE("tile.adc.bits=2.5") {
    const std::string msg = load_error(path, {"tile.adc.bits=2.5"});
    CHECK_CONTAINS(msg, "--set tile.adc.bits");
    CHECK_CONTAINS(msg, "expected an integer");
    CHECK_CONTAINS(msg, "2.5");
  }
  SUBCASE("a map where a number belongs") {
    const std::string msg = load_error(path, {"tile.adc.bits={a: 1}"});
    CHECK_CONTAINS(msg, "--set tile.adc.bits");
  }
  SUBCASE("a real number given as a word") {
    const std::string msg = load_error(path, {"tile.device.g_max_siemens=high"});
    CHECK_CONTAINS(msg, "expected a real number");
  }
  SUBCASE("a non-finite real number") {
    const std::string msg = load_error(path, {"tile.device.read_noise_rel=.nan"});
    CHECK_CONTAINS(msg, "tile.device.read_noise_rel");
  }
}

TEST_CASE("--set values out of range give the range") {
  const Registry& registry = builtin_registry();
  const auto range_of = [&](const std::string& model, const std::string& key) {
    const ParamSpec* p = registry.spec(model).find(key);
    REQUIRE(p != nullptr);
    std::ostringstream range;
    range << '[' << static_cast<std::int64_t>(p->min) << ", " << static_cast<std::int64_t>(p->max)
          << ']';
    return range.str();
  };
  SUBCASE("a zero-bit converter") {
    // A converter needs at least one bit; the declaration must not admit 0.
    CHECK(registry.spec("adc.quantizing").find("bits")->min >= 1);
    const std::string msg = load_error(shipped_arch("reram"), {"tile.adc.bits=0"});
    CHECK_CONTAINS(msg, "--set tile.adc.bits");
    CHECK_CONTAINS(msg, range_of("adc.quantizing", "bits"));
  }
  SUBCASE("a zero-bit DAC") {
    CHECK(registry.spec("dac.linear").find("bits")->min >= 1);
    const std::string msg = load_error(shipped_arch("reram"), {"tile.dac.bits=0"});
    CHECK_CONTAINS(msg, range_of("dac.linear", "bits"));
  }
  SUBCASE("a negative array size") {
    CHECK(registry.spec(kTileSection).find("rows")->min >= 1);
    const std::string msg = load_error(shipped_arch("reram"), {"tile.rows=-4"});
    CHECK_CONTAINS(msg, "--set tile.rows");
    CHECK_CONTAINS(msg, "-4");
    CHECK_CONTAINS(msg, range_of(kTileSection, "rows"));
  }
  SUBCASE("a card value out of range names the card") {
    const std::string msg = load_error(fixture("card_value_out_of_range.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/adc_zero_bits.yaml"));
    CHECK_CONTAINS(msg, "parameters.bits");
    CHECK_CONTAINS(msg, range_of("adc.quantizing", "bits"));
  }
}

TEST_CASE("mistakes in architecture files name the file and the key") {
  SUBCASE("unknown tile key") {
    const std::string msg = load_error(fixture("unknown_tile_key.yaml"));
    CHECK_CONTAINS(msg, fixture("unknown_tile_key.yaml"));
    CHECK_CONTAINS(msg, "tile.rowz");
  }
  SUBCASE("unknown component key") {
    const std::string msg = load_error(fixture("unknown_component_key.yaml"));
    CHECK_CONTAINS(msg, fixture("unknown_component_key.yaml"));
    CHECK_CONTAINS(msg, "tile.adc.bitz");
  }
  SUBCASE("unknown top-level key") {
    const std::string msg = load_error(fixture("unknown_top_key.yaml"));
    CHECK_CONTAINS(msg, fixture("unknown_top_key.yaml"));
    CHECK_CONTAINS(msg, "'tiles'");
  }
  SUBCASE("malformed YAML: file and line") {
    const std::string msg = load_error(fixture("malformed.yaml"));
    CHECK_CONTAINS(msg, fixture("malformed.yaml"));
    CHECK_CONTAINS(msg, "line 6");  // see the comment at the top of the fixture
  }
  SUBCASE("missing architecture file") {
    const std::string path = fixture("no_such_arch.yaml");
    const std::string msg = load_error(path);
    CHECK_CONTAINS(msg, path);
    CHECK_CONTAINS(msg, "not found");
  }
  SUBCASE("missing card: the arch file, the key and the card path") {
    const std::string msg = load_error(fixture("missing_card.yaml"));
    CHECK_CONTAINS(msg, fixture("missing_card.yaml"));
    CHECK_CONTAINS(msg, "tile.device.card");
    CHECK_CONTAINS(msg, "device_models/nonexistent/no_such_card.yaml");
    CHECK_CONTAINS(msg, "not found");
  }
  SUBCASE("a card of the wrong kind") {
    const std::string msg = load_error(fixture("wrong_kind.yaml"));
    CHECK_CONTAINS(msg, "circuits/adc/ideal.yaml");
    CHECK_CONTAINS(msg, "adc.ideal");
    CHECK_CONTAINS(msg, "tile.device");
  }
}

TEST_CASE("mistakes in cards name the card and the key") {
  SUBCASE("unknown parameter") {
    const std::string msg = load_error(fixture("card_unknown_key.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/adc_unknown_key.yaml"));
    CHECK_CONTAINS(msg, "parameters.bitz");
    CHECK_CONTAINS(msg, "adc.quantizing");
  }
  SUBCASE("parameter without a source") {
    const std::string msg = load_error(fixture("card_no_source.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/adc_no_source.yaml"));
    CHECK_CONTAINS(msg, "parameters.bits");
    CHECK_CONTAINS(msg, "source");
  }
  SUBCASE("card without a citation") {
    const std::string msg = load_error(fixture("card_no_citation.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/adc_no_citation.yaml"));
    CHECK_CONTAINS(msg, "source.citation");
  }
  SUBCASE("unregistered model") {
    const std::string msg = load_error(fixture("unknown_model.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/unknown_model.yaml"));
    CHECK_CONTAINS(msg, "reram.nosuchmodel");
  }
  SUBCASE("a required parameter left out") {
    const std::string msg = load_error(fixture("missing_required.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/sram_no_read_energy.yaml"));
    CHECK_CONTAINS(msg, "read_energy_j");
    CHECK_CONTAINS(msg, "missing");
  }
  SUBCASE("a card that is a bare word") {
    const std::string msg = load_error(fixture("scalar_card.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/scalar.yaml"));
  }
  SUBCASE("an empty card") {
    const std::string msg = load_error(fixture("empty_card.yaml"));
    CHECK_CONTAINS(msg, fixture("cards/empty.yaml"));
  }
}

TEST_CASE("a required parameter may come from the architecture file instead of the card") {
  // sram_no_read_energy.yaml omits read_energy_j; supplying it with --set completes the card.
  const ArchConfig arch =
      load(fixture("missing_required.yaml"), {"tile.device.read_energy_j=2e-15"});
  CHECK(arch.tile.device.params.real("read_energy_j") == 2e-15);
}

}  // namespace
}  // namespace xbarsim
