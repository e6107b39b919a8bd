#pragma once
// A fully resolved architecture: every card loaded, every override applied, every value
// validated against its model's declaration.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xbarsim/config/data_dir.hpp"  // data_dir(), declared here before it had its own file
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

// One `--set path=value` override, as given on the command line.
struct Override {
  std::string path;   // dotted, e.g. tile.adc.bits
  std::string value;  // parsed as a YAML scalar
};
std::vector<Override> parse_overrides(const std::vector<std::string>& args);
// "--set path=value": how errors about an override name it, so that the user finds the
// argument to fix.
std::string set_argument(const Override& o);

// A component (device, DAC, ADC) chosen by its card.
struct ComponentConfig {
  std::string model;      // registry name, from the card's `model:`
  std::string card_path;  // resolved path of the card file
  YAML::Node card;        // the card, verbatim, for provenance
  ParamSet params;        // card values, then architecture and --set overrides
  // Components whose cost this card's figures already contain (its top-level `includes:`),
  // e.g. a macro-level cell energy that includes the column readout: [adc, sample_hold].
  std::vector<std::string> includes;
};

enum class SignedWeights { kDifferential, kOffset };
enum class WeightEncoding { kSliced, kContinuous };

struct MappingConfig {
  int weight_bits = 8;    // signed weight precision, including the sign
  int input_bits = 8;     // activation magnitude precision
  int bits_per_cell = 1;  // weight bits held by one cell (sliced encoding)
  SignedWeights signed_weights = SignedWeights::kDifferential;
  WeightEncoding weight_encoding = WeightEncoding::kSliced;
  // Signed inputs as two unsigned phases, converted separately (false), or as one signed
  // drive of bipolar row drivers with one conversion (true; docs/architecture.md#mapping).
  bool bipolar_inputs = false;
};

// The array as a circuit (tile.wires, docs/circuits.md#ir-drop): wire, driver and sense
// resistances, and whether the column currents are solved with them.
enum class IrDrop { kNone, kExact, kFirstOrder };
struct WireConfig {
  IrDrop ir_drop = IrDrop::kNone;
  double row_wire_ohm = 0;  // one row-wire segment, between adjacent cells
  double col_wire_ohm = 0;  // one column-wire segment
  double driver_ohm = 0;    // output resistance of each row driver
  double sense_ohm = 0;     // input resistance of each column's virtual-ground sense circuit
  // Nonlinear cells (docs/circuits.md#iv-nonlinearity): the iteration stops when no column
  // current changes by more than tolerance_rel of the largest; more iterations is an error.
  double iv_tolerance_rel = 1e-8;
  int iv_max_iterations = 200;
};

struct TileConfig {
  std::string source = "architecture";  // the file it came from, for error messages
  std::int64_t rows = 128;              // word lines per array (inputs)
  std::int64_t cols = 128;              // bit lines per array (physical columns)
  std::int64_t arrays = 8;              // arrays per tile
  std::int64_t adc_shared_columns = 1;  // columns time-multiplexed onto one ADC
  ComponentConfig device;
  ComponentConfig dac;
  ComponentConfig adc;
  MappingConfig mapping;
  WireConfig wires;
};

// The parts of the architecture the system layer prices (docs/energy_model.md): per-tile
// peripherals and buffers, and the chip around the tiles. Present when the file has `chip:`.
struct SystemConfig {
  ComponentConfig sample_hold;      // tile.sample_hold: one per column, samples before the ADC
  ComponentConfig shift_add;        // tile.shift_add: one operation per digitised partial sum
  ComponentConfig input_buffer;     // tile.input_buffer (capacity_bits inside)
  ComponentConfig output_buffer;    // tile.output_buffer
  std::int64_t input_buffers = 1;   // tile.input_buffers: instances per tile
  std::int64_t output_buffers = 1;  // tile.output_buffers
  std::int64_t shift_adds = 0;      // tile.shift_adds: 0 = one per ADC
  // Optional tile buffer between the network and the input buffers (ISAAC's 64 KB eDRAM) and
  // the bus that carries its words to them (ISAAC's eDRAM-to-IMA bus).
  std::optional<ComponentConfig> tile_buffer;
  std::optional<ComponentConfig> bus;
  std::int64_t tiles = 1;             // chip.tiles
  std::int64_t mesh_columns = 0;      // chip.mesh_columns: width of the tile mesh (0 = square)
  std::int64_t tiles_per_router = 1;  // chip.tiles_per_router
  double node_m = 0;                  // chip.node_nm in metres; 0 = cards' own nodes
  double supply_v = 0;                // chip.supply_voltage_v
  double input_bit_activity = 0.5;    // chip.input_bit_activity_rel (shape-only estimate)
  ComponentConfig global_buffer;      // chip.global_buffer
  ComponentConfig noc;                // chip.noc: router per tile, priced per bit-hop
  ComponentConfig dram;               // chip.dram
  ComponentConfig digital;            // chip.digital: bias, pooling, activation, accumulation
  // chip.attention_mac: the digital MAC unit of products of two activations (attention's
  // Q K^T and A V); by default the digital baseline's int8 MAC card, so that both sides of a
  // comparison compute attention alike.
  ComponentConfig attention_mac;
};

