// The cost models of docs/costs.md and their cards. Every expected value is recomputed here
// from the published figure it is derived from (Horowitz ISSCC 2014; ISAAC Table I; Eyeriss
// ISCA 2016), never taken from the program's output.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "circuits/circuit_test_util.hpp"
#include "circuits/register.hpp"
#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

const fs::path kCards = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards" / "circuits";

const Registry& circuits_registry() {
  static const Registry registry = [] {
    Registry r;
    register_circuits(r);
    return r;
  }();
  return registry;
}

// Builds the model a card names, with `capacity_bits` set when given (> 0).
std::unique_ptr<CostModel> from_card(const std::string& card, std::int64_t capacity_bits = 0) {
  std::string model;
  ParamSet p = test::load_card(circuits_registry(), kCards / card, &model);
  if (capacity_bits > 0) p.set("capacity_bits", capacity_bits);
  return circuits_registry().make_cost(model, p);
}

std::vector<std::string> cost_models() {
  std::vector<std::string> names;
  for (const ModelSpec* s : circuits_registry().all())
    if (s->kind == ModelKind::kCost) names.push_back(s->name);
  return names;
}

constexpr std::int64_t kKiB = 1024 * 8;  // bits in 1 KB

}  // namespace

TEST_CASE("cost models: the six are registered and behave per the CostModel contract") {
  const std::vector<std::string> names = cost_models();
  CHECK(names == std::vector<std::string>{"array.sample_hold", "digital.logic", "digital.shift_add",
                                          "memory.dram", "memory.sram", "noc.router"});
  for (const std::string& name : names) {
    CAPTURE(name);
    const ModelSpec& spec = circuits_registry().spec(name);
    ParamSet p = test::defaults_of(spec, "defaults.yaml");
    if (spec.find("capacity_bits") != nullptr) {
      // No default capacity: building from defaults alone is a ConfigError naming the key.
      try {
        circuits_registry().make_cost(name, p);
        FAIL("built a buffer without a capacity");
      } catch (const ConfigError& e) {
        CHECK(e.key() == "capacity_bits");
        CHECK(e.file() == "defaults.yaml");
      }
      p.set("capacity_bits", std::int64_t{64 * kKiB});
    }
    const auto c = circuits_registry().make_cost(name, p);
    REQUIRE(c != nullptr);
    CHECK(c->name() == name);
    CHECK(!c->actions().empty());
    // Every action takes time and costs no negative energy; with the default card at least
    // one costs energy (the sample-and-hold's default puts all of ISAAC's figure in its hold
    // power, so its sample action alone may be free).
    double priced = 0;
    for (const std::string& action : c->actions()) {
      CAPTURE(action);
      CHECK(c->cost(action).energy_j >= 0.0);
      CHECK(c->cost(action).latency_s > 0.0);
      priced += c->cost(action).energy_j;
    }
    CHECK(priced > 0.0);
    CHECK(c->peak_power_w() >= 0.0);
    CHECK(c->area_m2() >= 0.0);
    CHECK(c->technology_node_m() >= 0.0);
    try {
      c->cost("teleport");
      FAIL("accepted an unknown action");
    } catch (const ConfigError& e) {
      CHECK(e.key() == "action");
      CHECK(std::string(e.what()).find("teleport") != std::string::npos);
    }
  }
}

