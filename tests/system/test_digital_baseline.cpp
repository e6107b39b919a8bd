// The digital baseline's counts and prices (src/system/digital_baseline.cpp) against the
// closed forms of docs/digital_baseline.md, worked out by hand here on toy layers, with cost
// models whose prices the test chooses.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "system/test_digital_util.hpp"
#include "xbarsim/config/arch_config.hpp"
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

double sum_dram(const DigitalCounts& c, bool read) {
  double s = read ? c.network.dram_read.total() : c.network.dram_write.total();
  for (const DigitalLayerCounts& l : c.layers)
    s += read ? l.dram_read.total() : l.dram_write.total();
  return s;
}

const DigitalLayerCounts& layer(const DigitalCounts& c, const std::string& name) {
  for (const DigitalLayerCounts& l : c.layers)
    if (l.layer == name) return l;
  FAIL("no layer " << name);
  return c.layers.front();
}

// The toy layer of docs/digital_baseline.md#worked-example: K = 40 inputs, M = 20 outputs,
// batch N = 6, on an 8 x 8 array, b = 8, p = 32. Then TK = ceil(40/8) = 5, TM = ceil(20/8) = 3,
// weight tile 8*8*8 = 512 bits, input row K b = 320 bits, partial-sum block 8*6*32 = 1536
// bits, input tensor 40*6*8 = 1920 bits, logits 20*6*8 = 960 bits, weights 40*20*8 = 6400.
constexpr Index kK = 40, kM = 20;
constexpr double kBatch = 6;
constexpr double kBig = 1e9;  // a global buffer that holds everything

TEST_CASE("digital: MACs equal the workload's K M N for a hand-built network, any batch") {
  const Workload w = small_net();
  REQUIRE(w.macs_per_sample() == kSmallNetMacsPerSample);
  for (double batch : {1.0, 3.0, 16.0}) {
    for (double gb : {kBig, 4096.0}) {
      const SystemReport r = estimate_digital(w, toy_baseline(8, 8, gb), batch);
      CHECK(r.macs == kSmallNetMacsPerSample * batch);
      double mac_count = 0;
      for (const ActionLine& a : r.actions)
        if (a.component == "mac") mac_count += a.count;
      CHECK(mac_count == kSmallNetMacsPerSample * batch);
    }
  }
}

TEST_CASE("digital: MACs of the shipped workloads equal Workload::macs_per_sample() x batch") {
  for (const char* name : {"resnet18", "fmnist_cnn", "fmnist_mlp"}) {
    const fs::path path = fs::path(data_dir()) / "workloads" / (std::string(name) + ".yaml");
    REQUIRE_MESSAGE(fs::exists(path), path.string());
    const Workload w = load_workload(path.string());
    // A 108 KiB buffer and an unbounded one: the MACs do not depend on it.
    for (double gb : {8.0 * 108 * 1024, 1e12}) {
      const SystemReport r = estimate_digital(w, toy_baseline(16, 16, gb), 4);
      CHECK_MESSAGE(r.macs == doctest::Approx(w.macs_per_sample() * 4).epsilon(1e-15), name);
      double weight_bits = 0;
      for (const DigitalLayerCounts& l : count_digital(w, toy_baseline(16, 16, gb), 4).layers)
        weight_bits += l.dram_read.weights;
      // Every weight read from DRAM at least once; exactly once when the buffer holds all.
      if (gb == 1e12)
        CHECK(weight_bits == w.weights() * 8);
      else
        CHECK(weight_bits >= w.weights() * 8);
    }
  }
}

