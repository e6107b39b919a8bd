// Loading digital-baseline files (src/system/digital_config.cpp): values reach the baseline,
// and every mistake or contradiction is a ConfigError naming the file (or the --set) and the
// key. Uses a registry of test cost models, so it does not depend on the shipped cards; the
// shipped files are checked at the end with the built-in registry.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "system/test_digital_util.hpp"
#include "test_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {
namespace {

using namespace digital_test;
namespace fs = std::filesystem;

#define CHECK_CONTAINS(text, part)                                 \
  CHECK_MESSAGE(std::string(text).find(part) != std::string::npos, \
                "expected \"" << (part) << "\" in: " << (text))

using DigitalTempDir = xbarsim::test::TempDir;

using Prices = std::map<std::string, double>;

Registry test_registry() {
  Registry r;
  register_digital_sections(r);
  const double kMax = 1.0;
  r.add_cost(
      ModelSpec{"test.memory",
                ModelKind::kCost,
                "test memory",
                "",
                {int_param("capacity_bits", "bit", std::nullopt, 1, 1000000000000, "capacity"),
                 real_param("read_energy_per_bit_j", "J", 0.0, 0.0, kMax, "read"),
                 real_param("write_energy_per_bit_j", "J", 0.0, 0.0, kMax, "write"),
                 real_param("area_m2", "m2", 0.0, 0.0, kMax, "area")}},
      [](const ParamSet& p) {
        return std::make_unique<TableCost>("test.memory",
                                           Prices{{"read_bit", p.real("read_energy_per_bit_j")},
                                                  {"write_bit", p.real("write_energy_per_bit_j")}},
                                           p.real("area_m2"));
      });
  r.add_cost(ModelSpec{"test.logic",
                       ModelKind::kCost,
                       "test logic",
                       "",
                       {real_param("mac_energy_j", "J", 0.0, 0.0, kMax, "mac"),
                        real_param("add_energy_j", "J", 0.0, 0.0, kMax, "add"),
                        real_param("area_m2", "m2", 0.0, 0.0, kMax, "area")}},
             [](const ParamSet& p) {
               return std::make_unique<TableCost>(
                   "test.logic",
                   Prices{{"mac", p.real("mac_energy_j")}, {"add", p.real("add_energy_j")}},
                   p.real("area_m2"));
             });
  r.add_cost(ModelSpec{"test.dram",
                       ModelKind::kCost,
                       "test dram",
                       "",
                       {real_param("energy_per_bit_j", "J", 0.0, 0.0, kMax, "energy"),
                        real_param("bit_rate_hz", "Hz", 1e11, 1.0, 1e15, "bandwidth")}},
             [](const ParamSet& p) {
               const double e = p.real("energy_per_bit_j");
               return std::make_unique<TableCost>("test.dram",
                                                  Prices{{"read_bit", e}, {"write_bit", e}}, 0.0,
                                                  1.0 / p.real("bit_rate_hz"));
             });
  r.add_cost(ModelSpec{"test.router",
                       ModelKind::kCost,
                       "test router",
                       "",
                       {real_param("hop_energy_j", "J", 0.0, 0.0, kMax, "hop")}},
             [](const ParamSet& p) {
               return std::make_unique<TableCost>("test.router",
                                                  Prices{{"bit_hop", p.real("hop_energy_j")}}, 0.0);
             });
  return r;
}

const char* kCardHead = "source: {citation: \"test card\"}\nparameters:\n";

// A config directory with the four cards and a valid baseline file `digital.yaml`.
struct Fixture {
  DigitalTempDir dir;
  Registry registry = test_registry();
  std::string path;
  Fixture() {
    dir.write("logic.yaml", std::string("model: test.logic\n") + kCardHead +
                                "  mac_energy_j: {value: 2.3e-13, source: \"test\"}\n"
                                "  add_energy_j: {value: 3.0e-14, source: \"test\"}\n"
                                "  area_m2: {value: 3.18e-10, source: \"test\"}\n");
    dir.write("memory.yaml", std::string("model: test.memory\n") + kCardHead +
                                 "  capacity_bits: {value: 1024, source: \"test\"}\n"
                                 "  read_energy_per_bit_j: {value: 1.0e-14, source: \"test\"}\n"
                                 "  write_energy_per_bit_j: {value: 2.0e-14, source: \"test\"}\n");
    dir.write("dram.yaml", std::string("model: test.dram\n") + kCardHead +
                               "  energy_per_bit_j: {value: 2.0e-11, source: \"test\"}\n"
                               "  bit_rate_hz: {value: 1.024e11, source: \"test\"}\n");
    dir.write("router.yaml", std::string("model: test.router\n") + kCardHead +
                                 "  hop_energy_j: {value: 1.0e-14, source: \"test\"}\n");
    path = write("digital.yaml", "");
  }
  // The valid file with `extra` appended, or with the line starting `drop` left out.
  std::string write(const std::string& name, const std::string& extra,
                    const std::string& drop = "") {
    const std::vector<std::string> lines = {
        "name: toy-digital",
        "description: test baseline",
        "pe_array: {rows: 4, cols: 4}",
        "precision_bits: 8",
        "accumulator_bits: 32",
        "clock_hz: 2.0e9",
        "dataflow: weight_stationary",
        "mac: {card: logic.yaml}",
        "register_file: {card: memory.yaml, capacity_bits: 64}",
        "global_buffer: {card: memory.yaml, capacity_bits: 100000}",
        "noc: {card: router.yaml}",
        "dram: {card: dram.yaml}",
    };
    std::string text;
    for (const std::string& l : lines)
      if (drop.empty() || l.rfind(drop, 0) != 0) text += l + "\n";
    return dir.write(name, text + extra);
  }
  DigitalBaseline load(const std::vector<std::string>& sets = {}) const {
    return load_digital(path, parse_overrides(sets), registry);
  }
};

// The ConfigError `f` throws; checks its key.
template <class F>
std::string config_error(const std::string& key, F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    CHECK_MESSAGE(e.key() == key, "key '" << e.key() << "' in: " << e.what());
    return e.what();
  }
  FAIL("expected a ConfigError for key " << key);
  return {};
}

