// The shipped circuit cards: each one names a registered model, cites its source for every
// number, stays inside the declared ranges, builds, and its derived values agree with the
// published figures they are derived from.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "circuits/adc/quantizing_adc.hpp"
#include "circuits/dac/linear_dac.hpp"
#include "circuits/register.hpp"
#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/registry.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

const fs::path kCards = fs::path(XBARSIM_SOURCE_DATA_DIR) / "cards" / "circuits";

ParamValue decode(const ParamSpec& spec, const YAML::Node& node) {
  REQUIRE(node.IsScalar());
  switch (spec.type) {
    case ParamType::kReal: {
      double v = 0;
      REQUIRE(YAML::convert<double>::decode(node, v));
      CHECK(std::isfinite(v));
      CHECK(v >= spec.min);
      CHECK(v <= spec.max);
      return v;
    }
    case ParamType::kInteger: {
      std::int64_t v = 0;
      REQUIRE(YAML::convert<std::int64_t>::decode(node, v));
      CHECK(static_cast<double>(v) >= spec.min);
      CHECK(static_cast<double>(v) <= spec.max);
      return v;
    }
    case ParamType::kBoolean: {
      bool v = false;
      REQUIRE(YAML::convert<bool>::decode(node, v));
      return v;
    }
    case ParamType::kChoice: {
      const std::string v = node.Scalar();
      CHECK(std::count(spec.choices.begin(), spec.choices.end(), v) == 1);
      return v;
    }
  }
  FAIL("unknown parameter type");
  return 0.0;
}

// Loads a card into a ParamSet the way the architecture loader does: defaults, then values.
ParamSet load_card(const Registry& registry, const fs::path& path, std::string* model) {
  const YAML::Node card = YAML::LoadFile(path.string());
  REQUIRE(card.IsMap());
  for (const auto& kv : card) {
    const std::string key = kv.first.Scalar();
    CAPTURE(key);
    CHECK(
        std::set<std::string>{"model", "title", "technology_node_m", "source", "parameters"}.count(
            key) == 1);
  }
  REQUIRE(card["model"].IsScalar());
  *model = card["model"].Scalar();
  REQUIRE(registry.has(*model));
  CHECK(card["title"].IsScalar());
  REQUIRE(card["source"].IsMap());
  CHECK(!card["source"]["citation"].as<std::string>().empty());
  if (card["technology_node_m"]) {
    const double node = card["technology_node_m"].as<double>();
    CHECK(node > 1e-9);  // in metres: catches a node written in nm
    CHECK(node < 1e-6);
  }

  const ModelSpec& spec = registry.spec(*model);
  ParamSet p(path.string());
  for (const ParamSpec& s : spec.params)
    if (s.default_value) p.set(s.key, *s.default_value);
  for (const auto& kv : card["parameters"]) {
    const std::string key = kv.first.Scalar();
    CAPTURE(key);
    const ParamSpec* s = spec.find(key);
    REQUIRE(s != nullptr);
    REQUIRE(kv.second.IsMap());
    CHECK(kv.second.size() == 2);
    const std::string source = kv.second["source"].as<std::string>("");
    // Every number names a paper (with table or figure) or is marked as an assumption.
    CHECK(source.size() > 10);
    p.set(key, decode(*s, kv.second["value"]));
  }
  return p;
}

double real(const ParamSet& p, const std::string& key) {
  return p.real(key);
}

}  // namespace

TEST_CASE("circuit cards: every card is well formed and builds its model") {
  Registry registry;
  register_circuits(registry);
  int count = 0;
  for (const char* folder : {"adc", "dac"}) {
    for (const auto& entry : fs::directory_iterator(kCards / folder)) {
      if (entry.path().extension() != ".yaml") continue;
      CAPTURE(entry.path().string());
      std::string model;
      const ParamSet p = load_card(registry, entry.path(), &model);
      const ModelKind kind = registry.spec(model).kind;
      if (std::string(folder) == "adc") {
        REQUIRE(kind == ModelKind::kAdc);
        CHECK(registry.make_adc(model, p) != nullptr);
      } else {
        REQUIRE(kind == ModelKind::kDac);
        CHECK(registry.make_dac(model, p) != nullptr);
      }
      ++count;
    }
  }
  CHECK(count == 6);
}

