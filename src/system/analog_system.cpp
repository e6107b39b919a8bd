#include "xbarsim/system/analog_system.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/mapping/weight_mapping.hpp"

namespace xbarsim {

namespace {

// Mean Manhattan distance between two sets of mesh positions, exact: for each axis,
// sum |a - b| over all pairs via sorting and prefix sums (O(n log n) instead of O(|A||B|)).
double mean_axis_distance(std::vector<double> a, std::vector<double> b) {
  if (a.empty() || b.empty()) return 0;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  double total = 0, prefix = 0;
  std::size_t j = 0;
  // For each a, sum over b < a of (a - b) plus sum over b >= a of (b - a).
  const double sum_b = std::accumulate(b.begin(), b.end(), 0.0);
  for (double x : a) {
    while (j < b.size() && b[j] < x) prefix += b[j++];
    const double below = static_cast<double>(j), above = static_cast<double>(b.size() - j);
    total += x * below - prefix + (sum_b - prefix) - x * above;
  }
  return total / (static_cast<double>(a.size()) * static_cast<double>(b.size()));
}

struct Mesh {
  Index width = 1;
  std::pair<double, double> at(Index tile) const {
    return {static_cast<double>(tile % width), static_cast<double>(tile / width)};
  }
  double mean_hops(const std::vector<Index>& a, const std::vector<Index>& b) const {
    std::vector<double> ax, ay, bx, by;
    for (Index t : a) {
      ax.push_back(at(t).first);
      ay.push_back(at(t).second);
    }
    for (Index t : b) {
      bx.push_back(at(t).first);
      by.push_back(at(t).second);
    }
    return mean_axis_distance(ax, bx) + mean_axis_distance(ay, by);
  }
  double hops(Index a, Index b) const {
    const auto [ax, ay] = at(a);
    const auto [bx, by] = at(b);
    return std::abs(ax - bx) + std::abs(ay - by);
  }
};

// Bits of a signed integer that holds any partial sum of a layer exactly: K products of a
// (weight_bits - 1)-bit weight magnitude and an input_bits magnitude, plus a sign bit
// (docs/energy_model.md#partial-sums). The engine accumulates exactly (to float rounding),
// so this is the width its partial sums have.
double partial_sum_bits(const MappingConfig& m, Index k) {
  const double max_product = (std::exp2(m.weight_bits - 1) - 1.0) * (std::exp2(m.input_bits) - 1.0);
  return std::ceil(std::log2(static_cast<double>(k) * max_product + 1.0)) + 1.0;
}

// The most logical outputs one array of the plan converts per read.
Index widest_block(const MappingPlan& plan) {
  Index widest = 0;
  for (Index cb = 0; cb < plan.col_blocks; ++cb)
    widest = std::max(widest, plan.outputs_in_block(cb));
  return widest;
}

// Where a crossbar layer sits and how it runs.
struct Placed {
  MappingPlan plan;
  int cycles = 1;
  bool signed_inputs = false;
  Index tiles_needed = 0;
  int pass = 0;
  std::vector<Index> tiles;  // tile ids within its pass
};

// Attention run on rewritable arrays (docs/transformers.md#attention-on-rewritable-arrays):
// per head, K (keys x d: the scores' matrix) and V (d x keys: the mix's) written into arrays
// of the architecture's tile for every sample, Q and then the attention weights read through.
struct AttentionPlaced {
  MappingPlan scores, mix;
  int cycles = 1;
  bool signed_queries = true;  // Q can be negative; the attention weights cannot
  Index heads = 0, tokens = 0, keys = 0, head_width = 0;
  Index tiles_needed = 0;
  Index rounds = 1;  // turns of the heads on the chip when their arrays outnumber it
  int pass = 0;
  std::vector<Index> tiles;
};

// One kind of tile, priced: the architecture's own, or a layer's with its per-layer keys
// (docs/architecture.md#per-layer). Every figure that depends on a tile key lives here.
struct TilePricing {
  TilePricing(const ArchConfig& arch, const Registry& registry)
      : tile(arch.tile), sys(*arch.system), models(make_tile_models(arch, registry)) {
    auto cost = [&](const ComponentConfig& c) { return registry.make_cost(c.model, c.params); };
    sample_hold = cost(sys.sample_hold);
    shift_add = cost(sys.shift_add);
    in_buf = cost(sys.input_buffer);
    out_buf = cost(sys.output_buffer);
    if (sys.tile_buffer) tile_buf = cost(*sys.tile_buffer);
    if (sys.bus) bus = cost(*sys.bus);
    // The input buffer must hold at least one input vector of one array.
    const int in_bits = tile.mapping.input_bits;
    const double one_row_bits = static_cast<double>(tile.rows) * (in_bits + 1);
    if (sys.input_buffer.params.has("capacity_bits") &&
        sys.input_buffer.params.real("capacity_bits") < one_row_bits)
      throw ConfigError(arch.file, "tile.input_buffer.capacity_bits",
                        "holds fewer bits than one input vector of an array (" +
                            std::to_string(tile.rows) + " rows x " + std::to_string(in_bits + 1) +
                            " bits = " + std::to_string(static_cast<long long>(one_row_bits)) +
                            ")");
    adcs_per_array = static_cast<double>(tile.cols / tile.adc_shared_columns);
    drive_j = models->dac->drive_energy_j(models->device->read_pulse_s());
    g_mean = 0.5 * (models->device->g_min_siemens() + models->device->g_max_siemens());
  }
  const DeviceModel& device() const { return *models->device; }
  const Dac& dac() const { return *models->dac; }
  const Adc& adc() const { return *models->adc; }
  // One read step: the rows are driven for the read pulse while the previous step's samples
  // are converted by the cols / k ADCs of the array; the step takes the longer of the two.
  // `outputs` is the number of conversions one array needs per read: one per logical output
  // (a differential pair or an offset column is subtracted before its ADC).
  double step_s(Index outputs) const {
    const double conversions = std::ceil(static_cast<double>(outputs) / adcs_per_array);
    return std::max(device().read_pulse_s(), conversions * adc().conversion_time_s());
  }
  // The DAC is priced for the pulse it drives, the sample-and-hold for the step it holds.
  double sample_j(double hold_s) const {
    return sample_hold->cost("sample").energy_j +
           sample_hold->cost("hold_second").energy_j * hold_s;
  }

