#pragma once
// The digital baseline (architecture rule 4): a weight-stationary systolic array of MAC
// processing elements with per-PE register files, a global buffer, an optional PE-to-PE
// network and DRAM, running the same network with the same batch as the analog system.
// Counts come from the loop nest of docs/digital_baseline.md; costs from circuit cards.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/system/report.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

// Registry names of the digital baseline's plain sections (its top level and pe_array).
inline constexpr const char* kDigitalSection = "digital";
inline constexpr const char* kDigitalPeArraySection = "digital.pe_array";

// Declares the sections above; builtin_registry() calls it.
void register_digital_sections(Registry& registry);

// The action names the baseline asks its cost models for (docs/digital_baseline.md#cards).
inline constexpr const char* kActionMac = "mac";
inline constexpr const char* kActionAdd = "add";
inline constexpr const char* kActionReadBit = "read_bit";
inline constexpr const char* kActionWriteBit = "write_bit";
inline constexpr const char* kActionBitHop = "bit_hop";

// One priced component: its resolved card and the cost model built from it. An absent
// optional component (noc, logic) has no model.
struct DigitalComponent {
  ComponentConfig config;
  std::shared_ptr<const CostModel> model;
  double capacity_bits = 0;  // memories on chip (register file, global buffer); else 0
  bool present() const { return model != nullptr; }
};

enum class Dataflow { kWeightStationary };

struct DigitalBaseline {
  std::string file;  // where it was loaded from (empty when built in code)
  std::string name = "digital";
  std::string description;
  std::int64_t pe_rows = 16;  // R: reduction inputs held per column of the array
  std::int64_t pe_cols = 16;  // C: output channels computed side by side
  int precision_bits = 8;     // b: weights and activations
  int accumulator_bits = 32;  // p: partial sums
  double clock_hz = 1e9;
  Dataflow dataflow = Dataflow::kWeightStationary;
  // Bits per second between DRAM and the chip, from the DRAM card (1 / its time per bit);
  // 0 = unbounded (no DRAM bound on latency).
  double dram_bandwidth_bits_per_s = 0;
  DigitalComponent mac;            // one per PE; prices "mac" (and "add" unless logic is set)
  DigitalComponent logic;          // optional: prices the PEs' non-MAC operations
  DigitalComponent register_file;  // one per PE
  DigitalComponent global_buffer;  // one, shared
  // Optional on-chip weight store (docs/digital_baseline.md#weight-store): the weights of the
  // layers that fit, in network order, are loaded once and read from here for every batch,
  // as the in-memory chip keeps its weights in its cells; the others stream from DRAM.
  DigitalComponent weight_buffer;
  DigitalComponent noc;   // optional: one router per PE, prices "bit_hop"
  DigitalComponent dram;  // off chip, no area
  YAML::Node resolved;    // every value, for provenance

  std::int64_t pes() const { return pe_rows * pe_cols; }
  // Bits one PE's register file must hold: two weights (the stationary one and the next
  // tile's, loaded in the background), one activation, one partial sum.
  double register_file_min_bits() const { return 3.0 * precision_bits + accumulator_bits; }
  double weight_tile_bits() const {
    return static_cast<double>(pe_rows) * static_cast<double>(pe_cols) * precision_bits;
  }
};

// Loads and validates a digital-baseline file (data/arch/digital/*.yaml). Card paths are
// resolved as for architectures; every error is a ConfigError naming the file and the key.
DigitalBaseline load_digital(const std::string& path, const std::vector<Override>& overrides,
                             const Registry& registry);

// Bits moved, split by what they are.
struct DigitalTraffic {
  double weights = 0, inputs = 0, outputs = 0, psums = 0;
  double total() const { return weights + inputs + outputs + psums; }
};

// The action counts of one layer (or of the whole network's input, layer "network"), for
// the whole batch. Bits for memories, bit-hops for the network, operations for the PEs.
struct DigitalLayerCounts {
  std::string layer;
  bool crossbar = false;  // a matrix layer (dense, conv2d) on the PE array
  double macs = 0;        // K M N
  double ops = 0;         // non-MAC operations (bias adds, pooling, ReLU, adds)
  double compares = 0;    // of which comparisons (max pooling, ReLU)
  double rf_read_bits = 0, rf_write_bits = 0;
  double noc_bit_hops = 0;
  DigitalTraffic gb_read, gb_write, dram_read, dram_write;
  double compute_cycles = 0;
  // Decisions of the buffer model (docs/digital_baseline.md#global-buffer).
  bool input_resident = true;     // every input came from the global buffer
  bool output_resident = true;    // the output stays in the global buffer for its consumers
  bool psums_spilled = false;     // partial sums went to DRAM between K-tiles
  double input_dram_passes = 0;   // times a spilled input was read from DRAM (1 or ceil(M/C))
  double stream_block = 0;        // n: input vectors per stream block (N: not blocked)
  double stream_blocks = 1;       // ceil(N / n): times each weight tile enters the PEs
  bool weights_resident = false;  // the layer's weights stay in the buffer across blocks
  bool weights_in_store = false;  // the layer's weights live in the weight store
  double wb_read_bits = 0;        // weight-store reads
  double seconds = 0;             // max(compute, DRAM) time for the whole batch
};

struct DigitalCounts {
  double batch = 1;
  double stored_weight_bits = 0;  // weights loaded once into the weight store
  DigitalLayerCounts network;     // network input from DRAM into the global buffer
  std::vector<DigitalLayerCounts> layers;
};

// Counts actions for `batch` samples of `workload` (docs/digital_baseline.md). Throws a
// ConfigError naming global_buffer.capacity_bits and the layer when a layer cannot run.
DigitalCounts count_digital(const Workload& workload, const DigitalBaseline& config, double batch);

// Prices the counts: energy lines (count x cost per action), area lines, per-layer timing,
// latency and throughput. report.name is "digital".
SystemReport estimate_digital(const Workload& workload, const DigitalBaseline& config,
                              double batch);

}  // namespace xbarsim
