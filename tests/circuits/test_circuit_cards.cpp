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
#include "circuits/circuit_test_util.hpp"
#include "circuits/dac/linear_dac.hpp"
#include "circuits/register.hpp"
#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/registry.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

const fs::path kCards = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards" / "circuits";

using test::load_card;

double real(const ParamSet& p, const std::string& key) {
  return p.real(key);
}

}  // namespace

TEST_CASE("circuit cards: every card is well formed and builds its model") {
  Registry registry;
  register_circuits(registry);
  // Folder -> kind of the models its cards may name.
  const std::map<std::string, ModelKind> kinds = {
      {"adc", ModelKind::kAdc},    {"dac", ModelKind::kDac},      {"memory", ModelKind::kCost},
      {"dram", ModelKind::kCost},  {"noc", ModelKind::kCost},     {"digital", ModelKind::kCost},
      {"array", ModelKind::kCost}, {"eyeriss", ModelKind::kCost},
  };
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kCards)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    CAPTURE(entry.path().string());
    const std::string folder = fs::relative(entry.path(), kCards).begin()->string();
    REQUIRE_MESSAGE(kinds.count(folder) == 1, "unexpected card folder " << folder);
    std::string model;
    ParamSet p = load_card(registry, entry.path(), &model);
    const ModelKind kind = registry.spec(model).kind;
    REQUIRE(kind == kinds.at(folder));
    if (kind == ModelKind::kAdc) {
      CHECK(registry.make_adc(model, p) != nullptr);
    } else if (kind == ModelKind::kDac) {
      CHECK(registry.make_dac(model, p) != nullptr);
    } else {
      // A buffer's size comes from the architecture; build it at its reference capacity.
      if (registry.spec(model).find("capacity_bits") != nullptr && !p.has("capacity_bits"))
        p.set("capacity_bits", p.integer("reference_capacity_bits"));
      const auto c = registry.make_cost(model, p);
      REQUIRE(c != nullptr);
      CHECK(c->name() == model);
      double priced = 0;
      for (const std::string& action : c->actions()) {
        CAPTURE(action);
        CHECK(c->cost(action).energy_j >= 0.0);
        CHECK(c->cost(action).latency_s > 0.0);
        priced += c->cost(action).energy_j;
      }
      CHECK(priced > 0.0);  // a card that prices nothing is an ideal card, not a cost card
    }
    ++count;
  }
  // 6 ADC + 3 DAC + 4 memory + 2 DRAM + 2 NoC (router, bus) + 6 digital + 1 array + 4 Eyeriss.
  CHECK(count == 28);
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
    // At ISAAC's 100 ns read the 1024 DACs draw 4 mW: the static power plus the C V^2 share,
    // which the card puts at 0.09 fJ, 0.02 % of the drive (hence the tolerance).
    const double drive = real(p, "energy_per_drive_j") + real(p, "static_power_w") * 100e-9;
    CHECK(1024 * drive / 100e-9 == doctest::Approx(4e-3).epsilon(1e-3));
    CHECK(1024 * real(p, "static_power_w") == doctest::Approx(4e-3).epsilon(1e-12));
    CHECK(1024 * real(p, "area_m2") == doctest::Approx(0.00017e-6).epsilon(1e-9));
  }
  SUBCASE("4-bit DAC: PRIME's 0.2 V read; costs scaled from ISAAC's 1-bit DAC") {
    const ParamSet p = load_card(registry, kCards / "dac/multibit_4b.yaml", &model);
    std::string isaac_model;
    const ParamSet isaac = load_card(registry, kCards / "dac/isaac_1b.yaml", &isaac_model);
    CHECK(p.integer("bits") == 4);
    CHECK(real(p, "read_voltage_v") == 0.2);
    CHECK(real(p, "static_power_w") ==
          doctest::Approx(4 * real(isaac, "static_power_w")).epsilon(1e-12));
    CHECK(real(p, "area_m2") == doctest::Approx(15 * real(isaac, "area_m2")).epsilon(1e-12));
  }
}