TEST_CASE("digital config: a valid file reaches every field of the baseline") {
  Fixture f;
  const DigitalBaseline d = f.load();
  CHECK(d.name == "toy-digital");
  CHECK(d.description == "test baseline");
  CHECK(d.pe_rows == 4);
  CHECK(d.pe_cols == 4);
  CHECK(d.precision_bits == 8);
  CHECK(d.accumulator_bits == 32);
  CHECK(d.clock_hz == 2.0e9);
  CHECK(d.register_file.capacity_bits == 64);
  CHECK(d.global_buffer.capacity_bits == 100000);
  CHECK(d.noc.present());
  CHECK_FALSE(d.logic.present());
  CHECK(d.mac.model->cost("mac").energy_j == 2.3e-13);
  CHECK(d.resolved["pe_array"]["rows"].as<int>() == 4);
  CHECK(d.resolved["global_buffer"]["capacity_bits"].as<std::int64_t>() == 100000);
  // Overrides reach the top level, the array and the components.
  const DigitalBaseline o = f.load({"clock_hz=5e8", "pe_array.cols=8",
                                    "global_buffer.capacity_bits=4096", "dram.bit_rate_hz=1.6e11"});
  CHECK(o.clock_hz == 5e8);
  CHECK(o.pe_cols == 8);
  CHECK(o.global_buffer.capacity_bits == 4096);
  // The DRAM bandwidth is the inverse of the DRAM card's time per bit.
  CHECK(d.dram_bandwidth_bits_per_s == doctest::Approx(1.024e11));
  CHECK(o.dram_bandwidth_bits_per_s == doctest::Approx(1.6e11));
  // The loaded baseline runs, and the MAC energy is the card's.
  const SystemReport r = estimate_digital(one_dense(16, 8), d, 2);
  CHECK(r.energy_j("mac") == doctest::Approx(16 * 8 * 2 * 2.3e-13).epsilon(1e-12));
}