TEST_CASE("memory.sram: sqrt(capacity) scaling reproduces Horowitz's 8 KB / 32 KB / 1 MB SRAM") {
  // Horowitz, ISSCC 2014: 10 / 20 / 100 pJ per 64-bit read. Anchored at 8 KB, the model gives
  // 10 sqrt(4) = 20 pJ at 32 KB exactly and 10 sqrt(128) = 113.14 pJ at 1 MB, 13.14 % high
  // (docs/costs.md documents an error of at most 14 %).
  const double e8 =
      64.0 * from_card("memory/horowitz_sram_45nm.yaml", 8 * kKiB)->cost("read_bit").energy_j;
  const double e32 =
      64.0 * from_card("memory/horowitz_sram_45nm.yaml", 32 * kKiB)->cost("read_bit").energy_j;
  const double e1m =
      64.0 * from_card("memory/horowitz_sram_45nm.yaml", 1024 * kKiB)->cost("read_bit").energy_j;
  CHECK(e8 == doctest::Approx(10e-12).epsilon(1e-12));
  CHECK(e32 == doctest::Approx(20e-12).epsilon(1e-12));
  const double error_1m = e1m / 100e-12 - 1.0;
  CHECK(error_1m == doctest::Approx(std::sqrt(128.0) / 10.0 - 1.0).epsilon(1e-12));
  CHECK(error_1m > 0.0);
  CHECK(error_1m < 0.14);
  // The exponent implied by the published points lies between 0.46 and 0.5:
  // log(20/10)/log(4) = 0.5 and log(100/20)/log(32) = 0.464.
  CHECK(std::log(20.0 / 10.0) / std::log(4.0) == doctest::Approx(0.5));
  CHECK(std::log(100.0 / 20.0) / std::log(32.0) == doctest::Approx(0.4644).epsilon(1e-3));
}

TEST_CASE("memory.sram: write energy, latency per bit and area follow the card") {
  const auto c = from_card("memory/horowitz_sram_45nm.yaml", 32 * kKiB);
  // Writes cost as much as reads (assumption of the card); both scale by sqrt(4) = 2.
  CHECK(c->cost("write_bit").energy_j == doctest::Approx(2.0 * 10e-12 / 64.0).epsilon(1e-12));
  // One 64-bit word per 1 ns access.
  CHECK(c->cost("read_bit").latency_s == doctest::Approx(1e-9 / 64.0).epsilon(1e-12));
  CHECK(c->cost("write_bit").latency_s == doctest::Approx(1e-9 / 64.0).epsilon(1e-12));
  // 280 F^2 per bit at F = 45 nm (DNN+NeuroSim V1.4's SRAM cell), times the capacity.
  CHECK(c->area_m2() == doctest::Approx(32.0 * kKiB * 280.0 * 45e-9 * 45e-9).epsilon(1e-12));
  CHECK(c->technology_node_m() == 45e-9);
}

TEST_CASE("memory.sram as eDRAM: ISAAC's 64 KB tile buffer, 20.7 mW, 0.083 mm^2") {
  const auto c = from_card("memory/isaac_edram_64kb.yaml", 64 * kKiB);
  // At the card's own capacity no scaling: energy per bit x 256 bits x 1.2 GHz = 20.7 mW.
  CHECK(c->cost("read_bit").energy_j * 256.0 * 1.2e9 == doctest::Approx(20.7e-3).epsilon(1e-12));
  CHECK(c->cost("read_bit").latency_s == doctest::Approx(1.0 / (1.2e9 * 256.0)).epsilon(1e-12));
  CHECK(c->area_m2() == doctest::Approx(0.083e-6).epsilon(1e-12));
  CHECK(c->technology_node_m() == 32e-9);
  // Twice the capacity: sqrt(2) the energy per bit, twice the area.
  const auto big = from_card("memory/isaac_edram_64kb.yaml", 128 * kKiB);
  CHECK(big->cost("read_bit").energy_j ==
        doctest::Approx(std::sqrt(2.0) * c->cost("read_bit").energy_j).epsilon(1e-12));
  CHECK(big->area_m2() == doctest::Approx(2.0 * 0.083e-6).epsilon(1e-12));
}

