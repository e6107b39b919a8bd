// The fairness rules of the in-memory against digital comparison
// (docs/digital_baseline.md#fairness, docs/energy_model.md): each test fails if its rule is
// removed. Expected values come from closed forms of the model's documented equations.
#include <doctest/doctest.h>

#include <cmath>

#include "system/system_fixtures.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/system/analog_system.hpp"
#include "xbarsim/system/comparison.hpp"

using namespace xbarsim;

namespace {

using test::arch_path;
using test::dense_workload;

double total(const SystemReport& r, const std::string& component, const std::string& action,
             const std::string& layer = "") {
  double c = 0;
  for (const ActionLine& a : r.actions)
    if (a.component == component && a.action == action && (layer.empty() || a.layer == layer))
      c += a.count;
  return c;
}

}  // namespace

TEST_CASE("by default the digital side prices the in-memory chip's DRAM card") {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(arch_path("reram"), {}, reg);
  const DigitalBaseline same = fair_digital_baseline(arch, {}, reg);
  CHECK(same.dram.config.card_path == arch.system->dram.card_path);
  ComparisonOptions own;
  own.digital_own_dram = true;
  const DigitalBaseline theirs = fair_digital_baseline(arch, own, reg);
  CHECK(theirs.dram.config.card_path != arch.system->dram.card_path);
  // The DRAM energy per bit is then the same on both sides.
  const Workload w = dense_workload(256, 64);
  const Comparison c = compare(w, arch, reg, 1, {});
  const double bits_a = total(c.analog, "dram", "read_bit") + total(c.analog, "dram", "write_bit");
  const double bits_d =
      total(c.digital, "dram", "read_bit") + total(c.digital, "dram", "write_bit");
  REQUIRE(bits_a > 0);
  REQUIRE(bits_d > 0);
  CHECK(c.analog.energy_j("dram") / bits_a == doctest::Approx(c.digital.energy_j("dram") / bits_d));
  CHECK(c.assumptions.front().find("the same card on both sides") != std::string::npos);
}

TEST_CASE("weights that fit the digital weight store are loaded once, the rest streamed") {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(arch_path("reram"), {}, reg);
  const Workload w = dense_workload(512, 256);  // 131072 weights of 8 bits
  const double weight_bits = 512.0 * 256.0 * 8.0;
  SUBCASE("fits: no DRAM weight reads per batch, one load of every weight bit") {
    const Comparison c = compare(w, arch, reg, 4, {});
    CHECK(total(c.digital, "dram", "read_bit", "fc") == 0);
    CHECK(total(c.digital, "weight_buffer", "read_bit", "fc") >= weight_bits);
    double loaded = 0;
    for (const ActionLine& a : c.digital.setup)
      if (a.component == "dram") loaded += a.count;
    CHECK(loaded == weight_bits);
    CHECK(c.digital.setup_energy_j() > 0);
  }
  SUBCASE("does not fit: the layer streams its weights from DRAM for every batch") {
    ComparisonOptions o;
    o.digital_path = data_dir() + "/arch/digital/int8_ws.yaml";
    DigitalBaseline d = fair_digital_baseline(arch, o, reg);
    d.weight_buffer.capacity_bits = weight_bits - 1;
    const SystemReport r = estimate_digital(w, d, 4);
    CHECK(total(r, "dram", "read_bit", "fc") >= weight_bits);
    CHECK(r.setup.empty());
  }
  SUBCASE("the in-memory one-time load programs every cell once and reads each weight once") {
    const SystemReport a = estimate_analog(w, arch, reg, 1);
    double cells = 0, dram_bits = 0;
    for (const ActionLine& l : a.setup) {
      if (l.component == "cell") cells += l.count;
      if (l.component == "dram") dram_bits += l.count;
    }
    // 8-bit weights in 2-bit cells: 4 slices, each weight a differential pair: 8 cells.
    CHECK(cells == 512.0 * 256.0 * 8.0);
    CHECK(dram_bits == weight_bits);
    CHECK(total(a, "cell", "write") == 0);  // not in the per-batch energy
  }
}

TEST_CASE("--inferences-per-load shares the one-time load over N inferences") {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(arch_path("reram"), {}, reg);
  const Comparison c = compare(dense_workload(256, 64), arch, reg, 8, {});
  const double n = 1000;
  CHECK(c.analog.energy_per_inference_j(n) ==
        doctest::Approx(c.analog.energy_j() / 8 + c.analog.setup_energy_j() / n));
  CHECK(c.analog.energy_per_inference_j(0) == doctest::Approx(c.analog.energy_j() / 8));
}

TEST_CASE("the energy categories add up to the total (conservation)") {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(arch_path("reram"), {}, reg);
  const Comparison c = compare(dense_workload(300, 70), arch, reg, 3, {});
  for (const SystemReport* r : {&c.analog, &c.digital}) {
    const double sum = r->energy_j(EnergyCategory::kCompute) +
                       r->energy_j(EnergyCategory::kOnChipMovement) +
                       r->energy_j(EnergyCategory::kDram);
    CHECK(sum == doctest::Approx(r->energy_j()).epsilon(1e-12));
    CHECK(r->energy_j(EnergyCategory::kDram) == doctest::Approx(r->energy_j("dram")));
  }
}

