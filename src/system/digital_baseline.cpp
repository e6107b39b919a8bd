// The digital baseline's action counts and their prices (docs/digital_baseline.md). Every
// count below is one formula of that document; the section names are its anchors.
#include "xbarsim/system/digital_baseline.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {

double ceil_div(double a, double b) {
  return std::ceil(a / b);
}

std::string bits_text(double bits) {
  return std::to_string(static_cast<long long>(bits)) + " bits";
}

// An activation tensor in the global buffer: the network input, or a layer's output (a
// flatten layer's output is its input's buffer under another shape).
struct Buffer {
  double bits = 0;
  int producer = -1;  // layer index; -1 for the network input
  int last_use = -1;  // last consuming layer (flatten layers do not count)
  bool consumed = false;
  bool network_output = false;  // written to DRAM as it is produced
  bool resident = false;        // held in the global buffer from producer to last use
  bool live_at(int j) const { return consumed && producer <= j && j <= last_use; }
};

// The geometry of one crossbar layer on the PE array (docs#loop-nest).
struct Tiling {
  double K = 0, M = 0, N = 0;   // reduction, output channels, input vectors (whole batch)
  double TK = 0, TM = 0;        // K-tiles ceil(K/R), M-tiles ceil(M/C)
  double p = 0;                 // accumulator bits
  double weight_tile_bits = 0;  // min(R,K) min(C,M) b
  double input_row_bits = 0;    // one input row the stream needs staged
  double psum_vector_bits = 0;  // min(C,M) p when TK > 1, else 0: one vector's partial sums
  double psum_block_bits = 0;   // psum_vector_bits N: the whole stream's
};

Tiling tiling_of(const LayerWork& l, const DigitalBaseline& c, double batch) {
  if (l.matrix_rows <= 0 || l.matrix_cols <= 0 || l.vectors_per_sample <= 0)
    throw ShapeError("layer '" + l.name + "': a " + to_string(l.type) +
                     " layer needs positive matrix_rows, matrix_cols and vectors_per_sample");
  const double R = static_cast<double>(c.pe_rows), C = static_cast<double>(c.pe_cols);
  const double b = c.precision_bits;
  Tiling t;
  t.K = static_cast<double>(l.matrix_rows);
  t.M = static_cast<double>(l.matrix_cols);
  t.N = batch * static_cast<double>(l.vectors_per_sample);
  t.TK = ceil_div(t.K, R);
  t.TM = ceil_div(t.M, C);
  t.p = c.accumulator_bits;
  t.weight_tile_bits = std::min(R, t.K) * std::min(C, t.M) * b;
  // Dense: one input vector. Conv2d: the kernel_h input rows one output row slides over.
  t.input_row_bits =
      l.type == LayerType::kConv2d
          ? static_cast<double>(l.window.kernel_h * l.in_shape.width * l.in_shape.channels) * b
          : t.K * b;
  t.psum_vector_bits = t.TK > 1 ? std::min(C, t.M) * t.p : 0.0;
  t.psum_block_bits = t.psum_vector_bits * t.N;
  return t;
}

// How a crossbar layer uses the room `free` that the resident tensors leave it
// (docs#stream-blocking): the stream of N vectors is cut into blocks of n; the layer's
// weights may stay in the buffer across blocks; an input that lives in DRAM is either staged
// block by block (read once) or streamed once per M-tile; one block's partial sums stay on
// chip, or all of them go to DRAM. Of the feasible choices the one with the least DRAM
// traffic wins; ties go to the larger n, then to the fewer reservations.
struct Plan {
  double n = 0;       // vectors per stream block
  double blocks = 1;  // ceil(N / n)
  bool weights_resident = false;
  bool input_staged = false;
  bool psums_on_chip = true;
  double dram_bits = 0;
};

