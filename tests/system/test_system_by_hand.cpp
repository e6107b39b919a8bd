// The in-memory system model of one small layer, derived by hand from docs/energy_model.md
// with every unit cost set to a round number by an override: buffers, network-on-chip,
// global buffer, DRAM, latency and area. Nothing expected here is taken from the report.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "system/system_fixtures.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/system/analog_system.hpp"

using namespace xbarsim;

namespace {

using test::arch_path;
using test::dense_workload;

struct Sum {
  double count = 0, energy_j = 0;
};

Sum sum_of(const std::vector<ActionLine>& lines, const std::string& component,
           const std::string& action) {
  Sum s;
  for (const ActionLine& a : lines)
    if (a.component == component && a.action == action) {
      s.count += a.count;
      s.energy_j += a.energy_j();
    }
  return s;
}

double area_of(const SystemReport& r, const std::string& component) {
  double m2 = 0;
  for (const AreaLine& a : r.area)
    if (a.component == component) m2 += a.area_m2();
  return m2;
}

}  // namespace

// Sums of a few exact products: equal to rounding. A macro, so that a failure names its line.
#define CHECK_CLOSE(got, want) CHECK((got) == doctest::Approx(want).epsilon(1e-12))

TEST_CASE("one dense layer by hand: buffers, network-on-chip, global buffer, DRAM, latency, area") {
  const Registry& reg = builtin_registry();
  // data/arch/reram.yaml: 128 x 128 arrays, 8 columns per ADC (16 ADCs an array), 1-bit DAC,
  // 8-bit inputs (K = 8 cycles), 8-bit weights in 2-bit cells (7 magnitude bits: S = 4
  // slices), differential pairs (64 outputs an array), input buffer of 16384 bits, output
  // buffer of 2048, global buffer of 1048576; SRAM cards with a 65536-bit reference capacity.
  // No chip.node_nm: no card is scaled to another node.
  const ArchConfig arch = load_arch(
      arch_path("reram"),
      parse_overrides(
          {"tile.arrays=4", "chip.tiles=4", "chip.mesh_columns=2", "chip.tiles_per_router=2",
           "tile.device.read_pulse_s=1e-9", "tile.adc.conversion_time_s=1e-9",
           // SRAM: energy per bit x sqrt(capacity / reference), area per bit x capacity.
           "tile.input_buffer.read_energy_per_bit_j=4e-15",
           "tile.input_buffer.write_energy_per_bit_j=8e-15",
           "tile.input_buffer.area_per_bit_m2=1e-12",
           "tile.output_buffer.reference_capacity_bits=512",
           "tile.output_buffer.read_energy_per_bit_j=1e-15",
           "tile.output_buffer.write_energy_per_bit_j=3e-15",
           "tile.output_buffer.area_per_bit_m2=1e-12",
           "chip.global_buffer.read_energy_per_bit_j=1e-15",
           "chip.global_buffer.write_energy_per_bit_j=2e-15",
           "chip.global_buffer.area_per_bit_m2=1e-13", "chip.noc.energy_per_bit_hop_j=1e-14",
           "chip.noc.area_m2=1e-8", "chip.dram.energy_per_bit_j=1e-12",
           "tile.device.cell_area_m2=1e-15", "tile.adc.area_m2=1e-9", "tile.dac.area_m2=1e-13",
           "tile.sample_hold.area_m2=1e-14", "tile.shift_add.area_m2=1e-11",
           "chip.digital.add_area_m2=3e-11", "chip.digital.mult_area_m2=2e-10"}),
      reg);
  // ReLU then a dense layer of 200 inputs x 40 outputs, batch B = 2: N = 2 vectors of
  // unsigned 8-bit activations (a = 8 bits, P = 1 phase).
  const double batch = 2;
  const SystemReport r = estimate_analog(dense_workload(200, 40), arch, reg, batch);

  // Placement. Row blocks: 128 + 72 rows; one column block (40 outputs); 2 x 1 x 4 = 8 arrays
  // on tiles of 4: 2 tiles. Arrays are numbered row block first, so tile 0 holds row block 0
  // and tile 1 row block 1. Mesh of 2 columns: tile 0 at (0, 0), the I/O port's place, tile 1
  // at (1, 0): one hop apart.
  //
  // Partial-sum width p = ceil(log2(200 x 127 x 255 + 1)) + 1 = ceil(log2(6477001)) + 1 = 24
  // (2^22 = 4194304 < 6477001 < 2^23).
  const double p = 24;
  CHECK(std::ceil(std::log2(200.0 * 127 * 255 + 1)) + 1 == p);

  SUBCASE("input buffers") {
    // Unit costs: x sqrt(16384 / 65536) = x 1/2: write 4e-15 J, read 2e-15 J per bit.
    // Writes: every tile stores the rows of its row blocks once per vector:
    // (128 + 72) rows x N 2 x a 8 = 3200 bits.
    const Sum w = sum_of(r.actions, "input_buffer", "write_bit");
    CHECK_CLOSE(w.count, 3200);
    CHECK_CLOSE(w.energy_j, 3200 * 4e-15);
    // Reads: every array reads its rows' inputs once per vector: 4 slices x (128 + 72) rows x
    // N 2 x 8 bits = 12800 bits.
    const Sum rd = sum_of(r.actions, "input_buffer", "read_bit");
    CHECK_CLOSE(rd.count, 12800);
    CHECK_CLOSE(rd.energy_j, 12800 * 2e-15);
  }

  SUBCASE("output buffers") {
    // Unit costs: x sqrt(2048 / 512) = x 2: write 6e-15 J, read 2e-15 J per bit.
    // One partial sum per output and row block per vector: 40 x 2 x N 2 = 160 sums of p = 24
    // bits = 3840 bits, written once and read once.
    const Sum w = sum_of(r.actions, "output_buffer", "write_bit");
    const Sum rd = sum_of(r.actions, "output_buffer", "read_bit");
    CHECK_CLOSE(w.count, 3840);
    CHECK_CLOSE(rd.count, 3840);
    CHECK_CLOSE(w.energy_j, 3840 * 6e-15);
    CHECK_CLOSE(rd.energy_j, 3840 * 2e-15);
  }

  SUBCASE("network-on-chip") {
    // 1e-14 J per bit-hop, three flows:
    // - activations into the layer: 200 x 8 bits x B 2 = 3200 bits leave tile 0 (the ReLU
    //   runs where the input arrived, at the port); tile 0 takes its share 128/200 over 0
    //   hops, tile 1 its 72/200 over 1 hop: 3200 x 0.36 = 1152 bit-hops;
    // - partial sums of row block 1 to row block 0's tile: 40 outputs x N 2 x p 24 x 1 hop =
    //   1920 bit-hops;
    // - logits back to the port: 40 x B 2 x p 24 = 1920 bits over the mean distance from the
    //   layer's tiles {0, 1} to tile 0, (0 + 1) / 2: 960 bit-hops.
    const Sum n = sum_of(r.actions, "noc", "bit_hop");
    CHECK_CLOSE(n.count, 1152 + 1920 + 960);
    CHECK_CLOSE(n.energy_j, (1152 + 1920 + 960) * 1e-14);
  }

  SUBCASE("global buffer") {
    // Unit costs: x sqrt(1048576 / 65536) = x 4: write 8e-15 J, read 4e-15 J per bit.
    // The network input, 200 pixels x 8 bits x B 2 = 3200 bits, and the logits, 1920 bits,
    // each pass through it once: 5120 bits written and read.
    const Sum w = sum_of(r.actions, "global_buffer", "write_bit");
    const Sum rd = sum_of(r.actions, "global_buffer", "read_bit");
    CHECK_CLOSE(w.count, 5120);
    CHECK_CLOSE(rd.count, 5120);
    CHECK_CLOSE(w.energy_j, 5120 * 8e-15);
    CHECK_CLOSE(rd.energy_j, 5120 * 4e-15);
  }

  SUBCASE("DRAM") {
    // 1e-12 J per bit. Per batch: the input read, 3200 bits; the logits written, 1920 bits.
    const Sum rd = sum_of(r.actions, "dram", "read_bit");
    const Sum w = sum_of(r.actions, "dram", "write_bit");
    CHECK_CLOSE(rd.count, 3200);
    CHECK_CLOSE(w.count, 1920);
    CHECK_CLOSE(rd.energy_j + w.energy_j, (3200 + 1920) * 1e-12);
    // The network fits (2 of 4 tiles): the weights, 200 x 40 x 8 bits = 64000, are read once,
    // as part of the one-time load, not of every batch.
    const Sum load = sum_of(r.setup, "dram", "read_bit");
    CHECK_CLOSE(load.count, 64000);
    CHECK_CLOSE(load.energy_j, 64000 * 1e-12);
  }

  SUBCASE("latency") {
    // A read step: the read pulse, 1 ns, against converting the array's 40 outputs on its
    // 128 / 8 = 16 ADCs, ceil(40 / 16) = 3 conversions of 1 ns: 3 ns. A sample takes
    // K 8 x P 1 steps = 24 ns; a batch of 2 through the one-stage pipeline, 24 + (2 - 1) x 24.
    CHECK_CLOSE(r.latency_s, 48e-9);
  }

  SUBCASE("area") {
    // Every tile of the chip, used or not: 4 tiles x 4 arrays = 16 arrays.
    const double cells = 16 * 128 * 128 * 1e-15;     // 262144 cells
    const double adcs = 16 * 16 * 1e-9;              // 16 per array, at reference_bits = bits = 8
    const double dacs = 16 * 128 * 1e-13;            // one per row
    const double sample_holds = 16 * 128 * 1e-14;    // one per column
    const double shift_adds = 4 * (4 * 16) * 1e-11;  // default: one per ADC
    const double input_buffers = 4 * 16384 * 1e-12;  // one per tile
    const double output_buffers = 4 * 2048 * 1e-12;
    const double digital = 4 * (3e-11 + 2e-10);  // one unit (adder + multiplier) per tile
    const double routers = 2 * 1e-8;             // ceil(4 tiles / 2 per router)
    const double global_buffer = 1048576 * 1e-13;
    CHECK_CLOSE(area_of(r, "input_buffer"), input_buffers);
    CHECK_CLOSE(area_of(r, "output_buffer"), output_buffers);
    CHECK_CLOSE(area_of(r, "noc"), routers);
    CHECK_CLOSE(area_of(r, "global_buffer"), global_buffer);
    CHECK_CLOSE(area_of(r, "cell"), cells);
    CHECK_CLOSE(area_of(r, "adc"), adcs);
    CHECK_CLOSE(r.area_m2(), cells + adcs + dacs + sample_holds + shift_adds + input_buffers +
                                 output_buffers + digital + routers + global_buffer);
  }
}