TEST_CASE("DAC drives are priced at the architecture's own read time") {
  const Registry& reg = builtin_registry();
  const Workload w = dense_workload(128, 64);
  auto dac_j = [&](const std::string& pulse) {
    const ArchConfig a =
        load_arch(arch_path("reram"), parse_overrides({"tile.device.read_pulse_s=" + pulse}), reg);
    const SystemReport r = estimate_analog(w, a, reg, 1);
    return r.energy_j("dac") / total(r, "dac", "drive");
  };
  const ArchConfig arch = load_arch(arch_path("reram"), {}, reg);
  const auto tile = make_tile_models(arch, reg);
  const double p = tile->dac->static_power_w(), e0 = tile->dac->energy_per_drive_j();
  REQUIRE(p > 0);
  CHECK(dac_j("1e-9") == doctest::Approx(e0 + p * 1e-9));
  CHECK(dac_j("1e-7") == doctest::Approx(e0 + p * 1e-7));  // ISAAC's 100 ns: 0.39 pJ
  CHECK(dac_j("1e-7") == doctest::Approx(0.390625e-12).epsilon(1e-3));
}

TEST_CASE("partial sums are priced at the exact width of the mapping") {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(arch_path("reram"), {}, reg);
  // K = 300 rows of 8-bit weights (127 max magnitude) and 8-bit inputs (255):
  // ceil(log2(300 * 127 * 255 + 1)) + 1 = 24 + 1 = 25 bits.
  const double p = std::ceil(std::log2(300.0 * 127.0 * 255.0 + 1.0)) + 1.0;
  CHECK(p == 25);
  const SystemReport r = estimate_analog(dense_workload(300, 70), arch, reg, 1);
  // 70 outputs x 3 row blocks of 128 rows, one vector.
  CHECK(total(r, "output_buffer", "write_bit", "fc") == 70.0 * 3.0 * p);
  CHECK_THROWS_WITH_AS(
      load_arch(arch_path("reram"), parse_overrides({"chip.partial_sum_bits=16"}), reg),
      doctest::Contains("partial_sum_bits"), ConfigError);
}

TEST_CASE("a layer split over two adjacent tiles counts one hop per partial sum") {
  const Registry& reg = builtin_registry();
  // 1 array per tile, 128 rows: 256 inputs are two row blocks on tiles 0 and 1 (adjacent on
  // the mesh); 32 outputs in one column block; continuous weights: one slice.
  const ArchConfig arch =
      load_arch(arch_path("reram"),
                parse_overrides({"tile.arrays=1", "tile.mapping.weight_encoding=continuous"}), reg);
  const Workload w = dense_workload(256, 32);
  const SystemReport r = estimate_analog(w, arch, reg, 5);
  const double p = std::ceil(std::log2(256.0 * 127.0 * 255.0 + 1.0)) + 1.0;
  const double psum_hops = 32.0 * 5.0 * p * 1.0;
  // Activations: each tile receives the half of the 256 inputs its row block needs (8 bits,
  // unsigned after the ReLU) from the producer's location; the relu sits with the network
  // input at the port, tile 0: tile 0 is 0 hops away, tile 1 one hop.
  const double act_hops = 5.0 * 256.0 * 8.0 * (0.5 * 0.0 + 0.5 * 1.0);
  CHECK(total(r, "noc", "bit_hop", "fc") == doctest::Approx(psum_hops + act_hops));
}

TEST_CASE("a card that includes another component's cost cannot be priced twice") {
  const Registry& reg = builtin_registry();
  CHECK_NOTHROW(load_arch(arch_path("sram"), {}, reg));
  // Valavi's macro energy includes the column readout; sram.yaml prices an ADC.
  try {
    load_arch(arch_path("sram"),
              parse_overrides({"tile.device.card=device_models/sram/valavi_jssc2019.yaml"}), reg);
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("valavi_jssc2019.yaml") != std::string::npos);
    CHECK(what.find("isaac_sar_8b.yaml") != std::string::npos);
  }
  // Jia's array energy includes the row drivers: a priced DAC is refused too.
  CHECK_THROWS_WITH_AS(
      load_arch(arch_path("sram"), parse_overrides({"tile.dac.static_power_w=1e-6"}), reg),
      doctest::Contains("isaac_1b.yaml"), ConfigError);
}

TEST_CASE("peak power of the arrays follows their read rate") {
  const Registry& reg = builtin_registry();
  const ArchConfig arch = load_arch(arch_path("reram"), {}, reg);
  const SystemReport r = estimate_analog(dense_workload(128, 64), arch, reg, 1);
  const auto tile = make_tile_models(arch, reg);
  // 8 arrays of 128 columns in differential pairs: 64 conversions per array per step on
  // 16 ADCs: 4 x t_conv, longer than the 1 ns pulse.
  const double step = std::max(tile->device->read_pulse_s(), 4.0 * tile->adc->conversion_time_s());
  double adc_w = -1, chip = 0;
  for (const PowerLine& p : r.peak_power) {
    if (p.component == "adc") adc_w = p.per_tile_w;
    chip += p.per_chip_w;
  }
  CHECK(adc_w == doctest::Approx(8.0 * 64.0 * tile->adc->energy_per_conversion_j() / step));
  CHECK(r.peak_power_per_chip_w() == doctest::Approx(chip));
}