Plan plan_layer(const Tiling& t, double free, bool input_resident, double input_bits,
                double weight_bits) {
  Plan best;
  bool found = false;
  for (const bool resident_weights : {false, true})
    for (const bool staged : {false, true})
      for (const bool on_chip : {true, false}) {
        if (staged && input_resident) continue;
        if (!on_chip && t.TK <= 1) continue;  // one K-tile: no partial sums to keep
        const double psum_per = on_chip ? t.psum_vector_bits : 0.0;
        const double fixed = t.weight_tile_bits + (resident_weights ? weight_bits : 0.0) +
                             (input_resident ? 0.0 : t.input_row_bits);
        const double per = psum_per + (staged ? input_bits / t.N : 0.0);
        if (fixed > free) continue;
        double n = per > 0 ? std::min(t.N, std::floor((free - fixed) / per)) : t.N;
        // A staged input never needs more than the whole input (its row included).
        if (staged && fixed - t.input_row_bits + input_bits + psum_per * t.N <= free) n = t.N;
        if (n < 1) continue;
        Plan c;
        c.n = n;
        c.blocks = std::ceil(t.N / n);
        c.weights_resident = resident_weights;
        c.input_staged = staged;
        c.psums_on_chip = on_chip;
        c.dram_bits = weight_bits * (resident_weights ? 1.0 : c.blocks) +
                      (input_resident ? 0.0 : (staged ? 1.0 : t.TM) * input_bits) +
                      (on_chip ? 0.0 : 2.0 * (t.TK - 1) * t.M * t.N * t.p);
        if (!found || c.dram_bits < best.dram_bits ||
            (c.dram_bits == best.dram_bits && c.n > best.n))
          best = c;
        found = true;
      }
  // Always found once weight tile + input row fit: n = N with the partial sums in DRAM.
  return best;
}

bool is_compare(LayerType t) {
  return t == LayerType::kMaxPool2d || t == LayerType::kRelu;
}

}  // namespace