TEST_CASE("digital: one dense layer's counts match the loop nest's closed forms") {
  const DigitalCounts c = count_digital(one_dense(kK, kM), toy_baseline(8, 8, kBig), kBatch);
  REQUIRE(c.layers.size() == 1);
  const DigitalLayerCounts& l = c.layers[0];
  CHECK(l.macs == 40 * 20 * 6);  // K M N
  CHECK(l.ops == 20 * 6);        // one bias add per output
  // Register file: per MAC reads weight, activation, partial sum (8 + 8 + 32), writes the
  // forwarded activation and the partial sum (8 + 32); each weight written once (8).
  CHECK(l.rf_read_bits == 4800 * 48);
  CHECK(l.rf_write_bits == 4800 * 40 + 800 * 8);
  // PE-to-PE hops, enumerated tile by tile: activations cross C_eff - 1 links per row,
  // partial sums R_eff - 1 links per column, for each of the N vectors.
  double hops = 0;
  for (Index k0 = 0; k0 < kK; k0 += 8)
    for (Index m0 = 0; m0 < kM; m0 += 8) {
      const double r = static_cast<double>(std::min<Index>(8, kK - k0));
      const double cc = static_cast<double>(std::min<Index>(8, kM - m0));
      hops += kBatch * (r * (cc - 1) * 8 + cc * (r - 1) * 32);
    }
  CHECK(l.noc_bit_hops == hops);
  CHECK(hops == 6.0 * 40 * (20 - 3) * 8 + 6.0 * 20 * (40 - 5) * 32);
  // Global buffer.
  CHECK(l.gb_read.weights == 6400);           // each weight once, into the PEs
  CHECK(l.gb_write.weights == 6400);          // each weight once, from DRAM
  CHECK(l.gb_read.inputs == 3 * 40 * 6 * 8);  // TM K N b: all inputs once per M-tile
  CHECK(l.gb_write.inputs == 0);              // the network line brought them in
  CHECK(l.gb_read.psums == 4 * 20 * 6 * 32);  // (TK - 1) M N p
  CHECK(l.gb_write.psums == 4 * 20 * 6 * 32);
  CHECK(l.gb_write.outputs == 960);           // M N b
  CHECK(l.gb_read.outputs == 0);              // logits leave on the network line
  CHECK(c.network.dram_read.inputs == 1920);  // network input, once
  CHECK(c.network.gb_write.inputs == 1920);
  CHECK(c.network.gb_read.outputs == 960);  // logits, once
  CHECK(c.network.dram_write.outputs == 960);
  CHECK(l.dram_read.total() == 6400);
  CHECK(l.dram_write.total() == 0);
  CHECK_FALSE(l.psums_spilled);
  CHECK(l.input_resident);
  // Cycles: TK TM max(N, R) + 2R + C - 2 = 5*3*8 + 16 + 8 - 2.
  CHECK(l.compute_cycles == 142);
  const DigitalCounts c20 = count_digital(one_dense(kK, kM), toy_baseline(8, 8, kBig), 20);
  CHECK(c20.layers[0].compute_cycles == 5 * 3 * 20 + 22);
}

TEST_CASE("digital: one dense layer's energy is the sum of count x cost over components") {
  const SystemReport r = estimate_digital(one_dense(kK, kM), toy_baseline(8, 8, kBig), kBatch);
  const double mac = 4800 * kMacJ;
  const double logic = 120 * kAddJ;
  const double rf = 4800.0 * 48 * kRfReadJ + (4800.0 * 40 + 6400) * kRfWriteJ;
  const double noc = (6.0 * 40 * 17 * 8 + 6.0 * 20 * 35 * 32) * kHopJ;
  const double gb =
      (6400 + 5760 + 15360 + 960) * kGbReadJ + (6400 + 15360 + 960 + 1920) * kGbWriteJ;
  const double dram = (6400 + 1920) * kDramReadJ + 960 * kDramWriteJ;
  CHECK(r.energy_j("mac") == doctest::Approx(mac).epsilon(1e-12));
  CHECK(r.energy_j("logic") == doctest::Approx(logic).epsilon(1e-12));
  CHECK(r.energy_j("register_file") == doctest::Approx(rf).epsilon(1e-12));
  CHECK(r.energy_j("noc") == doctest::Approx(noc).epsilon(1e-12));
  CHECK(r.energy_j("global_buffer") == doctest::Approx(gb).epsilon(1e-12));
  CHECK(r.energy_j("dram") == doctest::Approx(dram).epsilon(1e-12));
  CHECK(r.energy_j() == doctest::Approx(mac + logic + rf + noc + gb + dram).epsilon(1e-12));
  CHECK(r.tops_per_w() == doctest::Approx(2.0 * 4800 / r.energy_j() / 1e12).epsilon(1e-12));
}

