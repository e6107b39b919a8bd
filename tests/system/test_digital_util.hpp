#pragma once
// Shared by the digital-baseline tests: cost models with known prices, a baseline built in
// code, and small workloads built by hand (docs/digital_baseline.md).
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim::digital_test {

// A cost model with a fixed price per action.
class TableCost final : public CostModel {
 public:
  TableCost(std::string name, std::map<std::string, double> energy, double area_m2,
            double latency_s = 0.0)
      : name_(std::move(name)),
        energy_(std::move(energy)),
        area_m2_(area_m2),
        latency_s_(latency_s) {}
  std::string name() const override { return name_; }
  std::vector<std::string> actions() const override {
    std::vector<std::string> a;
    for (const auto& [k, v] : energy_) a.push_back(k);
    return a;
  }
  ActionCost cost(const std::string& action) const override {
    auto it = energy_.find(action);
    if (it == energy_.end()) throw ConfigError(name_, "action", "no action '" + action + "'");
    return {it->second, latency_s_};
  }
  double area_m2() const override { return area_m2_; }
  double technology_node_m() const override { return 0.0; }

 private:
  std::string name_;
  std::map<std::string, double> energy_;
  double area_m2_;
  double latency_s_;
};

// Prices, all different so that any mix-up changes a total.
inline constexpr double kMacJ = 1.0e-12, kAddJ = 3.0e-14, kCompareJ = 5.0e-14;
inline constexpr double kRfReadJ = 1.0e-15, kRfWriteJ = 1.5e-15;
inline constexpr double kGbReadJ = 2.0e-14, kGbWriteJ = 2.5e-14;
inline constexpr double kHopJ = 3.0e-15;
inline constexpr double kDramReadJ = 2.0e-11, kDramWriteJ = 2.2e-11;
inline constexpr double kMacM2 = 3.0e-10, kRfM2 = 1.0e-10, kGbM2 = 2.0e-7, kRouterM2 = 5.0e-11;

// b = 8, p = 32, 1 GHz, unbounded DRAM bandwidth (dram_bandwidth_bits_per_s = 0), the given
// array and buffer.
inline DigitalBaseline toy_baseline(std::int64_t rows, std::int64_t cols, double gb_bits,
                                    bool logic_with_compare = false) {
  DigitalBaseline d;
  d.name = "toy";
  d.pe_rows = rows;
  d.pe_cols = cols;
  d.precision_bits = 8;
  d.accumulator_bits = 32;
  d.clock_hz = 1e9;
  d.mac.model = std::make_shared<TableCost>(
      "mac", std::map<std::string, double>{{"mac", kMacJ}, {"add", kAddJ}}, kMacM2);
  if (logic_with_compare)
    d.logic.model = std::make_shared<TableCost>(
        "logic", std::map<std::string, double>{{"add", kAddJ}, {"compare", kCompareJ}}, 0.0);
  d.register_file.model = std::make_shared<TableCost>(
      "rf", std::map<std::string, double>{{"read_bit", kRfReadJ}, {"write_bit", kRfWriteJ}}, kRfM2);
  d.register_file.capacity_bits = 64;
  d.global_buffer.model = std::make_shared<TableCost>(
      "gb", std::map<std::string, double>{{"read_bit", kGbReadJ}, {"write_bit", kGbWriteJ}}, kGbM2);
  d.global_buffer.capacity_bits = gb_bits;
  d.noc.model = std::make_shared<TableCost>(
      "noc", std::map<std::string, double>{{"bit_hop", kHopJ}}, kRouterM2);
  d.dram.model = std::make_shared<TableCost>(
      "dram", std::map<std::string, double>{{"read_bit", kDramReadJ}, {"write_bit", kDramWriteJ}},
      0.0);
  return d;
}

inline LayerWork dense(const std::string& name, int input, Index in, Index out) {
  LayerWork l;
  l.name = name;
  l.type = LayerType::kDense;
  l.inputs = {input};
  l.in_shape = {in, 1, 1, true};
  l.out_shape = {out, 1, 1, true};
  l.matrix_rows = in;
  l.matrix_cols = out;
  l.vectors_per_sample = 1;
  return l;
}

inline LayerWork conv(const std::string& name, int input, const TensorShape& in, Index c_out,
                      Index k, Index stride, Index pad) {
  LayerWork l;
  l.name = name;
  l.type = LayerType::kConv2d;
  l.inputs = {input};
  l.in_shape = in;
  l.window = {k, k, stride, stride, pad, pad};
  l.out_shape = {c_out, l.window.out_h(in.height), l.window.out_w(in.width), false};
  l.matrix_rows = in.channels * k * k;
  l.matrix_cols = c_out;
  l.vectors_per_sample = l.out_shape.height * l.out_shape.width;
  return l;
}

inline LayerWork elementwise(const std::string& name, LayerType type, std::vector<int> inputs,
                             const TensorShape& shape) {
  LayerWork l;
  l.name = name;
  l.type = type;
  l.inputs = std::move(inputs);
  l.in_shape = shape;
  l.out_shape = shape;
  return l;
}

// One dense layer, K inputs -> M outputs: network input -> fc -> logits.
inline Workload one_dense(Index K, Index M) {
  Workload w;
  w.name = "one_dense";
  w.input_shape = {K, 1, 1, true};
  w.num_classes = static_cast<int>(M);
  w.layers.push_back(dense("fc", kNetworkInput, K, M));
  return w;
}

// input 3x8x8 -> conv1 (4 filters 3x3, pad 1) -> relu1 -> pool1 (max 2x2/2) -> conv2 (4, 3x3,
// pad 1) -> add(conv2, pool1) -> flatten -> fc (64 -> 10). MACs per sample, by hand:
// conv1 27*4*64 = 6912, conv2 36*4*16 = 2304, fc 64*10 = 640; total 9856.
inline Workload small_net() {
  Workload w;
  w.name = "small_net";
  w.input_shape = {3, 8, 8, false};
  w.num_classes = 10;
  w.layers.push_back(conv("conv1", kNetworkInput, {3, 8, 8, false}, 4, 3, 1, 1));
  w.layers.push_back(elementwise("relu1", LayerType::kRelu, {0}, {4, 8, 8, false}));
  LayerWork pool = elementwise("pool1", LayerType::kMaxPool2d, {1}, {4, 8, 8, false});
  pool.window = {2, 2, 2, 2, 0, 0};
  pool.out_shape = {4, 4, 4, false};
  w.layers.push_back(pool);
  w.layers.push_back(conv("conv2", 2, {4, 4, 4, false}, 4, 3, 1, 1));
  w.layers.push_back(elementwise("add", LayerType::kAdd, {3, 2}, {4, 4, 4, false}));
  LayerWork flat = elementwise("flatten", LayerType::kFlatten, {4}, {4, 4, 4, false});
  flat.out_shape = {64, 1, 1, true};
  w.layers.push_back(flat);
  w.layers.push_back(dense("fc", 5, 64, 10));
  return w;
}
inline constexpr double kSmallNetMacsPerSample = 27 * 4 * 64 + 36 * 4 * 16 + 64 * 10;

}  // namespace xbarsim::digital_test
