#include "xbarsim/system/analog_system.hpp"

#include <algorithm>
#include <cmath>
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

// Where a crossbar layer sits and how it runs.
struct Placed {
  MappingPlan plan;
  int cycles = 1;
  bool signed_inputs = false;
  Index tiles_needed = 0;
  int pass = 0;
  std::vector<Index> tiles;  // tile ids within its pass
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
  const TileConfig& tile = arch.tile;
  const auto models = make_tile_models(arch, registry);
  const DeviceModel& device = *models->device;
  const Dac& dac = *models->dac;
  const Adc& adc = *models->adc;
  auto cost = [&](const ComponentConfig& c) { return registry.make_cost(c.model, c.params); };
  const auto sample_hold = cost(sys.sample_hold), shift_add = cost(sys.shift_add);
  const auto in_buf = cost(sys.input_buffer), out_buf = cost(sys.output_buffer);
  const auto gbuf = cost(sys.global_buffer), noc = cost(sys.noc), dram = cost(sys.dram);
  const auto digital = cost(sys.digital);
  const std::shared_ptr<const CostModel> tile_buf =
      sys.tile_buffer ? std::shared_ptr<const CostModel>(cost(*sys.tile_buffer)) : nullptr;
  const std::shared_ptr<const CostModel> bus =
      sys.bus ? std::shared_ptr<const CostModel>(cost(*sys.bus)) : nullptr;

  const MappingConfig& m = tile.mapping;
  const int in_bits = m.input_bits;
  // The input buffer must hold at least one input vector of one array.
  const double one_row_bits = static_cast<double>(tile.rows) * (in_bits + 1);
  if (sys.input_buffer.params.has("capacity_bits") &&
      sys.input_buffer.params.real("capacity_bits") < one_row_bits)
    throw ConfigError(arch.file, "tile.input_buffer.capacity_bits",
                      "holds fewer bits than one input vector of an array (" +
                          std::to_string(tile.rows) + " rows x " + std::to_string(in_bits + 1) +
                          " bits = " + std::to_string(static_cast<long long>(one_row_bits)) + ")");

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
        non_negative[i] = true;
        break;
      case LayerType::kMaxPool2d:
      case LayerType::kAvgPool2d:
      case LayerType::kFlatten:
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
  const int dac_bits = dac.bits_per_cycle();
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWork& l = w.layers[i];
    if (!l.uses_crossbar()) continue;
    Placed p;
    p.plan = plan_mapping(l.matrix_cols, l.matrix_rows, tile, device.levels());
    p.cycles = input_cycles(in_bits, dac_bits);
    // "signed" counts a second input phase; bipolar row drivers read signed inputs in one.
    p.signed_inputs = !input_non_negative(l.inputs[0]) && !tile.mapping.bipolar_inputs;
    p.tiles_needed = (p.plan.arrays() + tile.arrays - 1) / tile.arrays;
    if (used > 0 && used + p.tiles_needed > sys.tiles) {
      ++passes;
      used = 0;
    }
    p.pass = passes - 1;
    const Index take = std::min(p.tiles_needed, sys.tiles);
    for (Index t = 0; t < take; ++t) p.tiles.push_back(used + t);
    used += take;
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
  Index tiles_used = 0;
  for (const auto& [i, p] : placed) tiles_used += p.tiles_needed;
  if (passes > 1)
    r.notes.push_back("the network needs " + std::to_string(tiles_used) + " tiles, the chip has " +
                      std::to_string(sys.tiles) + ": " + std::to_string(passes) +
                      " passes per batch, with the cells reprogrammed before each pass and "
                      "activations between passes stored in DRAM");

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