  const TileConfig& tile;
  const SystemConfig& sys;
  std::shared_ptr<const TileModels> models;
  std::shared_ptr<const CostModel> sample_hold, shift_add, in_buf, out_buf, tile_buf, bus;
  double adcs_per_array = 1, drive_j = 0, g_mean = 0;
};

}  // namespace

SystemReport estimate_analog(const Workload& w, const ArchConfig& arch, const Registry& registry,
                             double batch, const std::vector<ActionCounts>* simulated) {
  if (!arch.system)
    throw ConfigError(arch.file, "chip",
                      "missing section: energy, latency and area need the chip and the tile's "
                      "cost components (see docs/energy_model.md and data/arch/reram.yaml)");
  if (simulated && simulated->size() != w.layers.size())
    throw ShapeError("simulated counts cover " + std::to_string(simulated->size()) +
                     " layers, the workload has " + std::to_string(w.layers.size()));
  const SystemConfig& sys = *arch.system;
  std::vector<std::string> crossbar_layers;
  for (const LayerWork& l : w.layers)
    if (l.uses_crossbar()) crossbar_layers.push_back(l.name);
  check_layer_names(arch.layer_origins(), crossbar_layers, w.name);
  // The chip-level components are shared; the tile-level ones follow each layer's tile.
  auto cost = [&](const ComponentConfig& c) { return registry.make_cost(c.model, c.params); };
  const auto gbuf = cost(sys.global_buffer), noc = cost(sys.noc), dram = cost(sys.dram);
  const auto digital = cost(sys.digital);
  const auto attention_mac = cost(sys.attention_mac);
  const TilePricing base(arch, registry);
  std::map<std::string, TilePricing> own;
  for (const auto& [name, layer_arch] : arch.layers)
    own.emplace(name, TilePricing(*layer_arch, registry));
  auto pricing = [&](const std::string& layer) -> const TilePricing& {
    const auto it = own.find(layer);
    return it == own.end() ? base : it->second;
  };

  SystemReport r;
  r.name = "analog";
  r.batch = batch;
  r.macs = w.macs_per_sample() * batch;
  auto add = [&](const std::string& layer, const std::string& component, const CostModel& model,
                 const std::string& action, double count) {
    if (count <= 0) return;
    r.actions.push_back({layer, component, action, count, model.cost(action).energy_j});
  };
  auto add_energy = [&](const std::string& layer, const std::string& component,
                        const std::string& action, double count, double energy_each) {
    if (count <= 0) return;
    r.actions.push_back({layer, component, action, count, energy_each});
  };

  // Which activations can be negative: the network input is (normalised pixels); ReLU
  // outputs are not; pooling and flatten keep the sign of their input; an add of two
  // non-negative tensors is non-negative.
  std::vector<bool> non_negative(w.layers.size(), false);
  auto input_non_negative = [&](int i) { return i != kNetworkInput && non_negative[i]; };
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWork& l = w.layers[i];
    switch (l.type) {
      case LayerType::kRelu:
      case LayerType::kSigmoid:
      case LayerType::kSoftmax:
        non_negative[i] = true;
        break;
      case LayerType::kMaxPool2d:
      case LayerType::kAvgPool2d:
      case LayerType::kFlatten:
      case LayerType::kReshape:
      case LayerType::kToTokens:
      case LayerType::kSelectToken:
      case LayerType::kTokenMean:
        non_negative[i] = input_non_negative(l.inputs[0]);
        break;
      case LayerType::kAdd:
        non_negative[i] = input_non_negative(l.inputs[0]) && input_non_negative(l.inputs[1]);
        break;
      default:
        non_negative[i] = false;
    }
  }

