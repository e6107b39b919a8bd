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

struct SystemReport {
  std::string name;  // "analog" or "digital"
  std::vector<ActionLine> actions;
  std::vector<AreaLine> area;
  std::vector<LayerTiming> layers;
  double batch = 1;
  double latency_s = 0;           // whole batch, first input in to last output out
  double throughput_per_s = 0;    // inferences per second in steady state
  double macs = 0;                // network MACs for the whole batch
  std::vector<std::string> notes;  // e.g. the network does not fit and needs reprogramming

  double energy_j() const;
  double area_m2() const;
  double energy_j(const std::string& component) const;
  // 2 operations per MAC.
  double tops_per_w() const;
  double tops_per_mm2() const;
};

}  // namespace xbarsim