DigitalCounts count_digital(const Workload& w, const DigitalBaseline& c, double batch) {
  if (!std::isfinite(batch) || batch < 1 || batch != std::floor(batch))
    throw ConfigError("", "batch", "expected a whole number of samples >= 1");
  if (c.pe_rows < 1 || c.pe_cols < 1)
    throw ConfigError(c.file, "pe_array", "the PE array needs at least one row and one column");
  const int L = static_cast<int>(w.layers.size());
  const double b = c.precision_bits, p = c.accumulator_bits;
  const double R = static_cast<double>(c.pe_rows), C = static_cast<double>(c.pe_cols);
  const double S = c.global_buffer.capacity_bits;

  // Buffers: 0 is the network input; a layer's output gets its own, except flatten's.
  std::vector<Buffer> buffers(1);
  buffers[0].bits = static_cast<double>(w.input_shape.size()) * batch * b;
  std::vector<int> buffer_of(L, 0);
  auto buffer_id = [&](int input) { return input == kNetworkInput ? 0 : buffer_of[input]; };
  for (int j = 0; j < L; ++j) {
    const LayerWork& l = w.layers[j];
    for (int in : l.inputs)
      if (in != kNetworkInput && (in < 0 || in >= j))
        throw ShapeError("layer '" + l.name + "': input " + std::to_string(in) +
                         " is not an earlier layer");
    if (l.type == LayerType::kFlatten) {
      if (l.inputs.size() != 1) throw ShapeError("layer '" + l.name + "': flatten needs 1 input");
      buffer_of[j] = buffer_id(l.inputs[0]);
      continue;
    }
    Buffer out;
    out.bits = static_cast<double>(l.out_shape.size()) * batch * b;
    out.producer = j;
    out.last_use = j;
    buffer_of[j] = static_cast<int>(buffers.size());
    buffers.push_back(out);
    for (int in : l.inputs) {
      Buffer& src = buffers[buffer_id(in)];
      src.consumed = true;
      src.last_use = std::max(src.last_use, j);
    }
  }
  std::vector<bool> layer_consumed(L, false);
  for (const LayerWork& l : w.layers)
    for (int in : l.inputs)
      if (in != kNetworkInput) layer_consumed[in] = true;
  for (int j = 0; j < L; ++j)
    if (!layer_consumed[j]) buffers[buffer_of[j]].network_output = true;

  // The weight store takes whole layers in network order while they fit.
  std::vector<bool> in_store(L, false);
  double store_left = c.weight_buffer.present() ? c.weight_buffer.capacity_bits : 0.0;
  double stored_bits = 0;
  for (int j = 0; j < L; ++j) {
    const LayerWork& l = w.layers[j];
    if (!l.uses_crossbar()) continue;
    const double bits = static_cast<double>(l.matrix_rows * l.matrix_cols) * b;
    if (bits <= store_left) {
      in_store[j] = true;
      store_left -= bits;
      stored_bits += bits;
    }
  }

  std::vector<Tiling> tilings(L);
  for (int j = 0; j < L; ++j)
    if (w.layers[j].uses_crossbar()) tilings[j] = tiling_of(w.layers[j], c, batch);
  auto resident_live_bits = [&](int j) {
    double s = 0;
    for (const Buffer& buf : buffers)
      if (buf.resident && buf.live_at(j)) s += buf.bits;
    return s;
  };
  auto input_of = [&](int j) -> const Buffer& {
    return buffers[buffer_id(w.layers[j].inputs.at(0))];
  };
  // What a layer needs in the global buffer besides the resident tensors: one weight tile,
  // the partial-sum block, and one input row to stream through when its input is in DRAM.
  auto need_at = [&](int j) {
    double need = resident_live_bits(j);
    if (w.layers[j].uses_crossbar()) {
      const Tiling& t = tilings[j];
      need += t.weight_tile_bits + t.psum_block_bits;
      if (!input_of(j).resident) need += t.input_row_bits;
    }
    return need;
  };

  // Pass 1 (docs#global-buffer): every consumed tensor starts resident; at each layer in
  // turn, while the layer's needs exceed the buffer, the largest resident live tensor is
  // spilled to DRAM for its whole lifetime.
  for (Buffer& buf : buffers) buf.resident = buf.consumed;
  for (int j = 0; j < L; ++j) {
    if (w.layers[j].type == LayerType::kFlatten) continue;
    while (need_at(j) > S) {
      Buffer* largest = nullptr;
      for (Buffer& buf : buffers)
        if (buf.resident && buf.live_at(j) && (!largest || buf.bits > largest->bits))
          largest = &buf;
      if (!largest) break;
      largest->resident = false;
    }
  }

  DigitalCounts out;
  out.batch = batch;
  out.stored_weight_bits = stored_bits;
  out.network.layer = "network";
  if (buffers[0].resident) {  // network input: DRAM -> global buffer, once
    out.network.dram_read.inputs = buffers[0].bits;
    out.network.gb_write.inputs = buffers[0].bits;
  }
  out.network.input_resident = buffers[0].resident;

  // Pass 2: the counts of each layer under the final residency.
  for (int j = 0; j < L; ++j) {
    const LayerWork& l = w.layers[j];
    DigitalLayerCounts n;
    n.layer = l.name;
    n.crossbar = l.uses_crossbar();
    if (l.type == LayerType::kFlatten) {
      out.layers.push_back(n);
      continue;
    }
    const Buffer& dst = buffers[buffer_of[j]];
    n.output_resident = dst.resident;
    n.ops = l.digital_ops_per_sample() * batch;
    if (is_compare(l.type)) n.compares = n.ops;

    if (n.crossbar) {
      const Tiling& t = tilings[j];
      const double K = t.K, M = t.M, N = t.N, TK = t.TK, TM = t.TM;
      if (t.weight_tile_bits > S)
        throw ConfigError(c.file, "global_buffer.capacity_bits",
                          bits_text(S) + " cannot hold one weight tile of layer '" + l.name +
                              "' (" + bits_text(t.weight_tile_bits) + ")");
      if (t.weight_tile_bits + t.input_row_bits > S)
        throw ConfigError(c.file, "global_buffer.capacity_bits",
                          bits_text(S) + " cannot hold one weight tile (" +
                              bits_text(t.weight_tile_bits) + ") and one row of inputs (" +
                              bits_text(t.input_row_bits) + ") of layer '" + l.name + "'");
      const Buffer& src = input_of(j);
      n.input_resident = src.resident;
      const double weight_bits = K * M * b;
      // Weights in the store cost no DRAM traffic, so the plan has no reason to keep them in
      // the global buffer.
      n.weights_in_store = in_store[j];
      const Plan plan = plan_layer(t, S - resident_live_bits(j), src.resident, src.bits,
                                   n.weights_in_store ? 0.0 : weight_bits);
      n.stream_block = plan.n;
      n.stream_blocks = plan.blocks;
      n.weights_resident = plan.weights_resident;
      n.psums_spilled = !plan.psums_on_chip;

      n.macs = K * M * N;
      // Per MAC: read weight, activation, partial sum; write the forwarded activation and the
      // partial sum. Each weight enters its PE once per stream block.
      n.rf_read_bits = n.macs * (2 * b + p);
      n.rf_write_bits = n.macs * (b + p) + plan.blocks * weight_bits;
      n.noc_bit_hops = N * K * (M - TM) * b + N * M * (K - TK) * p;

      const double psum_bits = (TK - 1) * M * N * p;
      if (n.weights_in_store) {
        n.weights_resident = true;
        n.wb_read_bits = plan.blocks * weight_bits;  // straight from the store to the PEs
      } else {
        n.gb_read.weights = plan.blocks * weight_bits;
        n.dram_read.weights = (plan.weights_resident ? 1.0 : plan.blocks) * weight_bits;
        n.gb_write.weights = n.dram_read.weights;
      }
      n.gb_read.inputs = TM * K * N * b;
      n.gb_read.psums = psum_bits;
      n.gb_write.psums = psum_bits;
      if (n.psums_spilled) {
        n.gb_read.psums += psum_bits;   // drained to DRAM ...
        n.gb_write.psums += psum_bits;  // ... and back before the next K-tile
        n.dram_write.psums = psum_bits;
        n.dram_read.psums = psum_bits;
      }
      if (!src.resident) {
        // Staged block by block (read once), or streamed once per M-tile.
        n.input_dram_passes = plan.input_staged ? 1.0 : TM;
        n.dram_read.inputs = n.input_dram_passes * src.bits;
        n.gb_write.inputs = n.dram_read.inputs;
      }
      n.gb_write.outputs = M * N * b;
      // Per stream block and weight tile: max(block, R) cycles (the block streams through
      // while the next tile loads in the background, R cycles). Plus the first tile's load
      // (R) and the array's skew (R + C - 2).
      const double full = std::floor(N / plan.n), rest = N - full * plan.n;
      n.compute_cycles =
          TK * TM * (full * std::max(plan.n, R) + (rest > 0 ? std::max(rest, R) : 0.0)) + 2 * R +
          C - 2;
    } else {
      for (int in : l.inputs) {
        const Buffer& src = buffers[buffer_id(in)];
        n.gb_read.inputs += src.bits;
        if (!src.resident) {
          n.input_resident = false;
          n.input_dram_passes = 1;
          n.dram_read.inputs += src.bits;
          n.gb_write.inputs += src.bits;
        }
      }
      n.gb_write.outputs = dst.bits;
      // Attention's products of activations run on the PE array at its MAC price, as the
      // in-memory chip's attention unit does (chip.attention_mac, docs/transformers.md); the
      // KV cache is in DRAM on both sides.
      n.macs = l.activation_macs_per_sample() * batch;
      n.dram_read.inputs += l.kv_cache_reads_per_sample() * batch * b;
      n.dram_write.outputs += l.kv_cache_writes_per_sample() * batch * b;
      n.compute_cycles = ceil_div(n.ops + n.macs, R * C);
    }
    if (!dst.resident && dst.consumed) {  // spilled: drained to DRAM as it is produced
      n.gb_read.outputs += dst.bits;
      n.dram_write.outputs += dst.bits;
    } else if (dst.network_output) {  // logits: to DRAM, on the network line
      out.network.gb_read.outputs += dst.bits;
      out.network.dram_write.outputs += dst.bits;
    }
    out.layers.push_back(n);
  }

  // Time: compute, bounded below by the DRAM traffic at the DRAM bandwidth.
  auto seconds = [&](const DigitalLayerCounts& n) {
    const double compute = n.compute_cycles / c.clock_hz;
    const double dram =
        c.dram_bandwidth_bits_per_s > 0
            ? (n.dram_read.total() + n.dram_write.total()) / c.dram_bandwidth_bits_per_s
            : 0.0;
    return std::max(compute, dram);
  };
  out.network.seconds = seconds(out.network);
  for (DigitalLayerCounts& n : out.layers) n.seconds = seconds(n);
  return out;
}

