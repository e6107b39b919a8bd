// The cost side of the device models (docs/devices.md#cell-costs): how a read is priced
// (resistive V^2 G t or a fixed energy), and each card's cell area, write energy and write time
// against the figures and assumptions its sources state.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

#include "device_test_util.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;

const fs::path kCards = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards" / "device_models";

// The card's values over the model's defaults, as the loader builds them.
std::unique_ptr<DeviceModel> from_card(const std::string& card) {
  const YAML::Node node = YAML::LoadFile((kCards / card).string());
  const std::string model = node["model"].Scalar();
  ParamSet p = test::params_for(model, {}, card);
  for (const auto& kv : node["parameters"]) {
    const std::string key = kv.first.Scalar();
    if (builtin_registry().spec(model).find(key)->type == ParamType::kInteger)
      p.set(key, kv.second["value"].as<std::int64_t>());
    else
      p.set(key, kv.second["value"].as<double>());
  }
  return builtin_registry().make_device(model, p);
}

}  // namespace

TEST_CASE("cell costs: every device card states area, write energy and write time") {
  for (const auto& e : fs::recursive_directory_iterator(kCards)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    CAPTURE(e.path().string());
    const YAML::Node card = YAML::LoadFile(e.path().string());
    for (const char* key : {"cell_area_m2", "write_energy_j", "write_time_s"}) {
      CAPTURE(key);
      REQUIRE(card["parameters"][key].IsMap());
      // Cited, derived or marked as an assumption.
      CHECK(card["parameters"][key]["source"].Scalar().size() > 10);
    }
  }
}

TEST_CASE("cell costs: resistive cells are priced V^2 G t, charge-domain SRAM per evaluation") {
  for (const char* model : {"ideal", "reram.multilevel"}) {
    CAPTURE(model);
    const auto d = builtin_registry().make_device(model, test::params_for(model, {}));
    CHECK(d->resistive_read());
    CHECK(d->fixed_read_energy_j() == 0.0);
  }
  const auto s = builtin_registry().make_device(
      "sram.cim", test::params_for("sram.cim", {{"read_energy_j", 3e-15}}));
  CHECK_FALSE(s->resistive_read());
  CHECK(s->fixed_read_energy_j() == 3e-15);
}

TEST_CASE("cell costs: defaults and out-of-range values") {
  // ISAAC Table I: 8 crossbars of 128 x 128 cells in 0.0002 mm^2.
  for (const char* model : {"ideal", "reram.multilevel"}) {
    CAPTURE(model);
    const auto d = builtin_registry().make_device(model, test::params_for(model, {}));
    CHECK(d->cell_area_m2() * 8 * 128 * 128 == doctest::Approx(0.0002e-6).epsilon(1e-12));
  }
  const auto ideal = builtin_registry().make_device("ideal", test::params_for("ideal", {}));
  CHECK(ideal->write_energy_j() == 0.0);
  CHECK(ideal->write_time_s() == 0.0);
  // reram.multilevel default: 10 pulses of (2 V)^2 x 100 uS x 100 ns; 10 x (100 + 100) ns.
  const auto r =
      builtin_registry().make_device("reram.multilevel", test::params_for("reram.multilevel", {}));
  CHECK(r->write_energy_j() == doctest::Approx(10 * 4.0 * 100e-6 * 100e-9).epsilon(1e-12));
  CHECK(r->write_time_s() == doctest::Approx(10 * 200e-9).epsilon(1e-12));
  // A hand-built set bypasses the loader; the model still refuses a negative cost.
  try {
    builtin_registry().make_device(
        "reram.multilevel", test::params_for("reram.multilevel", {{"write_energy_j", -1.0}}));
    FAIL("accepted a negative write energy");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "write_energy_j");
  }
}

TEST_CASE("cell costs: card values reproduce their stated derivations") {
  // NeuRRAM, 130 nm: DNN+NeuroSim's 1T1R cell, 4 F x 12 F; 10 pulses of (2 V)^2 x 40 uS x 100 ns.
  const auto n = from_card("reram/wan_neurram_nature2022.yaml");
  CHECK(n->cell_area_m2() == doctest::Approx(48 * 130e-9 * 130e-9).epsilon(1e-12));
  CHECK(n->write_energy_j() == doctest::Approx(10 * 4.0 * 40e-6 * 100e-9).epsilon(1e-12));
  CHECK(n->write_time_s() == doctest::Approx(2e-6).epsilon(1e-12));
  // Milo, assumed 250 nm; G_max = 225 uS.
  const auto m = from_card("reram/milo_irps2021.yaml");
  CHECK(m->cell_area_m2() == doctest::Approx(48 * 250e-9 * 250e-9).epsilon(1e-12));
  CHECK(m->write_energy_j() == doctest::Approx(10 * 4.0 * 225e-6 * 100e-9).epsilon(1e-12));
  // Valavi, 65 nm: DNN+NeuroSim's SRAM cell, 10 F x 28 F; Horowitz's 10 pJ / 64 bit per bit.
  const auto v = from_card("sram/valavi_jssc2019.yaml");
  CHECK(v->cell_area_m2() == doctest::Approx(280 * 65e-9 * 65e-9).epsilon(1e-3));
  CHECK(v->write_energy_j() == doctest::Approx(10e-12 / 64).epsilon(1e-12));
  CHECK_FALSE(v->resistive_read());
  CHECK(v->fixed_read_energy_j() == doctest::Approx(2.31e-15).epsilon(1e-12));
  // The ideal card takes ISAAC's density and free programming.
  const auto i = from_card("ideal/ideal.yaml");
  CHECK(i->cell_area_m2() * 131072 == doctest::Approx(0.0002e-6).epsilon(1e-12));
  CHECK(i->write_energy_j() == 0.0);
}

}  // namespace xbarsim