TEST_CASE("circuit cards: derived values match their published sources") {
  Registry registry;
  register_circuits(registry);
  std::string model;

  SUBCASE("ISAAC ADC: 8 b, 2 mW at 1.28 GS/s, 0.0012 mm^2 (ISAAC Table I)") {
    const ParamSet p = load_card(registry, kCards / "adc/isaac_sar_8b.yaml", &model);
    CHECK(p.integer("bits") == 8);
    CHECK(real(p, "energy_per_conversion_j") == doctest::Approx(2e-3 / 1.28e9).epsilon(1e-9));
    CHECK(real(p, "conversion_time_s") == doctest::Approx(1 / 1.28e9).epsilon(1e-9));
    CHECK(real(p, "area_m2") == doctest::Approx(0.0012e-6).epsilon(1e-9));
    // 8 ADCs per IMA: 16 mW and 0.0096 mm^2 (ISAAC Table I).
    CHECK(8 * real(p, "energy_per_conversion_j") / real(p, "conversion_time_s") ==
          doctest::Approx(16e-3).epsilon(1e-9));
    CHECK(8 * real(p, "area_m2") == doctest::Approx(0.0096e-6).epsilon(1e-9));
  }
  SUBCASE("Kull ADC: 3.1 mW at 1.2 GS/s, 0.0015 mm^2, ENOB 6.2 (Kull et al., ISSCC 2013)") {
    const ParamSet p = load_card(registry, kCards / "adc/kull_sar_8b.yaml", &model);
    CHECK(p.integer("bits") == 8);
    CHECK(real(p, "energy_per_conversion_j") == doctest::Approx(3.1e-3 / 1.2e9).epsilon(1e-4));
    CHECK(real(p, "conversion_time_s") == doctest::Approx(1 / 1.2e9).epsilon(1e-4));
    CHECK(real(p, "area_m2") == doctest::Approx(0.0015e-6).epsilon(1e-9));
    // Quantisation plus input noise must give the measured ENOB:
    // 1/12 + sigma^2 = 2^(2 (bits - ENOB)) / 12.
    const double s = real(p, "input_noise_lsb");
    const double enob = 8.0 - 0.5 * std::log2(12.0 * (1.0 / 12.0 + s * s));
    CHECK(enob == doctest::Approx(6.2).epsilon(1e-3));
  }
  SUBCASE("ISAAC DAC: 8x128 1-bit DACs, 4 mW, 0.00017 mm^2, 100 ns read (ISAAC Table I)") {
    const ParamSet p = load_card(registry, kCards / "dac/isaac_1b.yaml", &model);
    CHECK(p.integer("bits") == 1);
    CHECK(real(p, "read_voltage_v") == 0.3);  // Hu et al., DAC 2016
    CHECK(1024 * real(p, "energy_per_drive_j") / 100e-9 == doctest::Approx(4e-3).epsilon(1e-9));
    CHECK(1024 * real(p, "area_m2") == doctest::Approx(0.00017e-6).epsilon(1e-9));
  }
  SUBCASE("4-bit DAC: PRIME's 0.2 V read; costs scaled from ISAAC's 1-bit DAC") {
    const ParamSet p = load_card(registry, kCards / "dac/multibit_4b.yaml", &model);
    std::string isaac_model;
    const ParamSet isaac = load_card(registry, kCards / "dac/isaac_1b.yaml", &isaac_model);
    CHECK(p.integer("bits") == 4);
    CHECK(real(p, "read_voltage_v") == 0.2);
    CHECK(real(p, "energy_per_drive_j") ==
          doctest::Approx(4 * real(isaac, "energy_per_drive_j")).epsilon(1e-12));
    CHECK(real(p, "area_m2") == doctest::Approx(15 * real(isaac, "area_m2")).epsilon(1e-12));
  }
}