  const double act_bits_signed = in_bits + 1.0, act_bits_unsigned = in_bits;
  auto activation_bits = [&](int i) {
    return input_non_negative(i) ? act_bits_unsigned : act_bits_signed;
  };
  const double g_mean = 0.5 * (device.g_min_siemens() + device.g_max_siemens());
  const double v = dac.read_voltage_v();
  double cells_to_program = 0, weight_bits_to_load = 0;
  // One read step: the rows are driven for the read pulse while the previous step's samples
  // are converted by the cols / k ADCs of the array; the step takes the longer of the two.
  // The DAC is priced for the pulse it drives, the sample-and-hold for the step it holds.
  const double adcs_per_array = static_cast<double>(tile.cols / tile.adc_shared_columns);
  // `outputs` is the number of conversions one array needs per read: one per logical output
  // (a differential pair or an offset column is subtracted before its ADC).
  auto step_s = [&](Index outputs) {
    const double conversions = std::ceil(static_cast<double>(outputs) / adcs_per_array);
    return std::max(device.read_pulse_s(), conversions * adc.conversion_time_s());
  };
  const double drive_j = dac.drive_energy_j(device.read_pulse_s());
  auto sample_j = [&](double hold_s) {
    return sample_hold->cost("sample").energy_j +
           sample_hold->cost("hold_second").energy_j * hold_s;
  };
  double psum_bits_out = 0;  // width of the last crossbar layer's sums (the logits)

  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWork& l = w.layers[i];
    const double out_elems = static_cast<double>(l.out_shape.size()) * batch;
    if (!l.uses_crossbar()) {
      location[i] = location_of(l.inputs[0]);
      pass_of[i] = pass_of_input(l.inputs[0]);
      add(l.name, "digital", *digital,
          l.type == LayerType::kMaxPool2d || l.type == LayerType::kRelu ? "compare" : "add",
          l.digital_ops_per_sample() * batch);
    } else {
      const Placed& p = placed.at(i);
      location[i] = p.tiles;
      pass_of[i] = p.pass;
      const double vectors = batch * static_cast<double>(l.vectors_per_sample);
      const ActionCountsFor f = crossbar_counts(p.plan, p.cycles, p.signed_inputs, vectors);
      ActionCounts c;
      if (simulated) {
        c = (*simulated)[i];
      } else {
        c.array_reads = f.array_reads;
        c.dac_drives = f.dac_drives;
        c.adc_conversions = f.adc_conversions;
        c.cell_macs = f.cell_macs;
        c.shift_adds = f.shift_adds;
        c.digital_adds = f.digital_adds;
      }
      // Cell reads: V^2 G t from the simulation, or estimated from the mean conductance and
      // the fraction of driven input digits (chip.input_bit_activity_rel).
      double cell_energy = 0;
      if (!device.resistive_read())
        cell_energy = device.fixed_read_energy_j();
      else if (simulated && c.cell_macs > 0)
        cell_energy = c.cell_read_energy_j / c.cell_macs;
      else
        cell_energy = sys.input_bit_activity * v * v * g_mean * device.read_pulse_s();
      add_energy(l.name, "cell", "read", c.cell_macs, cell_energy);
      Index widest = 0;
      for (Index cb = 0; cb < p.plan.col_blocks; ++cb)
        widest = std::max(widest, p.plan.outputs_in_block(cb));
      add_energy(l.name, "dac", "drive", c.dac_drives, drive_j);
      add_energy(l.name, "adc", "conversion", c.adc_conversions, adc.energy_per_conversion_j());
      add_energy(l.name, "sample_hold", "sample", c.adc_conversions, sample_j(step_s(widest)));
      add(l.name, "shift_add", *shift_add, "shift_add", c.shift_adds);
      add(l.name, "digital", *digital, "add", c.digital_adds + out_elems);  // + bias adds
      // Input buffers: each tile stores the rows of its row blocks once; every array reads
      // its rows' inputs once per vector (then drives them bit by bit).
      const double bits = activation_bits(l.inputs[0]);
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
      add(l.name, "input_buffer", *in_buf, "write_bit", rows_written * vectors * bits);
      if (tile_buf) {
        // The inputs arrive in the tile buffer and are carried to the input buffers.
        add(l.name, "tile_buffer", *tile_buf, "write_bit", rows_written * vectors * bits);
        add(l.name, "tile_buffer", *tile_buf, "read_bit", rows_written * vectors * bits);
        if (bus) add(l.name, "bus", *bus, "bit_hop", rows_written * vectors * bits);
      }
      const double rows_read = f.dac_drives / (p.cycles * (p.signed_inputs ? 2.0 : 1.0));
      add(l.name, "input_buffer", *in_buf, "read_bit", rows_read * bits);
      // Output buffers: one partial sum per output and row block per vector, written after
      // shift-and-add and read to send on.
      const double psum_bits = partial_sum_bits(m, l.matrix_rows);
      psum_bits_out = psum_bits;
      const double psums = static_cast<double>(p.plan.outputs * p.plan.row_blocks) * vectors;
      add(l.name, "output_buffer", *out_buf, "write_bit", psums * psum_bits);
      add(l.name, "output_buffer", *out_buf, "read_bit", psums * psum_bits);
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
      cells_to_program += f.cell_macs / (vectors * p.cycles * (p.signed_inputs ? 2.0 : 1.0));
      weight_bits_to_load += static_cast<double>(l.matrix_rows * l.matrix_cols) * m.weight_bits;
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
      const double bits = (in == kNetworkInput ? 8.0 : activation_bits(in)) *
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
  const double program_time = static_cast<double>(tile.rows) * device.write_time_s();
  if (passes > 1) {
    // Weights no longer stay in place: every batch reloads and reprograms all cells.
    add_energy("network", "cell", "write", cells_to_program, device.write_energy_j());
    add("network", "dram", *dram, "read_bit", weight_bits_to_load);
    r.weights_where = "reprogrammed into the cells for every batch (" + std::to_string(passes) +
                      " passes), read from DRAM each time";
  } else {
    // The network fits: its cells are programmed once, from weights read from DRAM once,
    // and then serve every batch. Arrays program in parallel, row by row.
    r.setup.push_back({"network", "cell", "write", cells_to_program, device.write_energy_j()});
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
    const double step = step_s(max_outputs);
    const double rounds =
        std::ceil(static_cast<double>(p.tiles_needed) / static_cast<double>(sys.tiles));
    const double per_sample = static_cast<double>(l.vectors_per_sample) * p.cycles *
                              (p.signed_inputs ? 2.0 : 1.0) * step * rounds;
    r.layers.push_back({l.name, per_sample});
    stage_max[static_cast<std::size_t>(p.pass)] =
        std::max(stage_max[static_cast<std::size_t>(p.pass)], per_sample);
    stage_sum[static_cast<std::size_t>(p.pass)] += per_sample;
  }
  for (int s = 0; s < passes; ++s)
    latency += stage_sum[static_cast<std::size_t>(s)] +
               (batch - 1) * stage_max[static_cast<std::size_t>(s)] +
               (passes > 1 ? program_time : 0.0);
  r.latency_s = latency;
  r.throughput_per_s = latency > 0 ? batch / latency : 0;

  // Area of the whole chip: every tile with its arrays, converters and buffers, a router
  // per tile, and the global buffer.
  const double arrays = static_cast<double>(sys.tiles * tile.arrays);
  const double cells = arrays * static_cast<double>(tile.rows * tile.cols);
  r.area.push_back({"cell", cells, device.cell_area_m2()});
  r.area.push_back({"adc", arrays * adcs_per_array, adc.area_m2()});
  r.area.push_back({"dac", arrays * static_cast<double>(tile.rows), dac.area_m2()});
  r.area.push_back(
      {"sample_hold", arrays * static_cast<double>(tile.cols), sample_hold->area_m2()});
  const double shift_adds_per_tile = sys.shift_adds > 0
                                         ? static_cast<double>(sys.shift_adds)
                                         : static_cast<double>(tile.arrays) * adcs_per_array;
  const double tiles_n = static_cast<double>(sys.tiles);
  r.area.push_back({"shift_add", tiles_n * shift_adds_per_tile, shift_add->area_m2()});
  r.area.push_back(
      {"input_buffer", tiles_n * static_cast<double>(sys.input_buffers), in_buf->area_m2()});
  r.area.push_back(
      {"output_buffer", tiles_n * static_cast<double>(sys.output_buffers), out_buf->area_m2()});
  if (tile_buf) r.area.push_back({"tile_buffer", tiles_n, tile_buf->area_m2()});
  if (bus) r.area.push_back({"bus", tiles_n, bus->area_m2()});
  r.area.push_back({"digital", static_cast<double>(sys.tiles), digital->area_m2()});
  const double routers =
      std::ceil(static_cast<double>(sys.tiles) / static_cast<double>(sys.tiles_per_router));
  r.area.push_back({"noc", routers, noc->area_m2()});
  r.area.push_back({"global_buffer", 1, gbuf->area_m2()});
  // Peak power: every array reading at its full rate (all rows driven, every cell read, all
  // columns sampled and converted each step), every other instance at its card's rate.
  const Index outputs_full =
      m.signed_weights == SignedWeights::kDifferential ? tile.cols / 2 : tile.cols;
  const double step_full = step_s(outputs_full);
  const double arrays_per_tile = static_cast<double>(tile.arrays);
  const double rows = static_cast<double>(tile.rows), cols = static_cast<double>(tile.cols);
  const double cell_full_j = device.resistive_read() ? v * v * g_mean * device.read_pulse_s()
                                                     : device.fixed_read_energy_j();
  const double tiles_d = static_cast<double>(sys.tiles);
  auto tile_power = [&](const std::string& component, double watts_per_tile) {
    r.peak_power.push_back({component, watts_per_tile, watts_per_tile * tiles_d});
  };
  tile_power("cell", arrays_per_tile * rows * cols * cell_full_j / step_full);
  r.peak_cell_reads_per_s = arrays_per_tile * rows * cols / step_full;
  tile_power("dac", arrays_per_tile * rows * drive_j / step_full);
  const double conversions_full = static_cast<double>(outputs_full);
  tile_power("adc", arrays_per_tile * conversions_full * adc.energy_per_conversion_j() / step_full);
  tile_power("sample_hold", arrays_per_tile * conversions_full * sample_j(step_full) / step_full);
  tile_power("shift_add", shift_adds_per_tile * shift_add->peak_power_w());
  tile_power("input_buffer", static_cast<double>(sys.input_buffers) * in_buf->peak_power_w());
  tile_power("output_buffer", static_cast<double>(sys.output_buffers) * out_buf->peak_power_w());
  if (tile_buf) tile_power("tile_buffer", tile_buf->peak_power_w());
  if (bus) tile_power("bus", bus->peak_power_w());
  tile_power("digital", digital->peak_power_w());
  tile_power("noc", routers * noc->peak_power_w() / tiles_d);
  r.peak_power.push_back({"global_buffer", 0.0, gbuf->peak_power_w()});
  if (passes == 1)
    r.notes.push_back(std::to_string(tiles_used) + " of " + std::to_string(sys.tiles) +
                      " tiles hold weights");
  return r;
}

}  // namespace xbarsim
