#pragma once
// Energy, latency and area of one accelerator running one workload: the action counts and
// the cost per action are kept side by side, so energy = sum(count x cost) can be checked and
// a study re-priced without re-simulating.
#include <string>
#include <vector>

namespace xbarsim {

struct ActionLine {
  std::string layer;      // layer name, or "network" for whole-network traffic
  std::string component;  // e.g. "adc", "dac", "cell", "input_buffer", "noc", "dram", "mac"
  std::string action;     // e.g. "conversion", "drive", "read", "read_bit", "bit_hop", "mac"
  double count = 0;       // number of actions
  double energy_per_action_j = 0;
  double energy_j() const { return count * energy_per_action_j; }
};

struct AreaLine {
  std::string component;
  double instances = 0;
  double area_each_m2 = 0;
  double area_m2() const { return instances * area_each_m2; }
};

struct LayerTiming {
  std::string layer;
  double seconds_per_sample = 0;  // time the layer's hardware is busy per input sample
};

// Power of one component kind at full activity: every instance doing its action at the
// fastest rate its card and the architecture's timing allow (docs/energy_model.md#peak-power).
struct PowerLine {
  std::string component;
  double per_tile_w = 0;  // one tile's instances (0 for chip-level parts)
  double per_chip_w = 0;  // the whole chip's
};

// What an architect reads energy as: the arithmetic (cells, converters, shift-and-add, MACs,
// digital logic), moving data on chip (buffers, registers, network-on-chip), and DRAM.
enum class EnergyCategory { kCompute, kOnChipMovement, kDram };
EnergyCategory energy_category(const std::string& component);
std::string to_string(EnergyCategory c);

struct SystemReport {
  std::string name;  // "analog" or "digital"
  std::vector<ActionLine> actions;
  std::vector<AreaLine> area;
  std::vector<LayerTiming> layers;
  double batch = 1;
  double latency_s = 0;            // whole batch, first input in to last output out
  double throughput_per_s = 0;     // inferences per second in steady state
  double macs = 0;                 // network MACs for the whole batch
  std::vector<std::string> notes;  // e.g. the network does not fit and needs reprogramming
  // One-time cost of putting the weights in place before the first batch: programming the
  // cells (in-memory) or loading the on-chip weight store (digital). Not in energy_j().
  std::vector<ActionLine> setup;
  double setup_time_s = 0;
  std::string weights_where;  // plain words: where this side keeps its weights
  std::vector<PowerLine> peak_power;
  double peak_cell_reads_per_s = 0;  // per tile at full activity (in-memory side)
  double technology_node_m = 0;      // the node the costs are at (0 = cards' own, mixed)

  double setup_energy_j() const;
  // Energy of one inference when the weights are loaded once per `inferences_per_load`
  // inferences: the batch energy per inference plus the setup shared over N (N = 0: the
  // setup is not included).
  double energy_per_inference_j(double inferences_per_load = 0) const;
  double energy_j(EnergyCategory category) const;
  double peak_power_per_tile_w() const;
  double peak_power_per_chip_w() const;

  double energy_j() const;
  double area_m2() const;
  double energy_j(const std::string& component) const;
  // 2 operations per MAC.
  double tops_per_w() const;
  double tops_per_mm2() const;
};

}  // namespace xbarsim