TEST_CASE("digital config: unknown keys and values out of range name the file and the key") {
  Fixture f;
  std::string e = config_error("frobnicate", [&] { f.load({"frobnicate=1"}); });
  CHECK_CONTAINS(e, "--set frobnicate=1");
  e = config_error("pe_array",
                   [&] { load_digital(f.write("noarray.yaml", "", "pe_array"), {}, f.registry); });
  CHECK_CONTAINS(e, "missing");
  e = config_error("pe_array.rows", [&] {
    load_digital(f.write("zero.yaml", "pe_array: {rows: 0, cols: 4}\n", "pe_array"), {},
                 f.registry);
  });
  CHECK_CONTAINS(e, "out of range");
  CHECK_CONTAINS(e, "zero.yaml");
  e = config_error("pe_array.cols", [&] { f.load({"pe_array.cols=0"}); });
  CHECK_CONTAINS(e, "out of range");
  CHECK_CONTAINS(e, "--set pe_array.cols=0");
  e = config_error("clock_hz", [&] { f.load({"clock_hz=0"}); });
  CHECK_CONTAINS(e, "out of range");
  CHECK_CONTAINS(e, "--set clock_hz=0");
  e = config_error("clock_hz",
                   [&] { load_digital(f.write("noclock.yaml", "", "clock_hz"), {}, f.registry); });
  CHECK_CONTAINS(e, "missing required key");
  CHECK_CONTAINS(e, "noclock.yaml");
  e = config_error("precision_bits", [&] { f.load({"precision_bits=0"}); });
  CHECK_CONTAINS(e, "out of range");
  e = config_error("dataflow", [&] { f.load({"dataflow=output_stationary"}); });
  CHECK_CONTAINS(e, "weight_stationary");
  e = config_error("global_buffer.foo", [&] { f.load({"global_buffer.foo=1"}); });
  CHECK_CONTAINS(e, "unknown key");
  e = config_error("dram",
                   [&] { load_digital(f.write("nodram.yaml", "", "dram"), {}, f.registry); });
  CHECK_CONTAINS(e, "nodram.yaml");
  e = config_error("pe_array.depth", [&] { f.load({"pe_array.depth=2"}); });
  CHECK_CONTAINS(e, "unknown key");
}

TEST_CASE("digital config: contradictions between sections name the key") {
  Fixture f;
  // A 4 x 4 array of 8-bit weights needs a 128-bit weight tile in the global buffer.
  std::string e = config_error("global_buffer.capacity_bits",
                               [&] { f.load({"global_buffer.capacity_bits=127"}); });
  CHECK_CONTAINS(e, "one weight tile");
  CHECK_CONTAINS(e, "128 bits");
  CHECK_NOTHROW(f.load({"global_buffer.capacity_bits=128"}));
  // A PE keeps two weights, an activation and a partial sum: 3*8 + 32 = 56 bits.
  e = config_error("register_file.capacity_bits",
                   [&] { f.load({"register_file.capacity_bits=55"}); });
  CHECK_CONTAINS(e, "56 bits");
  CHECK_NOTHROW(f.load({"register_file.capacity_bits=56"}));
  e = config_error("accumulator_bits", [&] { f.load({"accumulator_bits=15"}); });
  CHECK_CONTAINS(e, "16");
  // A card of the wrong model: memory for the MAC, logic (no capacity) for the buffer.
  e = config_error("mac.card", [&] { f.load({"mac.card=memory.yaml"}); });
  CHECK_CONTAINS(e, "'mac'");
  config_error("global_buffer.capacity_bits", [&] { f.load({"global_buffer.card=logic.yaml"}); });
  e = config_error("noc.card", [&] { f.load({"noc.card=memory.yaml"}); });
  CHECK_CONTAINS(e, "bit_hop");
  // A layer whose input row does not fit beside a weight tile: 128 + 16*8 = 256 > 200 bits.
  const DigitalBaseline small = f.load({"global_buffer.capacity_bits=200"});
  try {
    count_digital(one_dense(16, 4), small, 1);
    FAIL("expected a ConfigError");
  } catch (const ConfigError& err) {
    CHECK(err.key() == "global_buffer.capacity_bits");
    CHECK(err.file() == f.path);
    CHECK_CONTAINS(err.what(), "one row of inputs");
  }
}