namespace {

void add_line(SystemReport& r, const std::string& layer, const std::string& component,
              const CostModel& model, const std::string& action, double count) {
  if (count <= 0) return;
  r.actions.push_back({layer, component, action, count, model.cost(action).energy_j});
}

void add_lines(SystemReport& r, const DigitalLayerCounts& n, const DigitalBaseline& c) {
  const CostModel& ops_model = c.logic.present() ? *c.logic.model : *c.mac.model;
  const std::vector<std::string> ops_actions = ops_model.actions();
  const bool prices_compare =
      std::find(ops_actions.begin(), ops_actions.end(), "compare") != ops_actions.end();
  add_line(r, n.layer, "mac", *c.mac.model, kActionMac, n.macs);
  if (prices_compare) {
    add_line(r, n.layer, "logic", ops_model, kActionAdd, n.ops - n.compares);
    add_line(r, n.layer, "logic", ops_model, "compare", n.compares);
  } else {
    add_line(r, n.layer, "logic", ops_model, kActionAdd, n.ops);
  }
  add_line(r, n.layer, "register_file", *c.register_file.model, kActionReadBit, n.rf_read_bits);
  if (c.weight_buffer.present())
    add_line(r, n.layer, "weight_buffer", *c.weight_buffer.model, kActionReadBit, n.wb_read_bits);
  add_line(r, n.layer, "register_file", *c.register_file.model, kActionWriteBit, n.rf_write_bits);
  if (c.noc.present()) add_line(r, n.layer, "noc", *c.noc.model, kActionBitHop, n.noc_bit_hops);
  add_line(r, n.layer, "global_buffer", *c.global_buffer.model, kActionReadBit, n.gb_read.total());
  add_line(r, n.layer, "global_buffer", *c.global_buffer.model, kActionWriteBit,
           n.gb_write.total());
  add_line(r, n.layer, "dram", *c.dram.model, kActionReadBit, n.dram_read.total());
  add_line(r, n.layer, "dram", *c.dram.model, kActionWriteBit, n.dram_write.total());
}

}  // namespace