TEST_CASE("memory.dram: energy per bit, latency 1 / bit rate, no area") {
  SUBCASE("Horowitz DDR, lower bound: 1.3 nJ per 64-bit access") {
    const auto c = from_card("dram/horowitz_ddr.yaml");
    CHECK(64.0 * c->cost("read_bit").energy_j == doctest::Approx(1.3e-9).epsilon(1e-12));
    CHECK(c->cost("write_bit").energy_j == c->cost("read_bit").energy_j);
    // 20.3 pJ/bit: inside the 20-40 pJ/bit derived from Horowitz's 1.3-2.6 nJ per 64-bit DRAM
    // access (ISSCC 2014, Fig. 1.1.9), at its low end.
    CHECK(c->cost("read_bit").energy_j >= 20e-12);
    CHECK(c->cost("read_bit").energy_j < 21e-12);
    // DDR3-1600 x64: 1600e6 transfers/s x 64 bits.
    CHECK(c->cost("read_bit").latency_s == doctest::Approx(1.0 / (1600e6 * 64.0)).epsilon(1e-12));
    CHECK(c->area_m2() == 0.0);
  }
  SUBCASE("LPDDR4: 8 pJ/bit, off chip, no node") {
    const auto c = from_card("dram/lpddr4.yaml");
    CHECK(c->cost("read_bit").energy_j == doctest::Approx(8e-12).epsilon(1e-12));
    CHECK(c->area_m2() == 0.0);
    CHECK(c->technology_node_m() == 0.0);
  }
}

TEST_CASE("noc.router: ISAAC's 42 mW, 8-port, 32-bit-flit router at 1.2 GHz") {
  const auto c = from_card("noc/isaac_router.yaml");
  // Full load: 8 ports x 32 bits x 1.2e9 /s = 3.072e11 bit-hops/s; 42 mW / that = 0.1367 pJ.
  const double bit_hops_per_s = 8.0 * 32.0 * 1.2e9;
  CHECK(c->cost("bit_hop").energy_j == doctest::Approx(42e-3 / bit_hops_per_s).epsilon(1e-12));
  CHECK(c->cost("bit_hop").energy_j * bit_hops_per_s == doctest::Approx(42e-3).epsilon(1e-12));
  CHECK(c->cost("bit_hop").energy_j == doctest::Approx(0.13671875e-12).epsilon(1e-12));
  // A flit is 32 bits: 32 x the bit energy, one hop latency (one 1.2 GHz cycle).
  CHECK(c->cost("flit_hop").energy_j ==
        doctest::Approx(32.0 * c->cost("bit_hop").energy_j).epsilon(1e-12));
  CHECK(c->cost("flit_hop").latency_s == doctest::Approx(1.0 / 1.2e9).epsilon(1e-12));
  CHECK(c->cost("bit_hop").latency_s == doctest::Approx(1.0 / 1.2e9 / 32.0).epsilon(1e-12));
  CHECK(c->area_m2() == doctest::Approx(0.151e-6).epsilon(1e-12));
  CHECK(c->technology_node_m() == 32e-9);
}

TEST_CASE("digital.logic: Horowitz 45 nm energies, and mac = mult + add, and compare = add") {
  struct Row {
    const char* card;
    double add_pj, mult_pj, add_um2, mult_um2;
  };
  // Horowitz, ISSCC 2014, Fig. 1.1.9. int16 is not in the table: its row is
  // the interpolation the card states (linear in n for adders, in n^2 for multipliers).
  const Row rows[] = {
      {"digital/horowitz_45nm.yaml", 0.03, 0.2, 36, 282},
      {"digital/horowitz_45nm_int32.yaml", 0.1, 3.1, 137, 3495},
      {"digital/horowitz_45nm_fp16.yaml", 0.4, 1.1, 1360, 1640},
      {"digital/horowitz_45nm_fp32.yaml", 0.9, 3.7, 4184, 7700},
      {"digital/horowitz_45nm_int16.yaml", 0.03 + 0.07 / 3.0, 0.2 + 2.9 / 5.0, 36 + 101 / 3.0,
       282 + 3213 / 5.0},
  };
  for (const Row& r : rows) {
    CAPTURE(r.card);
    const auto c = from_card(r.card);
    CHECK(c->cost("add").energy_j == doctest::Approx(r.add_pj * 1e-12).epsilon(1e-12));
    CHECK(c->cost("mult").energy_j == doctest::Approx(r.mult_pj * 1e-12).epsilon(1e-12));
    CHECK(c->cost("mac").energy_j ==
          doctest::Approx((r.add_pj + r.mult_pj) * 1e-12).epsilon(1e-12));
    CHECK(c->cost("compare").energy_j == c->cost("add").energy_j);
    // One instance is one MAC unit: a multiplier and an adder.
    CHECK(c->area_m2() == doctest::Approx((r.add_um2 + r.mult_um2) * 1e-12).epsilon(1e-12));
    CHECK(c->cost("mac").latency_s == 1e-9);
    CHECK(c->technology_node_m() == 45e-9);
  }
  // Horowitz 2014, Fig. 1.1.9: an int8 MAC (multiply + add) is about 0.23 pJ.
  CHECK(from_card("digital/horowitz_45nm.yaml")->cost("mac").energy_j ==
        doctest::Approx(0.23e-12).epsilon(1e-12));
  // The interpolated int16 lies between int8 and int32.
  const auto i16 = from_card("digital/horowitz_45nm_int16.yaml");
  CHECK(i16->cost("mult").energy_j > 0.2e-12);
  CHECK(i16->cost("mult").energy_j < 3.1e-12);
}