// Where attention's products of two activations (Q K^T and A V) run
// (docs/transformers.md#attention-on-rewritable-arrays): on the digital MAC unit, or on
// crossbar arrays of the architecture's tile into which K and V are written for every sample.
enum class AttentionProductsOn { kDigital, kInMemory };
// How the ADC range of those arrays is set when tile.adc.range is calibrated: one full scale
// per layer and product, fixed at calibration as a fraction of the array's largest current
// (per_layer), or each matrix's own range, read before it is converted (per_matrix, an
// auto-ranging readout: an optimistic bound).
enum class AttentionAdcRange { kPerLayer, kPerMatrix };
struct AttentionConfig {
  AttentionProductsOn products = AttentionProductsOn::kDigital;
  AttentionAdcRange adc_range = AttentionAdcRange::kPerLayer;
};

struct ArchConfig {
  std::string file;  // where it was loaded from
  std::string name;
  std::string description;
  TileConfig tile;
  AttentionConfig attention;  // `attention:`
  std::optional<SystemConfig> system;
  // Per-layer tile settings (`layers: {fc1: {tile.adc.bits: 6}}`, docs/architecture.md#per-layer):
  // the whole architecture resolved again with that layer's tile keys, by layer name. Layers
  // not named here use `tile`. The names are checked against a network where one meets it.
  std::map<std::string, std::shared_ptr<const ArchConfig>> layers;
  // The architecture a layer runs on: its own entry in `layers`, else this one.
  const ArchConfig& for_layer(const std::string& layer) const;
  // Names of the per-layer entries, in order.
  std::vector<std::string> layer_names() const;
  // On a layer's own architecture: the keys that set it apart, as path=value, and where its
  // entry came from (the file, or the --set that created it).
  std::vector<std::string> layer_keys;
  std::string layer_origin;
  // (name, where its entry came from) of each per-layer entry, in order.
  std::vector<std::pair<std::string, std::string>> layer_origins() const;
  // "fc1 (tile.adc.bits=4); conv1 (...)", or "" without per-layer entries: for reports.
  std::string layers_summary() const;
  YAML::Node resolved;  // the whole resolved tree (cards merged, overrides applied)
  // Valid but suspect: e.g. circuit cards of different nodes mixed without chip.node_nm.
  std::vector<std::string> warnings;
};

// Throws a ConfigError (key layers.<name>, at the place the entry came from) naming the first
// of `named` (name, origin) that is not one of `crossbar_layers` (the layers of `model` that run
// on crossbars), listing those.
void check_layer_names(const std::vector<std::pair<std::string, std::string>>& named,
                       const std::vector<std::string>& crossbar_layers, const std::string& model);

// Loads and validates an architecture file. Card paths are looked up relative to the
// architecture file, then under the data directory's cards/ folder.
ArchConfig load_arch(const std::string& path, const std::vector<Override>& overrides,
                     const Registry& registry);

// Command-line and spec arguments that name a shipped file or give a path. A path is what
// exists as a regular file, contains '/' or ends in .yaml; anything else is a name, so that a
// folder in the current directory named like a shipped file does not hide it.
bool looks_like_path(const std::string& arg);
// `arg` itself when it is a path, else data_dir()/folder/arg.yaml; an IoError naming `arg` and
// listing the shipped names when that is not a file. `what` names the kind ("architecture").
std::string resolve_shipped(const std::string& arg, const std::string& folder,
                            const std::string& what);
// The names of data_dir()/folder/*.yaml (without .yaml), sorted.
std::vector<std::string> shipped_names(const std::string& folder);

}  // namespace xbarsim