TEST_CASE("digital config: the sections are in the built-in registry") {
  CHECK(builtin_registry().has(kDigitalSection));
  CHECK(builtin_registry().has(kDigitalPeArraySection));
  CHECK(builtin_registry().spec(kDigitalSection).find("clock_hz"));
}

// The shipped cards' own contradictions: the int8 MAC card against precision_bits, its 1 ns
// operation against clock_hz.
TEST_CASE("digital config: the MAC card's precision and speed bound the configuration") {
  const std::string path = (fs::path(data_dir()) / "arch" / "digital" / "int8_ws.yaml").string();
  auto load = [&](const std::vector<std::string>& sets) {
    return load_digital(path, parse_overrides(sets), builtin_registry());
  };
  std::string e = config_error("precision_bits", [&] { load({"precision_bits=16"}); });
  CHECK_CONTAINS(e, "int8");
  CHECK_CONTAINS(e, "--set precision_bits=16");
  e = config_error("clock_hz", [&] { load({"clock_hz=2e9"}); });
  CHECK_CONTAINS(e, "horowitz_45nm.yaml");
  CHECK_NOTHROW(load({"clock_hz=5e8"}));
  const std::string int16 = "mac.card=circuits/digital/horowitz_45nm_int16.yaml";
  // 16-bit operands: the register file must grow to 3 x 16 + 32 = 80 bits.
  CHECK(load({int16, "precision_bits=16", "register_file.capacity_bits=80"}).precision_bits == 16);
  e = config_error("register_file.capacity_bits", [&] { load({int16, "precision_bits=16"}); });
  CHECK_CONTAINS(e, "80 bits");
  e = config_error("precision_bits", [&] { load({int16}); });
  CHECK_CONTAINS(e, "int16");
}

// The shipped baselines load with the built-in registry and run ResNet-18.
TEST_CASE("digital config: shipped baselines load and run resnet18") {
  const Workload w = load_workload((fs::path(data_dir()) / "workloads" / "resnet18.yaml").string());
  for (const std::string name : {"int8_ws", "eyeriss_normalized"}) {
    CAPTURE(name);
    const fs::path path = fs::path(data_dir()) / "arch" / "digital" / (std::string(name) + ".yaml");
    const DigitalBaseline d = load_digital(path.string(), {}, builtin_registry());
    const double batch = 4;
    const SystemReport r = estimate_digital(w, d, batch);
    CHECK(r.macs == doctest::Approx(w.macs_per_sample() * batch).epsilon(1e-15));
    double sum = 0;
    for (const ActionLine& a : r.actions) {
      CHECK(a.count >= 0);
      CHECK(a.energy_per_action_j >= 0);
      sum += a.count * a.energy_per_action_j;
    }
    CHECK(r.energy_j() == doctest::Approx(sum).epsilon(1e-12));
    for (const char* c : {"mac", "register_file", "global_buffer", "dram"}) {
      CAPTURE(c);
      CHECK(r.energy_j(c) > 0);
    }
    // Energy is at least the MACs' own: TOPS/W below 2 / E_mac.
    const double e_mac = d.mac.model->cost("mac").energy_j;
    CHECK(r.tops_per_w() < 2.0 / e_mac / 1e12);
    CHECK(r.tops_per_w() > 0);
    CHECK(r.latency_s > 0);
    CHECK(r.throughput_per_s == doctest::Approx(batch / r.latency_s));
    CHECK(r.area_m2() > 0);
  }
}

}  // namespace
}  // namespace xbarsim
