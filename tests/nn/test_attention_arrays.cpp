// Attention's Q K^T and A V on arrays rewritten for every sample (attention.products:
// in_memory, docs/transformers.md#attention-on-rewritable-arrays): the per-layer ADC range
// against its closed form, the engine's writes and conversions against hand counts, the
// system model's lines against the same counts, fresh programming per matrix, and
// reproducibility. The ideal-device equality with PyTorch is in test_roundtrip.cpp.
#include <doctest/doctest.h>

#include <algorithm>

#include "engine/engine_fixtures.hpp"
#include "nn/nn_fixtures.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/system/analog_system.hpp"
#include "xbarsim/system/report.hpp"
#include "xbarsim/system/workload.hpp"

using namespace xbarsim;
using namespace xbarsim::nntest;

namespace {

// The shipped ViT (docs/transformers.md#3-shipped-models-and-workloads): 16 patches and a class
// token, width 64 in 4 heads of 16; its first attention layer.
constexpr Index kTokens = 17, kWidth = 64, kHeads = 4, kHeadWidth = 16;
const char* const kFirstAttention = "blocks_0_attn_attn";

const Network& vit() {
  static const Network net = load_network(source_data("models/fmnist_vit.h5"));
  return net;
}

int layer_index(const Network& net, const std::string& name) {
  for (std::size_t i = 0; i < net.layers.size(); ++i)
    if (net.layers[i].name == name) return static_cast<int>(i);
  FAIL("no layer " << name);
  return -1;
}

Matrix images(Index n, Split split = Split::kTrain) {
  const Dataset d = load_dataset("fashion-mnist", split, n);
  return normalise_inputs(vit(), d.images);
}

ArchConfig arch(const std::string& name, const std::vector<std::string>& sets) {
  return load_arch(source_data("arch/" + name + ".yaml"), parse_overrides(sets),
                   builtin_registry());
}

// Q, K, V and the attention weights of every item of `layer`, as the float network makes them.
struct Captured {
  std::vector<Matrix> keys, queries, values, weights;
};
Captured capture(const Network& net, const Matrix& inputs, int layer) {
  Captured c;
  forward(net, inputs, float_product(net, 1),
          [&](int l, AttentionProduct which, const std::vector<Matrix>& stationary,
              const std::vector<Matrix>& in) {
            if (l == layer && which == AttentionProduct::kScores) {
              c.keys = stationary;
              c.queries = in;
            }
            if (l == layer && which == AttentionProduct::kMix) {
              c.values = stationary;
              c.weights = in;
            }
            return float_attention_products(stationary, in);
          });
  return c;
}

double max_abs(const Matrix& m) {
  return static_cast<double>(m.cwiseAbs().maxCoeff());
}

}  // namespace

TEST_CASE("per_layer ADC range: the largest |normalised product| of the calibration batch") {
  // Weight layers on the ideal tile reproduce the float network; the attention arrays (the
  // base tile) have a 16-bit ADC calibrated at quantile 1, bipolar drivers (one signed read),
  // continuous weights and an ideal driver. A cell pair then carries (G_max - G_min) w / max|w|
  // and a row V_read x / range, so a column's current over the array's largest current
  // rows V_read (G_max - G_min) is (K_hat x_hat)_s / rows: the range the rule must pick is the
  // largest of these over every item of the batch.
  const Registry& registry = builtin_registry();
  const ArchConfig ideal = arch("ideal", {});
  const ArchConfig attention_tile =
      arch("ideal", {"tile.adc.card=circuits/adc/isaac_sar_8b.yaml", "tile.adc.bits=16",
                     "tile.adc.calibration_quantile_rel=1", "tile.mapping.signed_inputs=bipolar",
                     "attention.products=in_memory"});
  const Network& net = vit();
  NetworkTileModels models(make_tile_models(attention_tile, registry));
  models.attention = attention_tile.attention;
  for (const std::string& name : crossbar_layer_names(net)) {
    models.per_layer.emplace(name, make_tile_models(ideal, registry));
    models.layer_origins.emplace_back(name, "test");
  }
  const Matrix calibration = images(8);
  const ActivationRanges ranges = calibrate_ranges(net, calibration, 1);
  AnalogNetwork analog(net, models, ranges, /*seed=*/2, /*trial=*/0, /*threads=*/2);
  analog.calibrate(calibration);
  REQUIRE(analog.attention_arrays() != nullptr);

  const int layer = layer_index(net, kFirstAttention);
  const Captured c = capture(net, calibration, layer);
  REQUIRE(c.keys.size() == static_cast<std::size_t>(8 * kHeads));
  const double rows = 128;  // data/arch/ideal.yaml: tile.rows
  double scores = 0, mix = 0;
  for (std::size_t i = 0; i < c.keys.size(); ++i) {
    const Matrix k_hat = c.keys[i] / static_cast<float>(max_abs(c.keys[i]));
    const Matrix q_hat = c.queries[i] / static_cast<float>(ranges.query_max_abs[layer]);
    scores = std::max(scores, max_abs(k_hat * q_hat) / rows);
    const Matrix v_hat = c.values[i] / static_cast<float>(max_abs(c.values[i]));
    mix = std::max(mix, max_abs(v_hat * c.weights[i]) / rows);  // weights in [0, 1]: range 1
  }
  // Q and K come from ideal crossbars, equal to float to ~1e-6 relative. The attention weights
  // come from scores read through a 16-bit ADC: an error of at most half a step, 2^-16 of the
  // full scale, i.e. < 2^-16 * |largest score| * 1/sqrt(d) in the softmax's argument, which
  // moves a weight by less than that relative amount: 1e-4 bounds both with margin.
  const AttentionArrays& arrays = *analog.attention_arrays();
  CHECK(arrays.full_scale_rel(layer, AttentionProduct::kScores) ==
        doctest::Approx(scores).epsilon(1e-4));
  CHECK(arrays.full_scale_rel(layer, AttentionProduct::kMix) == doctest::Approx(mix).epsilon(1e-4));
  // Queries use both signs and keys fill the cells: a real fraction of the array's range,
  // well below 1 for 16 of 128 rows.
  CHECK(scores > 0.0);
  CHECK(scores < 16.0 / rows);
}