TEST_CASE("digital: report energy equals the counts times the costs (small network)") {
  for (double gb : {kBig, 1500.0}) {
    const DigitalBaseline cfg = toy_baseline(8, 8, gb, true);
    const DigitalCounts c = count_digital(small_net(), cfg, 2);
    const SystemReport r = estimate_digital(small_net(), cfg, 2);
    double mac = 0, logic = 0, rf = 0, noc = 0, gbe = 0, dram = 0;
    std::vector<const DigitalLayerCounts*> lines{&c.network};
    for (const DigitalLayerCounts& l : c.layers) lines.push_back(&l);
    for (const DigitalLayerCounts* l : lines) {
      mac += l->macs * kMacJ;
      logic += (l->ops - l->compares) * kAddJ + l->compares * kCompareJ;
      rf += l->rf_read_bits * kRfReadJ + l->rf_write_bits * kRfWriteJ;
      noc += l->noc_bit_hops * kHopJ;
      gbe += l->gb_read.total() * kGbReadJ + l->gb_write.total() * kGbWriteJ;
      dram += l->dram_read.total() * kDramReadJ + l->dram_write.total() * kDramWriteJ;
    }
    CHECK(r.energy_j("mac") == doctest::Approx(mac).epsilon(1e-12));
    CHECK(r.energy_j("logic") == doctest::Approx(logic).epsilon(1e-12));
    CHECK(r.energy_j("register_file") == doctest::Approx(rf).epsilon(1e-12));
    CHECK(r.energy_j("noc") == doctest::Approx(noc).epsilon(1e-12));
    CHECK(r.energy_j("global_buffer") == doctest::Approx(gbe).epsilon(1e-12));
    CHECK(r.energy_j("dram") == doctest::Approx(dram).epsilon(1e-12));
    CHECK(r.energy_j() == doctest::Approx(mac + logic + rf + noc + gbe + dram).epsilon(1e-12));
    // Every bit read from DRAM is written into the global buffer, and every bit written to
    // DRAM is read out of it.
    for (const DigitalLayerCounts* l : lines) {
      CHECK(l->gb_write.inputs == l->dram_read.inputs);
      CHECK(l->gb_read.outputs == l->dram_write.outputs);
    }
  }
}

TEST_CASE("digital: comparisons (max pool, ReLU) priced by the logic card's compare action") {
  const DigitalCounts c = count_digital(small_net(), toy_baseline(8, 8, kBig), 1);
  // ReLU: one comparison per element (4*8*8); max pool 2x2: 3 per output (4*4*4*3).
  CHECK(layer(c, "relu1").compares == 256);
  CHECK(layer(c, "pool1").compares == 64 * 3);
  CHECK(layer(c, "add").compares == 0);
  CHECK(layer(c, "add").ops == 64);
  const SystemReport with = estimate_digital(small_net(), toy_baseline(8, 8, kBig, true), 1);
  const SystemReport without = estimate_digital(small_net(), toy_baseline(8, 8, kBig), 1);
  CHECK(with.energy_j("logic") - without.energy_j("logic") ==
        doctest::Approx((256 + 192) * (kCompareJ - kAddJ)).epsilon(1e-9));
}

TEST_CASE("digital: everything resident: DRAM traffic is weights, network input and logits") {
  const DigitalCounts c = count_digital(small_net(), toy_baseline(8, 8, kBig), 3);
  // Weights (27*4 + 36*4 + 64*10) * 8 bits, input 3*8*8*8 bits per sample, logits 10*8.
  CHECK(sum_dram(c, true) == (27 * 4 + 36 * 4 + 64 * 10) * 8.0 + 3 * 192 * 8.0);
  CHECK(sum_dram(c, false) == 3 * 80.0);
  for (const DigitalLayerCounts& l : c.layers) {
    CHECK(l.input_resident);
    CHECK_FALSE(l.psums_spilled);
  }
  CHECK(layer(c, "flatten").gb_read.total() + layer(c, "flatten").gb_write.total() == 0);
  // The add reads both of its inputs (conv2 and pool1 outputs, 4*4*4*8 bits each, x3).
  CHECK(layer(c, "add").gb_read.inputs == 2 * 512 * 3.0);
  CHECK(layer(c, "add").gb_write.outputs == 512 * 3.0);
}

