// The in-memory system model: counts match closed forms, energy is counts x costs for every
// component, the data-dependent read energy equals sum V^2 G t, and a network that does not
// fit is reprogrammed, not ignored.
#include <doctest/doctest.h>

#include <cmath>

#include "system/system_fixtures.hpp"
#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/analog_matrix.hpp"
#include "xbarsim/system/analog_system.hpp"

using namespace xbarsim;

namespace {

using test::arch_path;
using test::dense_workload;

double count_of(const SystemReport& r, const std::string& layer, const std::string& component,
                const std::string& action) {
  double c = 0;
  for (const ActionLine& a : r.actions)
    if (a.layer == layer && a.component == component && a.action == action) c += a.count;
  return c;
}

}  // namespace

TEST_CASE("counts of a dense layer follow the closed forms of the mapping") {
  const Registry& reg = builtin_registry();
  // 300 x 70 weights on 128 x 32 arrays, differential pairs: 16 outputs per array; 8-bit
  // weights in 2-bit cells: 7 magnitude bits -> 4 slices; 1-bit DAC, 8-bit unsigned inputs:
  // 8 cycles, one phase.
  const ArchConfig arch = load_arch(arch_path("reram"), parse_overrides({"tile.cols=32"}), reg);
  const Index in = 300, out = 70;
  const double batch = 3;
  const SystemReport r = estimate_analog(dense_workload(in, out), arch, reg, batch);
  const double row_blocks = std::ceil(300.0 / 128), col_blocks = std::ceil(70.0 / 16);
  const double slices = 4, cycles = 8;
  const double arrays = row_blocks * col_blocks * slices;
  CHECK(arrays == 3 * 5 * 4);
  CHECK(count_of(r, "fc", "adc", "conversion") ==
        doctest::Approx(out * slices * row_blocks * cycles * batch));
  CHECK(count_of(r, "fc", "dac", "drive") ==
        doctest::Approx(in * col_blocks * slices * cycles * batch));
  CHECK(count_of(r, "fc", "cell", "read") ==
        doctest::Approx(in * out * 2 * slices * cycles * batch));
  // Every digitised partial sum is sampled once and shifted into the accumulator once.
  CHECK(count_of(r, "fc", "sample_hold", "sample") ==
        doctest::Approx(count_of(r, "fc", "adc", "conversion")));
  CHECK(count_of(r, "fc", "shift_add", "shift_add") ==
        doctest::Approx(count_of(r, "fc", "adc", "conversion")));
  // Digital adds: row-block partial sums (row_blocks - 1 per output) plus the bias.
  CHECK(count_of(r, "fc", "digital", "add") ==
        doctest::Approx(out * (row_blocks - 1) * batch + out * batch));
  CHECK(r.macs == doctest::Approx(in * out * batch));
}

TEST_CASE("energy equals counts times the cards' costs for every component") {
  const Registry& reg = builtin_registry();
  for (const std::string name : {"reram", "sram", "isaac", "neurosim_rram"}) {
    CAPTURE(name);
    const ArchConfig arch = load_arch(arch_path(name), {}, reg);
    const SystemReport r = estimate_analog(dense_workload(500, 200), arch, reg, 4);
    const SystemConfig& sys = *arch.system;
    // Independent price list, built here from the resolved cards.
    auto model = [&](const ComponentConfig& c) { return reg.make_cost(c.model, c.params); };
    std::map<std::string, std::shared_ptr<CostModel>> costs = {
        {"sample_hold", model(sys.sample_hold)},
        {"shift_add", model(sys.shift_add)},
        {"input_buffer", model(sys.input_buffer)},
        {"output_buffer", model(sys.output_buffer)},
        {"global_buffer", model(sys.global_buffer)},
        {"noc", model(sys.noc)},
        {"dram", model(sys.dram)},
        {"digital", model(sys.digital)}};
    if (sys.tile_buffer) costs.emplace("tile_buffer", model(*sys.tile_buffer));
    if (sys.bus) costs.emplace("bus", model(*sys.bus));
    const auto tile = make_tile_models(arch, reg);
    double total = 0;
    for (const ActionLine& a : r.actions) {
      CAPTURE(a.component);
      CAPTURE(a.action);
      double unit = 0;
      if (a.component == "adc")
        unit = tile->adc->energy_per_conversion_j();
      else if (a.component == "dac")
        unit = tile->dac->drive_energy_j(tile->device->read_pulse_s());
      else if (a.component == "sample_hold")
        unit = a.energy_per_action_j;  // depends on the layer's read step: its own test
      else if (a.component == "cell")
        unit = a.energy_per_action_j;  // checked in its own test (data-dependent)
      else
        unit = costs.at(a.component)->cost(a.action).energy_j;
      CHECK(a.energy_per_action_j == unit);
      CHECK(a.count >= 0);
      total += a.count * unit;
    }
    CHECK(r.energy_j() == doctest::Approx(total).epsilon(1e-12));
    CHECK(r.energy_j() > 0);
  }
}