TEST_CASE("rewritten attention arrays: writes and conversions equal the hand count") {
  // data/arch/reram.yaml: 8-bit weights in 2-bit cells = 4 slices of 7 magnitude bits (ceil(7/2)),
  // differential pairs (2 cells per weight and slice), 1-bit DAC over 8 input bits = 8 cycles,
  // 128 x 128 arrays. Per sample and head: K_h is 17 x 16 (17 outputs, 16 rows), V_h 16 x 17.
  const Registry& registry = builtin_registry();
  const ArchConfig a = arch("reram", {"attention.products=in_memory"});
  const Network& net = vit();
  const Index batch = 3;
  const Matrix calibration = images(8), inputs = images(batch, Split::kTest);
  const ActivationRanges ranges = calibrate_ranges(net, calibration, 1);
  AnalogNetwork analog(net, make_network_tile_models(a, registry), ranges, 4, 0, 2);
  analog.calibrate(calibration);
  forward(net, inputs, analog.product(), analog.attention_products());
  const ActionCounts& c = analog.layer_counts()[layer_index(net, kFirstAttention)];

  const double slices = 4, cells_per_weight = 2 * slices, cycles = 8;
  // K and V: 2 x tokens x width weights per sample (the heads' matrices together).
  CHECK(c.cell_writes == doctest::Approx(batch * 2.0 * kTokens * kWidth * cells_per_weight));
  // Every query of every head is one input vector of each product: Q is signed (two phases)
  // and converts 17 outputs per slice; the attention weights are not (one phase), 16 outputs.
  const double vectors = static_cast<double>(batch * kTokens * kHeads);
  const double conversions = vectors * cycles * slices * (2.0 * kTokens + 1.0 * kHeadWidth);
  CHECK(c.adc_conversions == doctest::Approx(conversions));
  // Row drives: 16 rows (Q) and 17 rows (weights) per cycle, phase and slice array.
  CHECK(c.dac_drives ==
        doctest::Approx(vectors * cycles * slices * (2.0 * kHeadWidth + 1.0 * kTokens)));

  SUBCASE("the system model prices those counts, and the same shapes give the same counts") {
    const Workload w = workload_from_network(net);
    const double write_j = make_tile_models(a, registry)->device->write_energy_j();
    for (const std::vector<ActionCounts>* simulated :
         {static_cast<const std::vector<ActionCounts>*>(nullptr), &analog.layer_counts()}) {
      CAPTURE(simulated != nullptr);
      const SystemReport r = estimate_analog(w, a, registry, static_cast<double>(batch), simulated);
      double writes = -1, adc = -1;
      bool mac = false;
      for (const ActionLine& l : r.actions) {
        if (l.layer != kFirstAttention) continue;
        if (l.component == "cell" && l.action == "write") {
          writes = l.count;
          CHECK(l.energy_per_action_j == doctest::Approx(write_j));
        }
        if (l.component == "adc") adc = l.count;
        mac = mac || l.component == "attention_mac";
      }
      CHECK(writes == doctest::Approx(c.cell_writes));
      CHECK(adc == doctest::Approx(conversions));
      CHECK_FALSE(mac);
    }
  }
}

