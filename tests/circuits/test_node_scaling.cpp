// The technology-node rule (docs/costs.md#node-scaling) against its source, Stillmaker and
// Baas, Integration 58 (2017): their worked example and their node-to-node area table.
#include <doctest/doctest.h>

#include <stdexcept>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/node_scaling.hpp"
#include "xbarsim/core/error.hpp"

using namespace xbarsim;

TEST_CASE("node scaling reproduces Stillmaker and Baas's worked example") {
  // Their erratum's example: 1 pJ per operation at 65 nm and 1.3 V is 0.4571 / 2.604 =
  // 0.1755 pJ at high-performance 32 nm and 0.9 V (factors quoted to 4 digits).
  const NodeFactors f = node_scaling(65e-9, 1.3, 32e-9, 0.9);
  CHECK(f.energy == doctest::Approx(0.4571 / 2.604).epsilon(5e-4));
  // Going there and back is the identity.
  const NodeFactors back = node_scaling(32e-9, 0.9, 65e-9, 1.3);
  CHECK(f.energy * back.energy == doctest::Approx(1.0));
  CHECK(f.delay * back.delay == doctest::Approx(1.0));
  CHECK(f.area * back.area == doctest::Approx(1.0));
}

TEST_CASE("node scaling's area factors match the paper's node-to-node table") {
  // Entries of their area table (2 significant figures); the rule uses the factors from
  // 180 nm, so a ratio may differ from a direct entry by the rounding of both, < 10 %.
  struct Entry {
    double from_nm, to_nm, factor;
  };
  const Entry table[] = {{32, 65, 3.3},   {45, 32, 0.46}, {32, 7, 0.13},
                         {130, 65, 0.23}, {65, 45, 0.66}, {45, 7, 0.059}};
  for (const Entry& e : table) {
    CAPTURE(e.from_nm);
    CAPTURE(e.to_nm);
    CHECK(node_scaling(e.from_nm * 1e-9, 1.0, e.to_nm * 1e-9, 1.0).area ==
          doctest::Approx(e.factor).epsilon(0.1));
  }
}

TEST_CASE("node scaling refuses nodes outside the fit") {
  CHECK_THROWS_AS(node_scaling(22e-9, 0.8, 32e-9, 0.9), std::invalid_argument);
  CHECK_THROWS_AS(node_scaling(32e-9, 0.0, 7e-9, 0.7), std::invalid_argument);
  const Registry& reg = builtin_registry();
  const std::string reram = data_dir() + "/arch/reram.yaml";
  CHECK_THROWS_WITH_AS(
      load_arch(reram, parse_overrides({"chip.node_nm=28", "chip.supply_voltage_v=0.9"}), reg),
      doctest::Contains("chip.node_nm"), ConfigError);
  CHECK_THROWS_WITH_AS(load_arch(reram, parse_overrides({"chip.node_nm=7"}), reg),
                       doctest::Contains("chip.supply_voltage_v"), ConfigError);
}

TEST_CASE("chip.node_nm scales every circuit card, and mixed nodes warn without it") {
  const Registry& reg = builtin_registry();
  const std::string isaac = data_dir() + "/arch/isaac.yaml";
  const ArchConfig own = load_arch(isaac, {}, reg);
  CHECK_FALSE(own.warnings.empty());  // ISAAC's 32 nm cards with Horowitz's 45 nm buffers
  const ArchConfig at7 =
      load_arch(isaac, parse_overrides({"chip.node_nm=7", "chip.supply_voltage_v=0.7"}), reg);
  CHECK(at7.warnings.empty());
  const NodeFactors f32 = node_scaling(32e-9, 0.9, 7e-9, 0.7);
  CHECK(at7.tile.adc.params.real("energy_per_conversion_j") ==
        doctest::Approx(own.tile.adc.params.real("energy_per_conversion_j") * f32.energy));
  CHECK(at7.tile.adc.params.real("area_m2") ==
        doctest::Approx(own.tile.adc.params.real("area_m2") * f32.area));
  const NodeFactors f45 = node_scaling(45e-9, 0.9, 7e-9, 0.7);
  CHECK(
      at7.system->global_buffer.params.real("read_energy_per_bit_j") ==
      doctest::Approx(own.system->global_buffer.params.real("read_energy_per_bit_j") * f45.energy));
  // Off-chip DRAM is not scaled.
  CHECK(at7.system->dram.params.real("energy_per_bit_j") ==
        own.system->dram.params.real("energy_per_bit_j"));
}

TEST_CASE("a table ADC follows bits by its rule or refuses the change") {
  const Registry& reg = builtin_registry();
  const std::string isaac = data_dir() + "/arch/isaac.yaml";
  auto adc_at = [&](int bits) {
    const ArchConfig a =
        load_arch(isaac, parse_overrides({"tile.adc.bits=" + std::to_string(bits)}), reg);
    return reg.make_adc(a.tile.adc.model, a.tile.adc.params);
  };
  // isaac_sar_8b.yaml: 1.5625 pJ and 0.0012 mm^2 at 8 bits, Walden scaling (x2 per bit).
  CHECK(adc_at(4)->energy_per_conversion_j() == doctest::Approx(1.5625e-12 / 16));
  CHECK(adc_at(8)->energy_per_conversion_j() == doctest::Approx(1.5625e-12));
  CHECK(adc_at(4)->area_m2() == doctest::Approx(0.0012e-6 / 16));
  const ArchConfig refused =
      load_arch(isaac, parse_overrides({"tile.adc.bits=6", "tile.adc.bits_scaling=none"}), reg);
  CHECK_THROWS_WITH_AS(reg.make_adc(refused.tile.adc.model, refused.tile.adc.params),
                       doctest::Contains("isaac_sar_8b.yaml"), ConfigError);
}