TEST_CASE("the simulated cell read energy equals t_read sum over reads of sum_i V_i^2 G_i") {
  const Registry& reg = builtin_registry();
  // Ideal devices (G_min = 0, G_max = 100 uS), a 1-bit DAC, 2-bit inputs: V is 0 or V_read.
  const ArchConfig arch = load_arch(
      arch_path("ideal"),
      parse_overrides({"tile.dac.card=circuits/dac/isaac_1b.yaml", "tile.mapping.input_bits=2",
                       "tile.mapping.weight_encoding=continuous"}),
      reg);
  const auto models = make_tile_models(arch, reg);
  Matrix w(2, 3);
  w << 1.0f, -0.5f, 0.25f, 0.0f, 0.5f, -1.0f;
  Matrix x(3, 1);
  x << 1.0f, 2.0f / 3.0f, 0.0f;  // codes over range 1 with 2 bits: 3, 2, 0
  AnalogMatrix a(w, models, StreamKey{1, 0, 0}, "energy", 1);
  ActionCounts counts;
  a.multiply(x, 1.0, &counts);
  // Physical cells: per weight a (G+, G-) pair with G = |w| / max|w| * G_max on one side and
  // 0 on the other. Row i is driven with V_read in cycle c when bit c of its code is 1.
  const double g_max = models->device->g_max_siemens(), v = models->dac->read_voltage_v();
  const double t = models->device->read_pulse_s();
  const int codes[3] = {3, 2, 0};
  double expected = 0;
  for (int i = 0; i < 3; ++i) {
    double row_g = 0;
    for (int o = 0; o < 2; ++o) row_g += std::abs(w(o, i)) * g_max;  // G+ + G- = |w| G_max
    for (int c = 0; c < 2; ++c)
      if ((codes[i] >> c) & 1) expected += v * v * row_g * t;
  }
  CHECK(counts.cell_read_energy_j == doctest::Approx(expected).epsilon(1e-6));
  CHECK(counts.cell_read_energy_j > 0);
}

TEST_CASE("a network that does not fit is split into passes with reprogramming") {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(arch_path("reram"), parse_overrides({"chip.tiles=2"}), reg);
  // 1000 x 1000 weights: 8 x 63 x 4 arrays = 2016 arrays = 252 tiles of 8 arrays.
  const SystemReport r = estimate_analog(dense_workload(1000, 1000), arch, reg, 1);
  bool noted = false;
  for (const std::string& n : r.notes)
    noted = noted || n.find("reprogramming") != std::string::npos;
  CHECK(noted);
  CHECK(count_of(r, "network", "cell", "write") > 0);
  const SystemReport fits = estimate_analog(dense_workload(100, 10), arch, reg, 1);
  CHECK(count_of(fits, "network", "cell", "write") == 0);
}

TEST_CASE("contradictory architecture values are rejected naming the key") {
  const Registry& reg = builtin_registry();
  // The input buffer must hold one input vector of an array: 128 rows x 9 bits.
  const ArchConfig tiny =
      load_arch(arch_path("reram"), parse_overrides({"tile.input_buffer.capacity_bits=1000"}), reg);
  CHECK_THROWS_WITH_AS(estimate_analog(dense_workload(10, 10), tiny, reg, 1),
                       doctest::Contains("tile.input_buffer.capacity_bits"), ConfigError);
  // No chip section: the system layer says what is missing.
  CHECK_THROWS_WITH_AS(
      estimate_analog(
          dense_workload(10, 10),
          load_arch(std::string(XBARSIM_TEST_DATA_DIR) + "/config/minimal.yaml", {}, reg), reg, 1),
      doctest::Contains("chip"), ConfigError);
}