TEST_CASE("digital.shift_add and array.sample_hold: ISAAC's per-IMA power per operation") {
  // 4 shift-and-add units draw 0.2 mW at 1.2 GHz, one operation per unit per cycle.
  const auto sa = from_card("digital/isaac_shift_add.yaml");
  CHECK(sa->actions() == std::vector<std::string>{"shift_add"});
  CHECK(4.0 * sa->cost("shift_add").energy_j * 1.2e9 == doctest::Approx(0.2e-3).epsilon(1e-12));
  CHECK(sa->technology_node_m() == 32e-9);
  // 8 x 128 sample-and-holds draw 10 uW, one sample each held for a 100 ns crossbar read.
  const auto sh = from_card("array/isaac_sample_hold.yaml");
  CHECK(sh->actions() == std::vector<std::string>{"sample", "hold_second"});
  const double held_100ns = sh->cost("sample").energy_j + sh->cost("hold_second").energy_j * 100e-9;
  CHECK(1024.0 * held_100ns / 100e-9 == doctest::Approx(10e-6).epsilon(1e-12));
  // At full activity, one sample per 100 ns: the same 10 uW per IMA.
  CHECK(1024.0 * sh->peak_power_w() == doctest::Approx(10e-6).epsilon(1e-12));
  // The router at full load: ISAAC's 42 mW.
  CHECK(from_card("noc/isaac_router.yaml")->peak_power_w() == doctest::Approx(42e-3));
  CHECK(sh->cost("sample").latency_s == doctest::Approx(100e-9).epsilon(1e-12));
}

TEST_CASE("Eyeriss cards: RF 1x, PE-to-PE 2x, global buffer 6x, DRAM 200x one MAC") {
  // Normalised to the int8 MAC of digital/horowitz_45nm.yaml (0.2 + 0.03 pJ), per 8-bit word,
  // each buffer at its reference capacity.
  const double mac = from_card("digital/horowitz_45nm.yaml")->cost("mac").energy_j;
  CHECK(mac == doctest::Approx(0.23e-12).epsilon(1e-12));
  const double word = 8.0;
  CHECK(word * from_card("eyeriss/register_file.yaml", 4096)->cost("read_bit").energy_j ==
        doctest::Approx(1.0 * mac).epsilon(1e-12));
  CHECK(word * from_card("eyeriss/pe_to_pe.yaml")->cost("bit_hop").energy_j ==
        doctest::Approx(2.0 * mac).epsilon(1e-12));
  CHECK(word * from_card("eyeriss/global_buffer.yaml", 100 * kKiB)->cost("read_bit").energy_j ==
        doctest::Approx(6.0 * mac).epsilon(1e-12));
  CHECK(word * from_card("eyeriss/dram.yaml")->cost("read_bit").energy_j ==
        doctest::Approx(200.0 * mac).epsilon(1e-12));
}