TEST_CASE("digital attention prices its MACs and writes no cell") {
  const Registry& registry = builtin_registry();
  const SystemReport r =
      estimate_analog(workload_from_network(vit()), arch("reram", {}), registry, 2.0);
  double macs = 0;
  for (const ActionLine& l : r.actions) {
    if (l.layer != kFirstAttention) continue;
    CHECK_FALSE((l.component == "cell" && l.action == "write"));
    if (l.component == "attention_mac") macs = l.count;
  }
  // Q K^T and A V: 2 T T D MACs per sample.
  CHECK(macs == doctest::Approx(2.0 * 2.0 * kTokens * kTokens * kWidth));
}

TEST_CASE("each sample and head is programmed afresh, and the same seed repeats it bit for bit") {
  const Registry& registry = builtin_registry();
  const auto tile = make_tile_models(arch("reram", {}), registry);
  const Matrix k = gaussian(kTokens, kHeadWidth, 11);
  const Matrix q = gaussian(kHeadWidth, kTokens, 12);
  // Two identical items in one call, and the ADC at its fixed full range (no calibration).
  const auto fixed = make_tile_models(arch("reram", {"tile.adc.range=fixed"}), registry);
  auto run = [&](int threads) {
    AttentionArrays arrays(fixed, AttentionAdcRange::kPerLayer, 9, 0, threads);
    return arrays.multiply(0, "attn", AttentionProduct::kScores, {k, k}, {q, q}, 3.0, false,
                           nullptr);
  };
  const std::vector<Matrix> one = run(1), two = run(2);
  REQUIRE(one.size() == 2);
  // Programming error (and read noise) are drawn per matrix: identical data, different results.
  CHECK(max_abs(one[0] - one[1]) > 0.0);
  // And by name, not by thread.
  CHECK(max_abs(one[0] - two[0]) == 0.0);
  CHECK(max_abs(one[1] - two[1]) == 0.0);
  // (That the arrays compute K q at all is checked against PyTorch on ideal devices, in
  // test_roundtrip.cpp.)

  SUBCASE("a calibrated per_layer range needs the calibration pass first") {
    AttentionArrays arrays(tile, AttentionAdcRange::kPerLayer, 9, 0, 1);
    CHECK_THROWS_WITH_AS(arrays.multiply(0, "blocks.0.attn", AttentionProduct::kScores, {k}, {q},
                                         3.0, false, nullptr),
                         doctest::Contains("layer 'blocks.0.attn'"), Error);
  }
  SUBCASE("per_matrix calibrates every matrix on its own product") {
    AttentionArrays arrays(tile, AttentionAdcRange::kPerMatrix, 9, 0, 1);
    // No calibration pass is needed, and no layer range is kept.
    const std::vector<Matrix> y =
        arrays.multiply(0, "attn", AttentionProduct::kScores, {k}, {q}, 3.0, false, nullptr);
    REQUIRE(y.size() == 1);
    CHECK(y[0].rows() == kTokens);
    CHECK(y[0].cols() == kTokens);
    CHECK(arrays.full_scale_rel(0, AttentionProduct::kScores) == 0.0);
  }
}

TEST_CASE("the attention section rejects unknown keys naming them") {
  std::string msg;
  try {
    arch("reram", {"attention.placement=arrays"});
  } catch (const ConfigError& e) {
    msg = e.what();
  }
  CHECK(msg.find("attention.placement") != std::string::npos);
  CHECK(msg.find("products") != std::string::npos);  // the keys it knows
}

TEST_CASE(
    "attention arrays that outnumber the chip's tiles take turns: same energy, rounds x time") {
  // On reram.yaml one ViT attention layer needs 4 heads x (4 + 4 arrays) = 32 arrays = 4 tiles
  // of 8 arrays: on a 2-tile chip its heads take 2 rounds.
  const Registry& registry = builtin_registry();
  const Workload w = workload_from_network(vit());
  auto layer_of = [&](const SystemReport& r) {
    double seconds = -1, energy = 0;
    for (const LayerTiming& t : r.layers)
      if (t.layer == kFirstAttention) seconds = t.seconds_per_sample;
    for (const ActionLine& l : r.actions)
      if (l.layer == kFirstAttention && (l.component == "cell" || l.component == "adc"))
        energy += l.energy_j();
    return std::make_pair(seconds, energy);
  };
  const auto roomy =
      layer_of(estimate_analog(w, arch("reram", {"attention.products=in_memory"}), registry, 1.0));
  const auto tight = layer_of(estimate_analog(
      w, arch("reram", {"attention.products=in_memory", "chip.tiles=2"}), registry, 1.0));
  REQUIRE(roomy.first > 0);
  CHECK(tight.first == doctest::Approx(2.0 * roomy.first));
  CHECK(tight.second == doctest::Approx(roomy.second));
}