TEST_CASE(
    "digital: DRAM traffic grows strictly as the global buffer shrinks below the working "
    "set") {
  const Workload w = one_dense(kK, kM);
  auto dram = [&](double gb) {
    const DigitalCounts c = count_digital(w, toy_baseline(8, 8, gb), kBatch);
    return std::pair{sum_dram(c, true), sum_dram(c, false)};
  };
  // Regime 1: input + weight tile + partial sums fit: 1920 + 512 + 1536 = 3968 bits.
  // Weights once, input once, logits once.
  CHECK(dram(kBig) == std::pair{6400.0 + 1920, 960.0});
  CHECK(dram(3968) == std::pair{6400.0 + 1920, 960.0});
  // Regime 2: the input goes to DRAM and streams once per M-tile (TM = 3); the partial
  // sums of all N = 6 vectors still fit beside the weight tile and an input row:
  // 512 + 320 + 6 * 256 = 2368 bits. (Staging the input instead would need
  // 512 + 320 + n (256 + 320) bits: n = 5 at 3967 bits, two blocks, 2 * 6400 + 1920 = 14720
  // bits of DRAM reads, more than 6400 + 3 * 1920 = 12160.)
  CHECK(dram(3967) == std::pair{6400.0 + 3 * 1920, 960.0});
  CHECK(dram(2368) == std::pair{6400.0 + 3 * 1920, 960.0});
  // Regime 3: the stream is cut into blocks of n = floor((S - 832) / 256) vectors so that
  // one block's partial sums fit; the weights (6400 bits, too many to keep) are read once
  // per block. At 2367 bits n = 5: 2 blocks. At 1344 bits n = 2: 3 blocks.
  CHECK(dram(2367) == std::pair{2 * 6400.0 + 3 * 1920, 960.0});
  CHECK(dram(1344) == std::pair{3 * 6400.0 + 3 * 1920, 960.0});
  // Regime 4: at 1343 bits n = 1 would read the weights 6 times (38400 + 5760 = 44160 bits),
  // more than sending the partial sums to DRAM and back between K-tiles, (TK-1) M N p =
  // 15360 bits each way (6400 + 5760 + 2 * 15360 = 42880 bits).
  CHECK(dram(1343) == std::pair{6400.0 + 3 * 1920 + 15360, 960.0 + 15360});
  CHECK(dram(832) == std::pair{6400.0 + 3 * 1920 + 15360, 960.0 + 15360});
  // Strictly growing totals across the regimes.
  auto total = [&](double gb) { return dram(gb).first + dram(gb).second; };
  CHECK(total(3968) < total(3967));
  CHECK(total(2368) < total(2367));
  CHECK(total(2367) < total(1344));
  CHECK(total(1344) < total(1343));

  const DigitalCounts blocked = count_digital(w, toy_baseline(8, 8, 1344), kBatch);
  const DigitalLayerCounts& b = blocked.layers[0];
  CHECK_FALSE(b.psums_spilled);
  CHECK(b.stream_block == 2);
  CHECK(b.stream_blocks == 3);
  CHECK(b.gb_read.weights == 3 * 6400.0);  // each weight into its PE once per block
  CHECK(b.rf_write_bits == 4800.0 * 40 + 3 * 6400);
  CHECK(b.gb_read.inputs == 3 * 40 * 6 * 8.0);  // unchanged: TM K N b
  // Cycles: TK TM (3 blocks x max(2, R = 8)) + 2R + C - 2.
  CHECK(b.compute_cycles == 5 * 3 * 3 * 8 + 22);

  const DigitalCounts spilled = count_digital(w, toy_baseline(8, 8, 1000), kBatch);
  const DigitalLayerCounts& sp = spilled.layers[0];
  CHECK(sp.psums_spilled);
  CHECK(sp.stream_blocks == 1);
  CHECK_FALSE(sp.input_resident);
  CHECK(sp.input_dram_passes == 3);
  // Spilled partial sums pass through the buffer twice more (drain and refill).
  CHECK(sp.gb_read.psums == 2 * 15360.0);
  CHECK(sp.gb_write.psums == 2 * 15360.0);
}

TEST_CASE("digital: weights kept in the buffer across stream blocks, input staged") {
  // K = 16, M = 8 on a 4 x 4 array, batch 64: TK = 4, TM = 2; weights 16*8*8 = 1024 bits,
  // tile 4*4*8 = 128, input row 16*8 = 128, input 16*64*8 = 8192 bits, partial sums
  // 4*32 = 128 bits per vector. With 3000 bits the input (8192) cannot stay; candidates:
  //  - streamed input, partial sums on chip: n = floor((3000 - 256) / 128) = 21, 4 blocks:
  //    4 * 1024 + 2 * 8192 = 20480 bits;
  //  - the same with the weights kept: n = floor((3000 - 1280) / 128) = 13, 5 blocks:
  //    1024 + 2 * 8192 = 17408 bits;
  //  - staged input (128 + 128 = 256 bits per vector), weights kept:
  //    n = floor((3000 - 1280) / 256) = 6: 1024 + 8192 = 9216 bits (the least);
  //  - staged input, weights not kept: n = floor(2744 / 256) = 10, 7 blocks: 7 * 1024 + 8192;
  //  - partial sums to DRAM: 2 * 3 * 8 * 64 * 32 = 98304 bits more.
  Workload w = one_dense(16, 8);
  const DigitalCounts c = count_digital(w, toy_baseline(4, 4, 3000), 64);
  const DigitalLayerCounts& l = c.layers[0];
  CHECK_FALSE(l.input_resident);
  CHECK(l.weights_resident);
  CHECK(l.stream_block == 6);
  CHECK(l.stream_blocks == 11);
  CHECK(l.input_dram_passes == 1);
  CHECK(l.dram_read.total() == 1024 + 8192);
  CHECK(l.gb_read.weights == 11 * 1024.0);
}

