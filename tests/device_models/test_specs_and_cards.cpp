// The declarations of the device models and the cards under data/cards/device_models: every
// parameter documented, keyed with its unit, defaulted inside its range; every card value
// declared, in range and sourced; each card's fit matches the published numbers.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "device_models/reram/reram_multilevel.hpp"
#include "device_models/sram/sram_cell.hpp"
#include "device_test_util.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kModels = {"ideal", "reram.multilevel", "sram.cim"};

std::string expected_unit(const std::string& key) {
  const std::vector<std::pair<std::string, std::string>> suffixes = {
      {"_siemens", "S"}, {"_s", "s"},   {"_v", "V"},  {"_j", "J"},
      {"_a", "A"},       {"_m2", "m2"}, {"_rel", "1"}};
  for (const auto& [suffix, unit] : suffixes)
    if (key.size() > suffix.size() && key.ends_with(suffix)) return unit;
  return "1";  // plain counts such as `levels`
}

double as_number(const ParamValue& v) {
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return 0.0;
}

std::vector<fs::path> device_cards() {
  std::vector<fs::path> out;
  const fs::path root = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards" / "device_models";
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Reads a card the way the loader does (defaults, then card values), checking as it goes.
ParamSet load_card(const fs::path& path, std::string& model) {
  const YAML::Node card = YAML::LoadFile(path.string());
  for (const auto& kv : card) {
    const std::string k = kv.first.Scalar();
    CHECK_MESSAGE(
        (k == "model" || k == "title" || k == "technology_node_m" || k == "supply_voltage_v" ||
         k == "includes" || k == "source" || k == "parameters"),
        "unknown top-level key " << k);
  }
  // Every card names its node and its supply.
  CHECK(card["technology_node_m"].IsDefined());
  CHECK(card["supply_voltage_v"].IsDefined());
  REQUIRE(card["model"].IsScalar());
  model = card["model"].Scalar();
  REQUIRE(builtin_registry().has(model));
  CHECK(card["title"].IsScalar());
  // An ideal device has no node; every physical card must give one.
  if (model != "ideal") CHECK(card["technology_node_m"].as<double>() > 0.0);
  REQUIRE(card["source"].IsMap());
  CHECK(!card["source"]["citation"].Scalar().empty());

  const ModelSpec& spec = builtin_registry().spec(model);
  ParamSet set = test::params_for(model, {}, path.string());
  for (const auto& kv : card["parameters"]) {
    const std::string key = kv.first.Scalar();
    CAPTURE(key);
    const ParamSpec* p = spec.find(key);
    REQUIRE_MESSAGE(p != nullptr, "key not declared by " << model);
    CHECK_MESSAGE(!kv.second["source"].Scalar().empty(), "every number names its source");
    if (p->type == ParamType::kInteger) {
      const auto v = kv.second["value"].as<std::int64_t>();
      CHECK(double(v) >= p->min);
      CHECK(double(v) <= p->max);
      set.set(key, v);
    } else if (p->type == ParamType::kText) {
      // A data file is named relative to its card, as the loader resolves it.
      const std::string v = kv.second["value"].Scalar();
      const bool file = key.size() > 4 && key.compare(key.size() - 4, 4, "_csv") == 0;
      set.set(key, file && !v.empty() ? (path.parent_path() / v).string() : v);
    } else if (p->type == ParamType::kChoice) {
      const std::string v = kv.second["value"].Scalar();
      CHECK(std::find(p->choices.begin(), p->choices.end(), v) != p->choices.end());
      set.set(key, v);
    } else {
      const auto v = kv.second["value"].as<double>();
      CHECK(v >= p->min);
      CHECK(v <= p->max);
      set.set(key, v);
    }
  }
  for (const ParamSpec& p : spec.params) CHECK_MESSAGE(set.has(p.key), "missing " << p.key);
  return set;
}

}  // namespace

TEST_CASE("device models: every parameter is documented and unit-suffixed and defaulted in range") {
  std::ifstream docs(fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / ".." / "docs" / "devices.md");
  REQUIRE(docs.good());
  std::stringstream text;
  text << docs.rdbuf();
  for (const std::string& name : kModels) {
    CAPTURE(name);
    const ModelSpec& spec = builtin_registry().spec(name);
    CHECK(spec.kind == ModelKind::kDevice);
    CHECK(!spec.summary.empty());
    const std::string anchor = spec.docs.substr(spec.docs.find('#') + 1);
    CHECK(spec.docs.starts_with("docs/devices.md#"));
    CHECK_MESSAGE(text.str().find("<a id=\"" + anchor + "\"></a>") != std::string::npos,
                  "docs/devices.md has no anchor " << anchor);
    for (const ParamSpec& p : spec.params) {
      CAPTURE(p.key);
      CHECK(!p.doc.empty());
      if (p.type != ParamType::kChoice) CHECK(p.unit == expected_unit(p.key));
      CHECK(p.min <= p.max);
      if (p.default_value) {
        CHECK(as_number(*p.default_value) >= p.min);
        CHECK(as_number(*p.default_value) <= p.max);
      }
    }
  }
}

TEST_CASE("device cards: every card loads and is fully sourced and builds its model") {
  const auto cards = device_cards();
  CHECK(cards.size() >= 4);
  for (const fs::path& path : cards) {
    CAPTURE(path.string());
    std::string model;
    const ParamSet set = load_card(path, model);
    CHECK_NOTHROW(builtin_registry().make_device(model, set));
  }
}

TEST_CASE("device cards: the ReRAM fits reproduce the published sigma(G)") {
  const fs::path dir = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards" / "device_models" / "reram";
  std::string model;
  {
    // Milo et al., IRPS 2021, Fig. 4: sigma = -0.009107 G + 4.782 uS over 50-225 uS.
    const ReramMultilevel m(load_card(dir / "milo_irps2021.yaml", model));
    CHECK(m.g_min_siemens() == doctest::Approx(50e-6));
    CHECK(m.g_max_siemens() == doctest::Approx(225e-6));
    for (double g : {50e-6, 100e-6, 225e-6})
      CHECK(m.prog_sigma_siemens(g) == doctest::Approx(-0.009107 * g + 4.782e-6));
  }
  {
    // Wan et al., Nature 2022, Ext. Data Fig. 3: sigma about 1 uS near 0 and 2.4 uS at 40 uS.
    const ReramMultilevel m(load_card(dir / "wan_neurram_nature2022.yaml", model));
    CHECK(m.g_max_siemens() == doctest::Approx(40e-6));
    CHECK(m.prog_sigma_siemens(0.0) == doctest::Approx(1.0e-6));
    CHECK(m.prog_sigma_siemens(40e-6) == doctest::Approx(2.4e-6));
  }
}

}  // namespace xbarsim