SystemReport estimate_digital(const Workload& w, const DigitalBaseline& c, double batch) {
  for (const DigitalComponent* comp : {&c.mac, &c.register_file, &c.global_buffer, &c.dram})
    if (!comp->present())
      throw ConfigError(c.file, "",
                        "digital baseline is missing a cost model (mac, "
                        "register_file, global_buffer and dram are required)");
  const DigitalCounts counts = count_digital(w, c, batch);
  SystemReport r;
  r.name = "digital";
  r.batch = batch;
  double total_weight_bits = 0;
  for (const LayerWork& l : w.layers)
    if (l.uses_crossbar())
      total_weight_bits += static_cast<double>(l.matrix_rows * l.matrix_cols) * c.precision_bits;
  if (counts.stored_weight_bits > 0) {
    // Loaded once before the first batch: DRAM -> weight store, at the DRAM's bandwidth.
    r.setup.push_back({"network", "dram", kActionReadBit, counts.stored_weight_bits,
                       c.dram.model->cost(kActionReadBit).energy_j});
    r.setup.push_back({"network", "weight_buffer", kActionWriteBit, counts.stored_weight_bits,
                       c.weight_buffer.model->cost(kActionWriteBit).energy_j});
    r.setup_time_s = c.dram_bandwidth_bits_per_s > 0
                         ? counts.stored_weight_bits / c.dram_bandwidth_bits_per_s
                         : 0.0;
  }
  const double stored_rel =
      total_weight_bits > 0 ? counts.stored_weight_bits / total_weight_bits : 0.0;
  if (!c.weight_buffer.present())
    r.weights_where = "in DRAM, streamed for every batch (no on-chip weight store)";
  else if (stored_rel >= 1.0)
    r.weights_where = "in the on-chip weight store, loaded once before the first batch";
  else
    r.weights_where = std::to_string(static_cast<int>(std::round(100 * stored_rel))) +
                      " % of the weight bits in the on-chip weight store (loaded once), the "
                      "rest streamed from DRAM for every batch";

  add_lines(r, counts.network, c);
  double latency = counts.network.seconds;
  if (counts.network.seconds > 0) r.layers.push_back({"network", counts.network.seconds / batch});
  for (const DigitalLayerCounts& n : counts.layers) {
    add_lines(r, n, c);
    r.layers.push_back({n.layer, n.seconds / batch});
    latency += n.seconds;
    r.macs += n.macs;
    if (n.psums_spilled)
      r.notes.push_back("layer '" + n.layer +
                        "': partial sums do not fit in the global buffer; they go to DRAM "
                        "and back between K-tiles");
    if (n.stream_blocks > 1)
      r.notes.push_back("layer '" + n.layer + "': input stream cut into " +
                        std::to_string(static_cast<long long>(n.stream_blocks)) + " blocks of " +
                        std::to_string(static_cast<long long>(n.stream_block)) +
                        " vectors; weights read from DRAM " +
                        (n.weights_resident
                             ? std::string("once")
                             : std::to_string(static_cast<long long>(n.stream_blocks)) + " times"));
    if (n.crossbar && n.input_dram_passes > 1)
      r.notes.push_back("layer '" + n.layer +
                        "': input does not fit in the global buffer; read from DRAM " +
                        std::to_string(static_cast<long long>(n.input_dram_passes)) +
                        " times (once per output-channel tile)");
  }
  r.latency_s = latency;
  r.throughput_per_s = latency > 0 ? batch / latency : 0.0;

  const double pes = static_cast<double>(c.pes());
  r.area.push_back({"mac", pes, c.mac.model->area_m2()});
  r.area.push_back({"register_file", pes, c.register_file.model->area_m2()});
  r.area.push_back({"global_buffer", 1, c.global_buffer.model->area_m2()});
  if (c.weight_buffer.present())
    r.area.push_back({"weight_buffer", 1, c.weight_buffer.model->area_m2()});
  if (c.noc.present()) r.area.push_back({"noc", pes, c.noc.model->area_m2()});
  // Peak power: every PE doing one MAC per cycle with its register-file traffic, every memory
  // at its card's rate. The chip is one "tile" here.
  auto chip_power = [&](const std::string& component, double watts) {
    r.peak_power.push_back({component, watts, watts});
  };
  const double mac_rate = pes * c.clock_hz;
  chip_power("mac", mac_rate * c.mac.model->cost(kActionMac).energy_j);
  chip_power("register_file", mac_rate * (3.0 * c.precision_bits + 2.0 * c.accumulator_bits) *
                                  c.register_file.model->cost(kActionReadBit).energy_j);
  chip_power("global_buffer", c.global_buffer.model->peak_power_w());
  if (c.weight_buffer.present()) chip_power("weight_buffer", c.weight_buffer.model->peak_power_w());
  // Each MAC forwards its activation and its partial sum one hop (docs#loop-nest).
  if (c.noc.present())
    chip_power("noc", mac_rate * (c.precision_bits + c.accumulator_bits) *
                          c.noc.model->cost(kActionBitHop).energy_j);
  r.notes.push_back("DRAM is off chip: not in the area");
  if (c.dram_bandwidth_bits_per_s <= 0)
    r.notes.push_back("DRAM bandwidth unbounded: latency is the PE array's compute time");
  return r;
}

}  // namespace xbarsim