TEST_CASE("digital: a buffer too small for a weight tile or an input row names the key") {
  auto error = [](const Workload& w, double gb) -> std::string {
    try {
      count_digital(w, toy_baseline(8, 8, gb), 1);
    } catch (const ConfigError& e) {
      CHECK(e.key() == "global_buffer.capacity_bits");
      return e.what();
    }
    FAIL("expected a ConfigError");
    return {};
  };
  // Weight tile 512 bits; input row of the dense layer 40*8 = 320 bits.
  // (Each message is taken before it is checked: doctest assertions must not nest.)
  const std::string tile = error(one_dense(kK, kM), 511);
  CHECK_CONTAINS(tile, "one weight tile");
  const std::string row = error(one_dense(kK, kM), 831);
  CHECK_CONTAINS(row, "one row of inputs (320 bits)");
  CHECK_CONTAINS(row, "'fc'");
  // In the small network the fc layer needs the most: tile 8*8*8 + row 64*8 = 1024 bits
  // (conv1: 8*4*8 + 3*8*3*8 = 832; conv2: 8*4*8 + 3*4*4*8 = 640).
  const std::string fc = error(small_net(), 1000);
  CHECK_CONTAINS(fc, "layer 'fc'");
  CHECK_NOTHROW(count_digital(small_net(), toy_baseline(8, 8, 1024), 1));
}

TEST_CASE("digital: latency is compute time bounded below by DRAM time, and throughput") {
  DigitalBaseline cfg = toy_baseline(8, 8, kBig);
  SystemReport r = estimate_digital(one_dense(kK, kM), cfg, kBatch);
  CHECK(r.latency_s == doctest::Approx(142e-9).epsilon(1e-12));
  CHECK(r.throughput_per_s == doctest::Approx(kBatch / 142e-9).epsilon(1e-12));
  cfg.dram_bandwidth_bits_per_s = 1e9;  // 1 bit per ns
  r = estimate_digital(one_dense(kK, kM), cfg, kBatch);
  // Network line: input 1920 + logits 960 bits; the layer reads 6400 bits of weights, longer
  // than its 142 cycles.
  CHECK(r.latency_s == doctest::Approx(2880e-9 + 6400e-9).epsilon(1e-12));
  REQUIRE(r.layers.size() == 2);
  CHECK(r.layers[0].layer == "network");
  CHECK(r.layers[0].seconds_per_sample == doctest::Approx(2880e-9 / kBatch).epsilon(1e-12));
  CHECK(r.layers[1].layer == "fc");
  CHECK(r.layers[1].seconds_per_sample == doctest::Approx(6400e-9 / kBatch).epsilon(1e-12));
  cfg.dram_bandwidth_bits_per_s = 1e12;  // now compute-bound again
  r = estimate_digital(one_dense(kK, kM), cfg, kBatch);
  CHECK(r.latency_s == doctest::Approx(2880e-12 + 142e-9).epsilon(1e-12));
}

TEST_CASE("digital: area is PEs x (MAC + register file + router) + global buffer") {
  const SystemReport r = estimate_digital(one_dense(kK, kM), toy_baseline(8, 16, kBig), 1);
  CHECK(r.area_m2() == doctest::Approx(128 * (kMacM2 + kRfM2 + kRouterM2) + kGbM2));
  DigitalBaseline no_noc = toy_baseline(8, 16, kBig);
  no_noc.noc = {};
  const SystemReport r2 = estimate_digital(one_dense(kK, kM), no_noc, 1);
  CHECK(r2.area_m2() == doctest::Approx(128 * (kMacM2 + kRfM2) + kGbM2));
  CHECK(r2.energy_j("noc") == 0);
}

TEST_CASE("digital: a bad batch is rejected") {
  CHECK_THROWS_AS(count_digital(one_dense(4, 4), toy_baseline(2, 2, kBig), 0), ConfigError);
  CHECK_THROWS_AS(count_digital(one_dense(4, 4), toy_baseline(2, 2, kBig), 1.5), ConfigError);
}

}  // namespace
}  // namespace xbarsim