  // Placement: crossbar layers in order, each on whole tiles; a new pass (with
  // reprogramming) starts when the chip is full. A layer larger than the chip runs alone in
  // several rounds.
  std::map<std::size_t, Placed> placed;
  int passes = 1;
  Index used = 0;
  // The next `needed` tiles of the current pass, or of a new one when they do not fit; a
  // layer larger than the chip takes the whole chip (its rounds are the caller's business).
  auto claim_tiles = [&](Index needed, int& pass, std::vector<Index>& tiles) {
    if (used > 0 && used + needed > sys.tiles) {
      ++passes;
      used = 0;
    }
    pass = passes - 1;
    const Index take = std::min(needed, sys.tiles);
    for (Index t = 0; t < take; ++t) tiles.push_back(used + t);
    used += take;
  };
  const bool attention_in_memory = arch.attention.products == AttentionProductsOn::kInMemory;
  std::map<std::size_t, AttentionPlaced> attention_placed;
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWork& l = w.layers[i];
    if (l.type == LayerType::kAttention && attention_in_memory) {
      AttentionPlaced a;
      a.heads = l.heads;
      a.tokens = l.in_shape.channels;
      a.keys = l.in_shape.channels + l.cached_tokens;
      a.head_width = l.in_shape.width / l.heads;
      a.scores = plan_mapping(a.keys, a.head_width, base.tile, base.device().levels());
      a.mix = plan_mapping(a.head_width, a.keys, base.tile, base.device().levels());
      a.cycles = input_cycles(base.tile.mapping.input_bits, base.dac().bits_per_cycle());
      a.signed_queries = !input_non_negative(l.inputs[0]) && !base.tile.mapping.bipolar_inputs;
      const Index arrays = a.heads * (a.scores.arrays() + a.mix.arrays());
      a.tiles_needed = (arrays + base.tile.arrays - 1) / base.tile.arrays;
      claim_tiles(a.tiles_needed, a.pass, a.tiles);
      if (a.tiles_needed > sys.tiles) {
        // The heads take turns on the whole chip: the same writes and reads, in rounds.
        a.rounds = (a.tiles_needed + sys.tiles - 1) / sys.tiles;
        r.notes.push_back("layer '" + l.name + "' needs " + std::to_string(a.tiles_needed) +
                          " tiles for the K and V arrays of its " + std::to_string(a.heads) +
                          " heads, more than the chip's " + std::to_string(sys.tiles) + ": " +
                          std::to_string(a.rounds) + " rounds per sample");
      }
      attention_placed[i] = a;
      continue;
    }
    if (!l.uses_crossbar()) continue;
    const TilePricing& tp = pricing(l.name);
    Placed p;
    p.plan = plan_mapping(l.matrix_cols, l.matrix_rows, tp.tile, tp.device().levels());
    p.cycles = input_cycles(tp.tile.mapping.input_bits, tp.dac().bits_per_cycle());
    // "signed" counts a second input phase; bipolar row drivers read signed inputs in one.
    p.signed_inputs = !input_non_negative(l.inputs[0]) && !tp.tile.mapping.bipolar_inputs;
    p.tiles_needed = (p.plan.arrays() + tp.tile.arrays - 1) / tp.tile.arrays;
    claim_tiles(p.tiles_needed, p.pass, p.tiles);
    if (p.tiles_needed > sys.tiles) {
      const Index rounds = (p.tiles_needed + sys.tiles - 1) / sys.tiles;
      passes += static_cast<int>(rounds) - 1;
      used = sys.tiles;
      r.notes.push_back("layer '" + l.name + "' needs " + std::to_string(p.tiles_needed) +
                        " tiles, more than the chip's " + std::to_string(sys.tiles) + ": " +
                        std::to_string(rounds) + " rounds of reprogramming per batch");
    }
    placed[i] = p;
  }
  Index tiles_used = 0, attention_tiles = 0;
  for (const auto& [i, p] : placed) tiles_used += p.tiles_needed;
  for (const auto& [i, a] : attention_placed) attention_tiles += static_cast<Index>(a.tiles.size());
  tiles_used += attention_tiles;
  if (passes > 1)
    r.notes.push_back("the network needs " + std::to_string(tiles_used) + " tiles, the chip has " +
                      std::to_string(sys.tiles) + ": " + std::to_string(passes) +
                      " passes per batch, with the cells reprogrammed before each pass and "
                      "activations between passes stored in DRAM");
  if (passes > 1 && !arch.layers.empty())
    throw ConfigError(
        arch.file, "layers",
        "per-layer tile settings need the network on the chip at once, but it needs " +
            std::to_string(tiles_used) + " tiles and the chip has " + std::to_string(sys.tiles) +
            " (reprogramming a tile cannot change its converters); raise chip.tiles");

  const Mesh mesh{sys.mesh_columns > 0
                      ? sys.mesh_columns
                      : static_cast<Index>(std::ceil(std::sqrt(static_cast<double>(sys.tiles))))};
  const std::vector<Index> io_port{0};  // global buffer and DRAM interface at mesh (0, 0)
  // Tiles holding each layer's output: crossbar layers their own tiles, digital layers sit
  // with their first input's producer (they run in that tile's digital unit).
  std::vector<std::vector<Index>> location(w.layers.size());
  std::vector<int> pass_of(w.layers.size(), 0);
  auto location_of = [&](int i) { return i == kNetworkInput ? io_port : location[i]; };
  auto pass_of_input = [&](int i) { return i == kNetworkInput ? 0 : pass_of[i]; };

  // An activation travels at the input precision of the layer that reads it (a crossbar
  // layer's own, the architecture's for the digital layers), plus a sign bit when it can be
  // negative.
  auto activation_bits = [&](int i, const TilePricing& reader) {
    const double bits = reader.tile.mapping.input_bits;
    return input_non_negative(i) ? bits : bits + 1.0;
  };
  // What the arrays did for a layer: cell reads (V^2 G t from the simulation, or estimated
  // from the mean conductance and the fraction of driven input digits,
  // chip.input_bit_activity_rel), row drives, conversions with their sample-and-hold, and
  // shift-and-add. `widest`: the most outputs one array converts per read.
  auto price_array_actions = [&](const std::string& layer, const TilePricing& tp,
                                 const ActionCounts& c, Index widest) {
    const DeviceModel& device = tp.device();
    double cell_energy = 0;
    const double v = tp.dac().read_voltage_v();
    if (!device.resistive_read())
      cell_energy = device.fixed_read_energy_j();
    else if (simulated && c.cell_macs > 0)
      cell_energy = c.cell_read_energy_j / c.cell_macs;
    else
      cell_energy = sys.input_bit_activity * v * v * tp.g_mean * device.read_pulse_s();
    add_energy(layer, "cell", "read", c.cell_macs, cell_energy);
    add_energy(layer, "dac", "drive", c.dac_drives, tp.drive_j);
    add_energy(layer, "adc", "conversion", c.adc_conversions, tp.adc().energy_per_conversion_j());
    add_energy(layer, "sample_hold", "sample", c.adc_conversions, tp.sample_j(tp.step_s(widest)));
    add(layer, "shift_add", *tp.shift_add, "shift_add", c.shift_adds);
  };
  // Cells of one programmed matrix: what one vector's reads touch in one input cycle and phase.
  auto cells_of = [](const ActionCountsFor& f, double vectors, int cycles, bool signed_inputs) {
    return f.cell_macs / (vectors * cycles * (signed_inputs ? 2.0 : 1.0));
  };
  double write_energy = 0, cells_to_program = 0, weight_bits_to_load = 0, program_time = 0;
  double psum_bits_out = 0;  // width of the last crossbar layer's sums (the logits)

  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWork& l = w.layers[i];
    const TilePricing& tp = l.uses_crossbar() ? pricing(l.name) : base;
    const TileConfig& tile = tp.tile;
    const DeviceModel& device = tp.device();
    const MappingConfig& m = tile.mapping;
    const double out_elems = static_cast<double>(l.out_shape.size()) * batch;
    if (!l.uses_crossbar()) {
      location[i] = location_of(l.inputs[0]);
      pass_of[i] = pass_of_input(l.inputs[0]);
      add(l.name, "digital", *digital,
          l.type == LayerType::kMaxPool2d || l.type == LayerType::kRelu ? "compare" : "add",
          l.digital_ops_per_sample() * batch);
      if (const auto it = attention_placed.find(i); it != attention_placed.end()) {
        const AttentionPlaced& a = it->second;
        location[i] = a.tiles;
        pass_of[i] = a.pass;
        // Every query of every head is one input vector of each product.
        const double vectors = batch * static_cast<double>(a.tokens * a.heads);
        const ActionCountsFor fs = crossbar_counts(a.scores, a.cycles, a.signed_queries, vectors);
        const ActionCountsFor fm = crossbar_counts(a.mix, a.cycles, false, vectors);
        ActionCounts c;
        if (simulated) {
          c = (*simulated)[i];
        } else {
          c = as_action_counts(fs);
          c += as_action_counts(fm);
          c.cell_writes = batch * static_cast<double>(a.heads) *
                          (cells_of(fs, vectors, a.cycles, a.signed_queries) +
                           cells_of(fm, vectors, a.cycles, false));
        }
        price_array_actions(l.name, base, c, std::max(widest_block(a.scores), widest_block(a.mix)));
        add(l.name, "digital", *digital, "add", c.digital_adds);
        add_energy(l.name, "cell", "write", c.cell_writes, device.write_energy_j());
        // Queries and attention weights pass through the input buffer like any crossbar input,
        // partial sums through the output buffer.
        const double q_bits = activation_bits(l.inputs[0], base);
        const double a_bits = static_cast<double>(m.input_bits);  // in [0, 1]: no sign
        const double phases = a.signed_queries ? 2.0 : 1.0;
        // V is staged to be written into the cells (K below, as for the MAC unit).
        const double v_bits = batch * static_cast<double>(a.keys * l.in_shape.width) *
                              activation_bits(l.inputs[2], base);
        add(l.name, "input_buffer", *base.in_buf, "write_bit",
            vectors * (static_cast<double>(a.scores.inputs) * q_bits +
                       static_cast<double>(a.mix.inputs) * a_bits) +
                v_bits);
        add(l.name, "input_buffer", *base.in_buf, "read_bit",
            fs.dac_drives / (a.cycles * phases) * q_bits + fm.dac_drives / a.cycles * a_bits +
                v_bits);
        const double psum_bits = vectors *
                                     static_cast<double>(a.scores.outputs * a.scores.row_blocks) *
                                     partial_sum_bits(m, a.scores.inputs) +
                                 vectors * static_cast<double>(a.mix.outputs * a.mix.row_blocks) *
                                     partial_sum_bits(m, a.mix.inputs);
        add(l.name, "output_buffer", *base.out_buf, "write_bit", psum_bits);
        add(l.name, "output_buffer", *base.out_buf, "read_bit", psum_bits);
      } else if (l.type == LayerType::kAttention) {
        add(l.name, "attention_mac", *attention_mac, "mac", l.activation_macs_per_sample() * batch);
        // The MAC unit's operands pass through the tile's buffers once each (a product of two
        // matrices reuses every operand it holds): Q, K, V and the attention weights through
        // the input buffer, the scores and outputs at their accumulator widths through the
        // output buffer; what the arrays' version counts too (above).
        const double t = static_cast<double>(l.in_shape.channels);
        const double keys = t + static_cast<double>(l.cached_tokens);
        const double width = static_cast<double>(l.in_shape.width);
        const double scores = static_cast<double>(l.heads) * t * keys;
        const double head_width = width / static_cast<double>(l.heads);
        const double in_bits = batch * (t * width * activation_bits(l.inputs[0], tp) +
                                        keys * width * activation_bits(l.inputs[2], tp) +
                                        scores * static_cast<double>(m.input_bits));
        add(l.name, "input_buffer", *tp.in_buf, "write_bit", in_bits);
        add(l.name, "input_buffer", *tp.in_buf, "read_bit", in_bits);
        const double out_bits =
            batch * (scores * partial_sum_bits(m, static_cast<Index>(head_width)) +
                     t * width * partial_sum_bits(m, static_cast<Index>(keys)));
        add(l.name, "output_buffer", *tp.out_buf, "write_bit", out_bits);
        add(l.name, "output_buffer", *tp.out_buf, "read_bit", out_bits);
      }
      if (l.type == LayerType::kAttention) {
        // Keys staged in the input buffer (for the MAC unit, or to be written into the cells).
        const double keys = static_cast<double>(l.in_shape.channels + l.cached_tokens);
        const double key_bits =
            batch * keys * static_cast<double>(l.in_shape.width) * activation_bits(l.inputs[1], tp);
        add(l.name, "input_buffer", *tp.in_buf, "write_bit", key_bits);
        add(l.name, "input_buffer", *tp.in_buf, "read_bit", key_bits);
        // The KV cache lives in DRAM (docs/transformers.md#kv-cache), at the precision the
        // keys travel at, wherever the products run.
        const double kv_bits = activation_bits(l.inputs[1], tp);
        add(l.name, "dram", *dram, "read_bit", l.kv_cache_reads_per_sample() * batch * kv_bits);
        add(l.name, "dram", *dram, "write_bit", l.kv_cache_writes_per_sample() * batch * kv_bits);
      }
    } else {
      const Placed& p = placed.at(i);
      location[i] = p.tiles;
      pass_of[i] = p.pass;
      const double vectors = batch * static_cast<double>(l.vectors_per_sample);
      const ActionCountsFor f = crossbar_counts(p.plan, p.cycles, p.signed_inputs, vectors);
      const ActionCounts c = simulated ? (*simulated)[i] : as_action_counts(f);
      price_array_actions(l.name, tp, c, widest_block(p.plan));
      add(l.name, "digital", *digital, "add", c.digital_adds + out_elems);  // + bias adds
      // Input buffers: each tile stores the rows of its row blocks once; every array reads
      // its rows' inputs once per vector (then drives them bit by bit).
      const double bits = activation_bits(l.inputs[0], tp);
      double rows_written = 0;
      for (Index t = 0; t < static_cast<Index>(p.tiles.size()); ++t) {
        const Index a0 = t * tile.arrays, a1 = std::min(p.plan.arrays(), a0 + tile.arrays);
        Index rb_lo = a0 / (p.plan.slices * p.plan.col_blocks);
        const Index rb_hi = (a1 - 1) / (p.plan.slices * p.plan.col_blocks);
        for (; rb_lo <= rb_hi; ++rb_lo)
          rows_written += static_cast<double>(p.plan.rows_in_block(rb_lo));
      }
      if (p.tiles_needed > static_cast<Index>(p.tiles.size()))  // rounds: every tile reused
        rows_written *= static_cast<double>(p.tiles_needed) / static_cast<double>(p.tiles.size());
      add(l.name, "input_buffer", *tp.in_buf, "write_bit", rows_written * vectors * bits);
      if (tp.tile_buf) {
        // The inputs arrive in the tile buffer and are carried to the input buffers.
        add(l.name, "tile_buffer", *tp.tile_buf, "write_bit", rows_written * vectors * bits);
        add(l.name, "tile_buffer", *tp.tile_buf, "read_bit", rows_written * vectors * bits);
        if (tp.bus) add(l.name, "bus", *tp.bus, "bit_hop", rows_written * vectors * bits);
      }
      const double rows_read = f.dac_drives / (p.cycles * (p.signed_inputs ? 2.0 : 1.0));
      add(l.name, "input_buffer", *tp.in_buf, "read_bit", rows_read * bits);
      // Output buffers: one partial sum per output and row block per vector, written after
      // shift-and-add and read to send on.
      const double psum_bits = partial_sum_bits(m, l.matrix_rows);
      psum_bits_out = psum_bits;
      const double psums = static_cast<double>(p.plan.outputs * p.plan.row_blocks) * vectors;
      add(l.name, "output_buffer", *tp.out_buf, "write_bit", psums * psum_bits);
      add(l.name, "output_buffer", *tp.out_buf, "read_bit", psums * psum_bits);
      // Partial sums of each row block travel from the tile that holds it to the tile where
      // its column block is summed (the one holding row block 0): every partial sum made on
      // another tile crosses the mesh, one hop per tile of distance.
      const auto tile_of = [&](Index rb, Index cb) {
        const Index a = p.plan.array_id(rb, cb, 0) / tile.arrays;
        return p.tiles[static_cast<std::size_t>(a % static_cast<Index>(p.tiles.size()))];
      };
      double psum_bit_hops = 0;
      for (Index cb = 0; cb < p.plan.col_blocks; ++cb)
        for (Index rb = 1; rb < p.plan.row_blocks; ++rb)
          psum_bit_hops += static_cast<double>(p.plan.outputs_in_block(cb)) * vectors * psum_bits *
                           mesh.hops(tile_of(rb, cb), tile_of(0, cb));
      add(l.name, "noc", *noc, "bit_hop", psum_bit_hops);
      const double cells = cells_of(f, vectors, p.cycles, p.signed_inputs);
      cells_to_program += cells;
      write_energy += cells * device.write_energy_j();
      weight_bits_to_load += static_cast<double>(l.matrix_rows * l.matrix_cols) * m.weight_bits;
      // Arrays program in parallel, row by row: the tallest array with the slowest cells.
      program_time = std::max(program_time, static_cast<double>(tile.rows) * device.write_time_s());
    }
    // Activations arriving from each input: over the mesh, or through DRAM across passes.
    // A crossbar layer's tiles each receive the input rows of the row blocks they hold, so an
    // activation needed on several tiles is sent to each of them (no multicast modelled).
    std::vector<std::pair<Index, double>> destinations;  // tile, share of the input it needs
    if (l.uses_crossbar()) {
      const Placed& p = placed.at(i);
      const Index tiles_of_layer = static_cast<Index>(p.tiles.size());
      std::vector<std::vector<bool>> holds(static_cast<std::size_t>(tiles_of_layer),
                                           std::vector<bool>(p.plan.row_blocks, false));
      for (Index a = 0; a < p.plan.arrays(); ++a)
        holds[static_cast<std::size_t>((a / tile.arrays) % tiles_of_layer)]
             [a / (p.plan.slices * p.plan.col_blocks)] = true;
      for (Index t = 0; t < tiles_of_layer; ++t) {
        double rows = 0;
        for (Index rb = 0; rb < p.plan.row_blocks; ++rb)
          if (holds[static_cast<std::size_t>(t)][rb])
            rows += static_cast<double>(p.plan.rows_in_block(rb));
        if (rows > 0)
          destinations.push_back(
              {p.tiles[static_cast<std::size_t>(t)], rows / static_cast<double>(p.plan.inputs)});
      }
    }
    for (int in : l.inputs) {
      const double bits = (in == kNetworkInput ? 8.0 : activation_bits(in, tp)) *
                          static_cast<double>(in == kNetworkInput ? w.input_shape.size()
                                                                  : w.layers[in].out_shape.size()) *
                          batch;
      if (in == kNetworkInput) {
        add("network", "dram", *dram, "read_bit", bits);
        add("network", "global_buffer", *gbuf, "write_bit", bits);
        add("network", "global_buffer", *gbuf, "read_bit", bits);
      } else if (pass_of_input(in) != pass_of[i]) {
        add(l.name, "global_buffer", *gbuf, "write_bit", bits);
        add(l.name, "dram", *dram, "write_bit", bits);
        add(l.name, "dram", *dram, "read_bit", bits);
        add(l.name, "global_buffer", *gbuf, "read_bit", bits);
      }
      const std::vector<Index>& from = pass_of_input(in) != pass_of[i] ? io_port : location_of(in);
      double bit_hops = 0;
      if (!destinations.empty()) {
        for (const auto& [to, share] : destinations)
          bit_hops += bits * share * mesh.mean_hops(from, {to});
      } else if (from != location[i]) {  // a digital layer joining inputs held elsewhere
        bit_hops = bits * mesh.mean_hops(from, location[i]);
      }
      add(l.name, "noc", *noc, "bit_hop", bit_hops);
    }
  }
  // Logits back to the port, the global buffer and DRAM.
  const double logit_bits =
      static_cast<double>(w.layers.back().out_shape.size()) * batch * psum_bits_out;
  add("network", "noc", *noc, "bit_hop", logit_bits * mesh.mean_hops(location.back(), io_port));
  add("network", "global_buffer", *gbuf, "write_bit", logit_bits);
  add("network", "global_buffer", *gbuf, "read_bit", logit_bits);
  add("network", "dram", *dram, "write_bit", logit_bits);
  // Mean write energy per cell, so that count x energy each is the total over the layers.
  const double write_j = cells_to_program > 0 ? write_energy / cells_to_program : 0.0;
  if (passes > 1) {
    // Weights no longer stay in place: every batch reloads and reprograms all cells.
    add_energy("network", "cell", "write", cells_to_program, write_j);
    add("network", "dram", *dram, "read_bit", weight_bits_to_load);
    r.weights_where = "reprogrammed into the cells for every batch (" + std::to_string(passes) +
                      " passes), read from DRAM each time";
  } else {
    // The network fits: its cells are programmed once, from weights read from DRAM once,
    // and then serve every batch. Arrays program in parallel, row by row.
    r.setup.push_back({"network", "cell", "write", cells_to_program, write_j});
    r.setup.push_back(
        {"network", "dram", "read_bit", weight_bits_to_load, dram->cost("read_bit").energy_j});
    r.setup_time_s = program_time;
    r.weights_where = "in the crossbar cells, programmed once before the first batch";
  }

  // Latency. Per read step, the array read overlaps with converting the previous read's
  // samples (sample-and-hold), so a step takes the longer of the two; the conversions of an
  // array share its cols / k ADCs. Layers are pipelined across the chip.
  double latency = 0;
  std::vector<double> stage_max(static_cast<std::size_t>(passes), 0.0);
  std::vector<double> stage_sum(static_cast<std::size_t>(passes), 0.0);
  for (const auto& [i, p] : placed) {
    const LayerWork& l = w.layers[i];
    Index max_outputs = 0;
    for (Index cb = 0; cb < p.plan.col_blocks; ++cb)
      max_outputs = std::max(max_outputs, p.plan.outputs_in_block(cb));
    const double step = pricing(l.name).step_s(max_outputs);
    const double rounds =
        std::ceil(static_cast<double>(p.tiles_needed) / static_cast<double>(sys.tiles));
    const double per_sample = static_cast<double>(l.vectors_per_sample) * p.cycles *
                              (p.signed_inputs ? 2.0 : 1.0) * step * rounds;
    r.layers.push_back({l.name, per_sample});
    stage_max[static_cast<std::size_t>(p.pass)] =
        std::max(stage_max[static_cast<std::size_t>(p.pass)], per_sample);
    stage_sum[static_cast<std::size_t>(p.pass)] += per_sample;
  }
  for (const auto& [i, a] : attention_placed) {
    // Per sample: K and V written row by row (all arrays in parallel), then the queries read
    // through K, the softmax, and the attention weights read through V.
    const double write_rows = static_cast<double>(std::max(
        std::min(a.scores.inputs, base.tile.rows), std::min(a.mix.inputs, base.tile.rows)));
    const double per_sample =
        static_cast<double>(a.rounds) *
        (write_rows * base.device().write_time_s() +
         static_cast<double>(a.tokens) * a.cycles *
             ((a.signed_queries ? 2.0 : 1.0) * base.step_s(widest_block(a.scores)) +
              base.step_s(widest_block(a.mix))));
    r.layers.push_back({w.layers[i].name, per_sample});
    stage_max[static_cast<std::size_t>(a.pass)] =
        std::max(stage_max[static_cast<std::size_t>(a.pass)], per_sample);
    stage_sum[static_cast<std::size_t>(a.pass)] += per_sample;
  }
  for (int s = 0; s < passes; ++s)
    latency += stage_sum[static_cast<std::size_t>(s)] +
               (batch - 1) * stage_max[static_cast<std::size_t>(s)] +
               (passes > 1 ? program_time : 0.0);
  r.latency_s = latency;
  r.throughput_per_s = latency > 0 ? batch / latency : 0;

  // Area and peak power of the whole chip: every tile with its arrays, converters and
  // buffers, a router per tile, and the global buffer. With per-layer tile settings the chip
  // holds tiles of several kinds: a layer's own kind on the tiles it occupies, the
  // architecture's on all the others. Each component's line then sums over the kinds (its
  // area each and its power per tile are the means over the chip's tiles).
  std::vector<std::pair<const TilePricing*, double>> kinds;  // tile kind, tiles of that kind
  double own_tiles = 0;
  for (const auto& [i, p] : placed)
    if (own.count(w.layers[i].name)) {
      kinds.push_back({&pricing(w.layers[i].name), static_cast<double>(p.tiles_needed)});
      own_tiles += static_cast<double>(p.tiles_needed);
    }
  kinds.push_back({&base, static_cast<double>(sys.tiles) - own_tiles});
  std::vector<std::string> order;
  std::map<std::string, std::pair<double, double>> area_of;  // instances, m^2
  std::map<std::string, double> power_of;                    // W, whole chip
  auto add_area = [&](const std::string& component, double instances, double each_m2) {
    if (!area_of.count(component)) order.push_back(component);
    area_of[component].first += instances;
    area_of[component].second += instances * each_m2;
  };
  const double tiles_d = static_cast<double>(sys.tiles);
  for (const auto& [kind, n] : kinds) {
    if (n <= 0) continue;
    const TilePricing& tp = *kind;
    const TileConfig& tile = tp.tile;
    const double arrays = n * static_cast<double>(tile.arrays);
    add_area("cell", arrays * static_cast<double>(tile.rows * tile.cols),
             tp.device().cell_area_m2());
    add_area("adc", arrays * tp.adcs_per_array, tp.adc().area_m2());
    add_area("dac", arrays * static_cast<double>(tile.rows), tp.dac().area_m2());
    add_area("sample_hold", arrays * static_cast<double>(tile.cols), tp.sample_hold->area_m2());
    const double shift_adds_per_tile = sys.shift_adds > 0
                                           ? static_cast<double>(sys.shift_adds)
                                           : static_cast<double>(tile.arrays) * tp.adcs_per_array;
    add_area("shift_add", n * shift_adds_per_tile, tp.shift_add->area_m2());
    add_area("input_buffer", n * static_cast<double>(sys.input_buffers), tp.in_buf->area_m2());
    add_area("output_buffer", n * static_cast<double>(sys.output_buffers), tp.out_buf->area_m2());
    if (tp.tile_buf) add_area("tile_buffer", n, tp.tile_buf->area_m2());
    if (tp.bus) add_area("bus", n, tp.bus->area_m2());
    // Peak power: every array reading at its full rate (all rows driven, every cell read, all
    // columns sampled and converted each step), every other instance at its card's rate.
    const Index outputs_full =
        tile.mapping.signed_weights == SignedWeights::kDifferential ? tile.cols / 2 : tile.cols;
    const double step_full = tp.step_s(outputs_full);
    const double arrays_per_tile = static_cast<double>(tile.arrays);
    const double rows = static_cast<double>(tile.rows), cols = static_cast<double>(tile.cols);
    const double v = tp.dac().read_voltage_v();
    const double cell_full_j = tp.device().resistive_read()
                                   ? v * v * tp.g_mean * tp.device().read_pulse_s()
                                   : tp.device().fixed_read_energy_j();
    // Clang 14 cannot capture a structured binding, so the count gets a plain name.
    const double tiles_of_kind = n;
    auto tile_power = [&](const std::string& component, double watts_per_tile) {
      power_of[component] += watts_per_tile * tiles_of_kind;
    };
    tile_power("cell", arrays_per_tile * rows * cols * cell_full_j / step_full);
    r.peak_cell_reads_per_s += arrays_per_tile * rows * cols / step_full * n / tiles_d;
    tile_power("dac", arrays_per_tile * rows * tp.drive_j / step_full);
    const double conversions_full = static_cast<double>(outputs_full);
    tile_power("adc",
               arrays_per_tile * conversions_full * tp.adc().energy_per_conversion_j() / step_full);
    tile_power("sample_hold",
               arrays_per_tile * conversions_full * tp.sample_j(step_full) / step_full);
    tile_power("shift_add", shift_adds_per_tile * tp.shift_add->peak_power_w());
    tile_power("input_buffer", static_cast<double>(sys.input_buffers) * tp.in_buf->peak_power_w());
    tile_power("output_buffer",
               static_cast<double>(sys.output_buffers) * tp.out_buf->peak_power_w());
    if (tp.tile_buf) tile_power("tile_buffer", tp.tile_buf->peak_power_w());
    if (tp.bus) tile_power("bus", tp.bus->peak_power_w());
  }
  for (const std::string& c : order) {
    const auto [instances, m2] = area_of[c];
    r.area.push_back({c, instances, instances > 0 ? m2 / instances : 0.0});
  }
  for (const char* c : {"cell", "dac", "adc", "sample_hold", "shift_add", "input_buffer",
                        "output_buffer", "tile_buffer", "bus"})
    if (power_of.count(c)) r.peak_power.push_back({c, power_of[c] / tiles_d, power_of[c]});
  r.area.push_back({"digital", tiles_d, digital->area_m2()});
  const double routers = std::ceil(tiles_d / static_cast<double>(sys.tiles_per_router));
  r.area.push_back({"noc", routers, noc->area_m2()});
  r.area.push_back({"global_buffer", 1, gbuf->area_m2()});
  r.peak_power.push_back({"digital", digital->peak_power_w(), digital->peak_power_w() * tiles_d});
  r.peak_power.push_back(
      {"noc", routers * noc->peak_power_w() / tiles_d, routers * noc->peak_power_w()});
  r.peak_power.push_back({"global_buffer", 0.0, gbuf->peak_power_w()});
  if (passes == 1)
    r.notes.push_back(std::to_string(tiles_used - attention_tiles) + " of " +
                      std::to_string(sys.tiles) + " tiles hold weights");
  if (attention_tiles > 0) {
    // Endurance is the device's business; the report gives the write rate it must stand.
    char rate[32];
    std::snprintf(rate, sizeof(rate), "%.3g", r.throughput_per_s);
    r.notes.push_back(std::to_string(attention_tiles) +
                      " tiles hold attention's K and V arrays, rewritten for every sample: each "
                      "of their cells is written once per inference, " +
                      std::string(rate) + " writes per cell per second at full throughput");
  }
  return r;
}

}  // namespace xbarsim
