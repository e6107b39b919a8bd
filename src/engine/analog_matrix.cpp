#include "xbarsim/engine/analog_matrix.hpp"

#include <algorithm>
#include <cmath>

#include "xbarsim/circuit/crossbar_circuit.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/gaussian.hpp"
#include "xbarsim/core/parallel.hpp"

namespace xbarsim {

namespace {

// Digit c (v bits wide) of non-negative integer codes.
Matrix digit(const Matrix& codes, int v, int c) {
  const float divisor = std::ldexp(1.0f, v * c);
  const float modulus = std::ldexp(1.0f, v);
  return (codes.array() / divisor)
      .floor()
      .unaryExpr([modulus](float x) { return x - modulus * std::floor(x / modulus); })
      .matrix();
}

}  // namespace

AnalogMatrix::AnalogMatrix(const Matrix& weights, std::shared_ptr<const TileModels> models,
                           StreamKey key, std::string label, int threads)
    : models_(std::move(models)), key_(key), label_(std::move(label)), threads_(threads) {
  const TileConfig& tile = models_->config;
  const DeviceModel& device = *models_->device;
  plan_ = plan_mapping(weights.rows(), weights.cols(), tile, device.levels());
  if (!weights.allFinite()) throw ShapeError(label_ + ": weights contain NaN or infinity");
  const MappingConfig& m = tile.mapping;
  dac_bits_ = models_->dac->bits_per_cycle();
  cycles_ = xbarsim::input_cycles(m.input_bits, dac_bits_);
  if (dac_bits_ > 0) input_levels_ = std::ldexp(1.0, m.input_bits) - 1.0;
  const bool differential = m.signed_weights == SignedWeights::kDifferential;
  if (m.bipolar_inputs && models_->adc->bits() == 1)
    throw ConfigError(tile.source, "tile.mapping.signed_inputs",
                      "bipolar row drivers produce signed currents and need a bipolar ADC of "
                      "at least 2 bits");
  if (differential && models_->adc->bits() == 1)
    throw ConfigError(tile.source, "tile.adc.bits",
                      "a differential mapping produces signed currents and needs a bipolar ADC "
                      "of at least 2 bits");
  const double g_span = device.g_max_siemens() - device.g_min_siemens();
  const double cell_codes =
      m.weight_encoding == WeightEncoding::kSliced ? std::ldexp(1.0, m.bits_per_cell) - 1 : 1;
  code_conductance_ = g_span / cell_codes;

  const WeightCodes codes = encode_weights(weights, m);
  weight_scale_ = codes.scale;
  weight_offset_ = codes.offset;
  program(codes);
  set_fixed_full_scale();
  const Adc& adc = *models_->adc;
  if (adc.bits() > 0 && adc.has_static_errors()) {
    // Each array's converters are fabricated once: their errors belong to the trial (chip).
    adc_errors_.resize(plan_.arrays());
    for (Index rb = 0; rb < plan_.row_blocks; ++rb)
      for (Index cb = 0; cb < plan_.col_blocks; ++cb)
        for (int s = 0; s < plan_.slices; ++s) {
          const Index id = plan_.array_id(rb, cb, s);
          Rng rng = make_rng(key_.seed, StreamPurpose::kAdcStatic,
                             {key_.layer, key_.trial, static_cast<std::uint64_t>(id)});
          adc_errors_[static_cast<std::size_t>(id)] =
              adc.draw_static_errors(plan_.outputs_in_block(cb), differential, rng);
        }
  }
}

void AnalogMatrix::program(const WeightCodes& codes) {
  const TileConfig& tile = models_->config;
  const DeviceModel& device = *models_->device;
  const bool differential = plan_.columns_per_output == 2;
  const bool sliced = tile.mapping.weight_encoding == WeightEncoding::kSliced;
  const float g_min = static_cast<float>(device.g_min_siemens());
  const float dg = static_cast<float>(code_conductance_);
  const Index refs = plan_.reference_column ? plan_.col_blocks * plan_.slices : 0;

  blocks_.resize(plan_.row_blocks);
  for (Index rb = 0; rb < plan_.row_blocks; ++rb) {
    blocks_[rb].conductance.setZero(data_rows() + refs, plan_.rows_in_block(rb));
    blocks_[rb].variance.setZero(data_rows() + refs, plan_.rows_in_block(rb));
    blocks_[rb].row_conductance.setZero(plan_.rows_in_block(rb));
  }
  std::vector<Vector> array_row_sums(plan_.arrays());
  std::vector<Matrix> digits_pos(plan_.slices), digits_neg(plan_.slices);
  for (int s = 0; s < plan_.slices; ++s) {
    digits_pos[s] = sliced ? slice_digits(codes.magnitude_pos, tile.mapping.bits_per_cell, s)
                           : codes.magnitude_pos;
    if (differential)
      digits_neg[s] = sliced ? slice_digits(codes.magnitude_neg, tile.mapping.bits_per_cell, s)
                             : codes.magnitude_neg;
  }
  std::vector<char> any_noise(plan_.arrays(), 0);
  const bool ir_drop = tile.wires.ir_drop != IrDrop::kNone;
  if (ir_drop && !device.resistive_read())
    throw ConfigError(
        tile.source, "tile.wires.ir_drop",
        "the IR-drop solve needs resistive cells; " + device.name() + " is a charge-domain cell");
  const bool nonlinear = device.iv_nonlinear();
  if (nonlinear && tile.wires.ir_drop == IrDrop::kFirstOrder)
    throw ConfigError(tile.source, "tile.wires.ir_drop",
                      "first_order is derived for linear cells; with a nonlinear cell I-V "
                      "(tile.device.iv_quadratic_rel, iv_cubic_rel) use exact or none");
  const bool iterated = nonlinear && ir_drop;
  if (iterated) nonlinear_arrays_.assign(plan_.arrays(), nullptr);
  if (nonlinear && !ir_drop)
    for (RowBlock& block : blocks_) {
      block.quadratic.setZero(block.conductance.rows(), block.conductance.cols());
      block.cubic.setZero(block.conductance.rows(), block.conductance.cols());
      block.row_quadratic.setZero(block.conductance.cols());
      block.row_cubic.setZero(block.conductance.cols());
    }
  std::vector<Vector> array_row_quadratic(nonlinear ? plan_.arrays() : 0),
      array_row_cubic(nonlinear ? plan_.arrays() : 0);
  std::vector<Matrix> array_power(ir_drop && !iterated ? plan_.arrays() : 0);
  // Arrays are independent: each has its own streams and writes disjoint rows/blocks.
  parallel_for(plan_.arrays(), threads_, [&](std::int64_t a) {
    const int s = static_cast<int>(a % plan_.slices);
    const Index cb = (a / plan_.slices) % plan_.col_blocks;
    const Index rb = a / (plan_.slices * plan_.col_blocks);
    const Index r0 = rb * plan_.array_rows, nr = plan_.rows_in_block(rb);
    const Index o0 = cb * plan_.outputs_per_array, no = plan_.outputs_in_block(cb);
    const Index ncols = plan_.physical_cols_in_block(cb);
    // Physical layout of the array: output j occupies columns (2j, 2j+1) as (W+, W-) for a
    // differential pair, or column j for offset encoding, then the reference column.
    Matrix g(nr, ncols);
    for (Index j = 0; j < no; ++j) {
      const Index col = j * plan_.columns_per_output;
      g.col(col) =
          (digits_pos[s].row(o0 + j).segment(r0, nr).transpose().array() * dg + g_min).matrix();
      if (differential)
        g.col(col + 1) =
            (digits_neg[s].row(o0 + j).segment(r0, nr).transpose().array() * dg + g_min).matrix();
    }
    if (plan_.reference_column) g.col(ncols - 1).setConstant(g_min);
    const auto id = static_cast<std::uint64_t>(plan_.array_id(rb, cb, s));
    Rng variation = make_rng(key_.seed, StreamPurpose::kProgramming, {key_.layer, key_.trial, id});
    Rng faults = make_rng(key_.seed, StreamPurpose::kFaults, {key_.layer, key_.trial, id});
    device.program(g, ProgrammingStreams{variation, faults});
    array_row_sums[a] = g.rowwise().sum();
    Matrix sigma(nr, ncols);
    device.read_noise_std(g, sigma);
    const Matrix var = sigma.array().square().matrix();
    any_noise[a] = var.maxCoeff() > 0;
    Matrix a2, a3;
    if (nonlinear) {
      device.iv_coefficients(g, a2, a3);
      check_iv_monotonic(g, a2, a3);
      array_row_quadratic[a] = a2.rowwise().sum();
      array_row_cubic[a] = a3.rowwise().sum();
    }
    // Column current per unit row voltage: G^T with ideal wires, the solved network's
    // transfer matrix with IR drop (docs/circuits.md#ir-drop). Nonlinear cells with IR drop
    // have none: each read is solved by the array's NonlinearCrossbar.
    Matrix transfer;
    if (iterated) {
      nonlinear_arrays_[static_cast<std::size_t>(a)] = std::make_shared<const NonlinearCrossbar>(
          g, a2, a3, plan_.array_rows, tile.wires, tile.source);
      transfer.setZero(ncols, nr);
    } else if (ir_drop) {
      const CrossbarTransfer circuit = tile.wires.ir_drop == IrDrop::kExact
                                           ? solve_crossbar(g, plan_.array_rows, tile.wires)
                                           : first_order_crossbar(g, plan_.array_rows, tile.wires);
      transfer = circuit.transfer.cast<float>();
      array_power[a] = circuit.cell_power.cast<float>();
    } else {
      transfer = g.transpose();
    }
    RowBlock& block = blocks_[rb];
    for (Index j = 0; j < no; ++j) {
      const Index row = s * plan_.outputs + o0 + j;
      const Index col = j * plan_.columns_per_output;
      if (differential) {
        // I+ - I- = (T+ - T-) V exactly, so the pair is one effective row; the two cells'
        // read noises are independent, so their variances add.
        block.conductance.row(row) = transfer.row(col) - transfer.row(col + 1);
        block.variance.row(row) = (var.col(col) + var.col(col + 1)).transpose();
      } else {
        block.conductance.row(row) = transfer.row(col);
        block.variance.row(row) = var.col(col).transpose();
      }
    }
    if (plan_.reference_column) {
      const Index row = data_rows() + s * plan_.col_blocks + cb;
      block.conductance.row(row) = transfer.row(ncols - 1);
      block.variance.row(row) = var.col(ncols - 1).transpose();
    }
    if (nonlinear && !ir_drop) {
      // With ideal wires every cell of row i sees V_i: the pair's nonlinear terms subtract
      // like its conductances.
      auto place = [&](Index row, Index col, bool pair) {
        block.quadratic.row(row) = a2.col(col).transpose();
        block.cubic.row(row) = a3.col(col).transpose();
        if (pair) {
          block.quadratic.row(row) -= a2.col(col + 1).transpose();
          block.cubic.row(row) -= a3.col(col + 1).transpose();
        }
      };
      for (Index j = 0; j < no; ++j)
        place(s * plan_.outputs + o0 + j, j * plan_.columns_per_output, differential);
      if (plan_.reference_column) place(data_rows() + s * plan_.col_blocks + cb, ncols - 1, false);
    }
  });
  noisy_ = std::any_of(any_noise.begin(), any_noise.end(), [](char c) { return c != 0; });
  cycle_correlation_ = device.read_noise_cycle_correlation();
  // Summed in array order after the parallel loop, so the total is thread-count independent.
  for (Index a = 0; a < plan_.arrays(); ++a) {
    RowBlock& block = blocks_[a / (plan_.slices * plan_.col_blocks)];
    block.row_conductance += array_row_sums[a];
    if (nonlinear && !ir_drop) {
      block.row_quadratic += array_row_quadratic[a];
      block.row_cubic += array_row_cubic[a];
    }
  }
  for (Index a = 0; a < static_cast<Index>(array_power.size()); ++a) {
    Matrix& power = blocks_[a / (plan_.slices * plan_.col_blocks)].cell_power;
    if (power.size() == 0)
      power = array_power[a];
    else
      power += array_power[a];
  }
}

void AnalogMatrix::check_iv_monotonic(const Matrix& g, const Matrix& a2, const Matrix& a3) const {
  // dI/dV = G + 2 a2 V + 3 a3 V^2 must stay > 0 over the drives the DAC can apply: a falling
  // I-V is a negative differential resistance, outside the model (and the solve needs a
  // positive-definite network). The extremes of a quadratic lie at the ends or its vertex.
  const double v_max = models_->dac->read_voltage_v();
  const double v_min = models_->config.mapping.bipolar_inputs ? -v_max : 0.0;
  for (Index k = 0; k < g.size(); ++k) {
    const double g0 = g(k), q = a2(k), c = a3(k);
    if (!(g0 > 0)) continue;
    auto slope = [&](double v) { return g0 + 2 * q * v + 3 * c * v * v; };
    double worst_v = v_min;
    for (double v : {v_max, c != 0 ? -q / (3 * c) : v_min})
      if (v >= v_min && v <= v_max && slope(v) < slope(worst_v)) worst_v = v;
    if (!(slope(worst_v) > 0))
      throw ConfigError(models_->config.source, "tile.device.iv_quadratic_rel",
                        "the cell I-V must rise with V over the drive range [" +
                            std::to_string(v_min) + ", " + std::to_string(v_max) +
                            "] V; at G0 = " + std::to_string(g0) + " S its slope dI/dV is " +
                            std::to_string(slope(worst_v)) + " S at " + std::to_string(worst_v) +
                            " V (check iv_quadratic_rel and "
                            "iv_cubic_rel against iv_reference_voltage_v)");
  }
}

void AnalogMatrix::ideal_currents(Index rb, const Matrix& volts, Workspace& ws) const {
  const RowBlock& block = blocks_[rb];
  Matrix& currents = ws.currents;
  if (nonlinear_arrays_.empty()) {
    currents.noalias() = block.conductance * volts;
    if (block.quadratic.size()) {
      ws.power = volts.array().square().matrix();  // scratch: V^2, then V^3
      currents.noalias() += block.quadratic * ws.power;
      ws.power.array() *= volts.array();
      currents.noalias() += block.cubic * ws.power;
    }
    return;
  }
  // Nonlinear cells in a resistive network: each array's reads are solved; its physical
  // columns then map onto the data rows as for the transfer matrix.
  currents.setZero(block.conductance.rows(), volts.cols());
  const Eigen::MatrixXd drive = volts.cast<double>();
  double power_w = 0;
  for (int s = 0; s < plan_.slices; ++s)
    for (Index cb = 0; cb < plan_.col_blocks; ++cb) {
      const NonlinearCrossbar& array =
          *nonlinear_arrays_[static_cast<std::size_t>(plan_.array_id(rb, cb, s))];
      const Matrix column = array.currents(drive, &power_w).cast<float>();
      const Index o0 = cb * plan_.outputs_per_array, cpo = plan_.columns_per_output;
      for (Index j = 0; j < plan_.outputs_in_block(cb); ++j) {
        auto row = currents.row(s * plan_.outputs + o0 + j);
        row = column.row(j * cpo);
        if (cpo == 2) row -= column.row(j * cpo + 1);
      }
      if (plan_.reference_column)
        currents.row(data_rows() + s * plan_.col_blocks + cb) = column.row(column.rows() - 1);
    }
  ws.read_energy_j += models_->device->read_pulse_s() * power_w;
}

double AnalogMatrix::array_max_current_a() const {
  const DeviceModel& device = *models_->device;
  return static_cast<double>(plan_.array_rows) * models_->dac->read_voltage_v() *
         (device.g_max_siemens() - device.g_min_siemens());
}

void AnalogMatrix::set_full_scale_rel(double fraction) {
  if (!(fraction > 0))
    throw Error(label_ + ": ADC full scale of " + std::to_string(fraction) +
                " x the array's largest current; expected > 0");
  const auto full = static_cast<float>(fraction * array_max_current_a());
  for (Vector& fs : full_scale_) fs.setConstant(full);
}

double AnalogMatrix::largest_full_scale_a() const {
  double out = 0;
  for (const Vector& fs : full_scale_)
    if (fs.size() > 0) out = std::max(out, static_cast<double>(fs.maxCoeff()));
  return out;
}

double AnalogMatrix::programmed_cells() const {
  double cols = 0;
  for (Index cb = 0; cb < plan_.col_blocks; ++cb)
    cols += static_cast<double>(plan_.physical_cols_in_block(cb));
  return cols * static_cast<double>(plan_.inputs) * plan_.slices;
}

void AnalogMatrix::set_fixed_full_scale() {
  // Full scale: every row of the array at the largest drive and the largest conductance
  // difference. Uses the physical row count: the ADC is designed for the array, not the layer.
  // An absolute range is the card's current, or its count of cells at G_max V_read.
  const DeviceModel& device = *models_->device;
  const double v_read = models_->dac->read_voltage_v();
  const double full = models_->adc->range_mode() == AdcRangeMode::kAbsolute
                          ? models_->adc->absolute_full_scale_a(device.g_max_siemens() * v_read)
                          : array_max_current_a();
  full_scale_.assign(plan_.row_blocks, Vector::Constant(data_rows(), static_cast<float>(full)));
}

void AnalogMatrix::drive_voltages(const Matrix& codes_pos, const Matrix* codes_neg, Index rb,
                                  Matrix& volts) const {
  const Index r0 = rb * plan_.array_rows, nr = plan_.rows_in_block(rb);
  const Index bc = codes_pos.cols();
  const int phases = codes_neg ? 2 : 1;
  volts.resize(nr, phases * cycles_ * bc);
  const float step = static_cast<float>(models_->dac->voltage_step_v());
  const std::vector<double>& inl = models_->dac->inl_lsb();
  // A DAC with INL drives digit d at (d + inl[d]) steps: a table lookup per digit.
  // Takes the digits by value (a temporary, moved in) so the ideal DAC costs no copy.
  auto levels = [&inl](Matrix digits) -> Matrix {
    if (!inl.empty())
      digits = digits.unaryExpr(
          [&inl](float d) { return d + static_cast<float>(inl[static_cast<std::size_t>(d)]); });
    return digits;
  };
  for (int ph = 0; ph < phases; ++ph) {
    const Matrix& codes = ph == 0 ? codes_pos : *codes_neg;
    const auto rows = codes.middleRows(r0, nr);
    for (int c = 0; c < cycles_; ++c) {
      auto block = volts.middleCols((ph * cycles_ + c) * bc, bc);
      if (dac_bits_ == 0)
        block = rows * step;
      else if (models_->config.mapping.bipolar_inputs)
        // Bipolar drivers: each digit of the magnitude, driven with the input's sign.
        block =
            (levels(digit(rows.cwiseAbs(), dac_bits_, c)).array() * rows.array().sign()).matrix() *
            step;
      else
        block = levels(digit(rows, dac_bits_, c)) * step;
    }
  }
}

void AnalogMatrix::column_currents(Index rb, const Matrix& volts, std::uint64_t read, Index chunk,
                                   Index chunk_size, const std::vector<Index>* read_of,
                                   Workspace& ws) const {
  const RowBlock& block = blocks_[rb];
  Matrix& currents = ws.currents;
  ideal_currents(rb, volts, ws);
  if (noisy_) {
    // Output-referred read noise with the exact variance sum_i V_i^2 sigma_i^2: one extra GEMM
    // instead of perturbing every cell for every read.
    ws.squared_volts = volts.array().square().matrix();
    ws.noise_std.noalias() = block.variance * ws.squared_volts;
    ws.noise_std = ws.noise_std.array().sqrt().matrix();
    const Index cols = currents.cols();
    const double rho = cycle_correlation_;
    const auto own = static_cast<float>(std::sqrt(1.0 - rho));
    const auto common = static_cast<float>(std::sqrt(rho));
    // Each array draws from its own stream: deviates in column-major order over its block.
    // With rho > 0 each read's standard deviate is sqrt(1 - rho) z_own + sqrt(rho) z_shared,
    // z_shared one per column, sample and input phase, common to the cycles of that phase: so
    // corr = rho between the cycles of one MVM and the marginal variance is unchanged. The two
    // phases drive disjoint rows, so even frozen cell noise is independent between them.
    const Index shared_cols = ws.volts.cols() / cycles_;  // phases x samples
    auto add_noise = [&](Rng& rng, Rng* shared_rng, Index r0, Index n) {
      ws.deviates.resize(n, cols);
      fill_standard_normal(ws.deviates.data(), ws.deviates.size(), rng);
      if (shared_rng) {
        ws.shared.resize(n, shared_cols);
        fill_standard_normal(ws.shared.data(), ws.shared.size(), *shared_rng);
        ws.deviates *= own;
        if (!read_of) {  // every read of the chunk: whole (phase, cycle) blocks at once
          for (Index block = 0; block * chunk_size < cols; ++block) {
            const Index phase = block / cycles_;
            ws.deviates.middleCols(block * chunk_size, chunk_size) +=
                common * ws.shared.middleCols(phase * chunk_size, chunk_size);
          }
        } else {
          for (Index j = 0; j < cols; ++j) {
            const Index read_col = (*read_of)[static_cast<std::size_t>(j)];
            const Index phase = read_col / (cycles_ * chunk_size);
            ws.deviates.col(j) +=
                common * ws.shared.col(phase * chunk_size + read_col % chunk_size);
          }
        }
      }
      currents.middleRows(r0, n).array() +=
          ws.noise_std.middleRows(r0, n).array() * ws.deviates.array();
    };
    for (int s = 0; s < plan_.slices; ++s) {
      for (Index cb = 0; cb < plan_.col_blocks; ++cb) {
        const Index id = plan_.array_id(rb, cb, s);
        const std::initializer_list<std::uint64_t> path = {key_.layer, key_.trial,
                                                           static_cast<std::uint64_t>(id), read,
                                                           static_cast<std::uint64_t>(chunk)};
        Rng rng = make_rng(key_.seed, StreamPurpose::kReadNoise, path);
        // The shared part has its own stream, so rho = 0 draws exactly what it always did.
        Rng shared = make_rng(key_.seed, StreamPurpose::kReadNoiseShared, path);
        Rng* shared_rng = rho > 0 ? &shared : nullptr;
        add_noise(rng, shared_rng, s * plan_.outputs + cb * plan_.outputs_per_array,
                  plan_.outputs_in_block(cb));
        if (plan_.reference_column)
          add_noise(rng, shared_rng, data_rows() + s * plan_.col_blocks + cb, 1);
      }
    }
  }
  if (plan_.reference_column) {
    // The reference column's current (G_min on every row) is subtracted from each column of
    // its array before the ADC, removing the conductance floor.
    for (int s = 0; s < plan_.slices; ++s)
      for (Index cb = 0; cb < plan_.col_blocks; ++cb) {
        const Index r0 = s * plan_.outputs + cb * plan_.outputs_per_array;
        const Index ref = data_rows() + s * plan_.col_blocks + cb;
        currents.middleRows(r0, plan_.outputs_in_block(cb)).rowwise() -= currents.row(ref);
      }
  }
}

namespace {
struct InputCodes {
  Matrix pos;            // in x B, >= 0
  Matrix neg;            // in x B, >= 0; empty when no input is negative
  RowVector signed_sum;  // per sample: sum_i (pos - neg), for the offset correction
};

InputCodes encode_inputs(const MatrixView& x, double range, double levels, bool continuous,
                         bool bipolar) {
  InputCodes c;
  const float scale = static_cast<float>(levels / range);
  auto code = [&](const Matrix& magnitude) -> Matrix {
    // The continuous driver is ideal: it has no top code, so nothing clips.
    if (continuous) return magnitude * scale;
    // Magnitudes are non-negative, so floor(v + 1/2) rounds to nearest (and vectorises,
    // unlike std::round).
    return (magnitude.array() * scale + 0.5f).floor().min(static_cast<float>(levels)).matrix();
  };
  c.pos = code(x.cwiseMax(0.0f));
  if (x.minCoeff() < 0) c.neg = code((-x).cwiseMax(0.0f));
  if (bipolar && c.neg.size()) {
    // One signed drive: the same rounded magnitudes, with their signs, in one phase.
    c.pos -= c.neg;
    c.neg.resize(0, 0);
  }
  c.signed_sum = c.pos.colwise().sum();
  if (c.neg.size()) c.signed_sum -= c.neg.colwise().sum();
  return c;
}
}  // namespace

void AnalogMatrix::read_block(Index rb, const Matrix& pos, const Matrix* neg, std::uint64_t read,
                              Index chunk, Workspace& ws) const {
  drive_voltages(pos, neg, rb, ws.volts);
  const Index cols = ws.volts.cols();
  // A read with every word line at 0 V gives exactly zero current and zero read noise
  // (sigma_I^2 = sum V^2 sigma^2 = 0), so only reads with some drive are simulated; the
  // hardware still performs them all, and the action counts include them.
  ws.active.clear();
  for (Index j = 0; j < cols; ++j)
    if (ws.volts.col(j).any()) ws.active.push_back(j);
  ws.readout.setZero(data_rows(), cols);
  const RowBlock& block = blocks_[rb];
  const double t_read = models_->device->read_pulse_s();
  if (!nonlinear_arrays_.empty()) {
    // Nonlinear cells with IR drop: the energy comes with each solve (ideal_currents).
  } else if (block.cell_power.size()) {
    // With IR drop the cells see less than the row voltage: power V^T Q V from the solve.
    ws.power.noalias() = block.cell_power * ws.volts;
    ws.read_energy_j += t_read * static_cast<double>((ws.power.array() * ws.volts.array()).sum());
  } else {
    // Every physical cell on row i dissipates V_i I(V_i) t_read = (G V_i^2 + a2 V_i^3 +
    // a3 V_i^4) t_read: sum over the row's cells first.
    const auto v2 = ws.volts.array().square();
    ws.read_energy_j +=
        t_read * static_cast<double>(block.row_conductance.dot(v2.rowwise().sum().matrix()));
    if (block.row_quadratic.size())
      ws.read_energy_j +=
          t_read * static_cast<double>(
                       block.row_quadratic.dot((v2 * ws.volts.array()).rowwise().sum().matrix()) +
                       block.row_cubic.dot(v2.square().rowwise().sum().matrix()));
  }
  if (ws.active.empty()) return;
  const Index n = static_cast<Index>(ws.active.size());
  const Index chunk_size = pos.cols();
  if (n == cols) {
    column_currents(rb, ws.volts, read, chunk, chunk_size, nullptr, ws);
    ws.readout = ws.currents.topRows(data_rows());
    return;
  }
  ws.active_volts.resize(ws.volts.rows(), n);
  for (Index j = 0; j < n; ++j) ws.active_volts.col(j) = ws.volts.col(ws.active[j]);
  column_currents(rb, ws.active_volts, read, chunk, chunk_size, &ws.active, ws);
  for (Index j = 0; j < n; ++j) ws.readout.col(ws.active[j]) = ws.currents.col(j).head(data_rows());
}

void AnalogMatrix::calibrate(const MatrixView& inputs, double input_range) {
  const Adc& adc = *models_->adc;
  if (adc.bits() == 0 || adc.range_mode() != AdcRangeMode::kCalibrated) return;
  if (inputs.rows() != plan_.inputs)
    throw ShapeError(label_ + ": calibration batch has " + std::to_string(inputs.rows()) +
                     " rows, expected " + std::to_string(plan_.inputs));
  const InputCodes codes = encode_inputs(inputs, input_range, input_levels_, dac_bits_ == 0,
                                         models_->config.mapping.bipolar_inputs);
  const std::uint64_t read = reads_++;
  const Index batch = inputs.cols();
  const Index chunks = (batch + kBatchChunk - 1) / kBatchChunk;
  const double q = adc.calibration_quantile();
  const bool per_column = adc.calibration() == AdcCalibration::kPerColumn;
  const int phases = codes.neg.size() ? 2 : 1;
  const Index reads_per_vector = phases * cycles_;
  const Index total = reads_per_vector * batch;
  // Statistics are streamed per chunk: the exact maximum, and for quantiles below 1 a
  // deterministic strided subsample of at most kQuantileSamples reads per column.
  constexpr Index kQuantileSamples = 8192;
  const Index stride =
      q >= 1.0 ? total : std::max<Index>(1, (total + kQuantileSamples - 1) / kQuantileSamples);
  const Index samples = (total + stride - 1) / stride;
  for (Index rb = 0; rb < plan_.row_blocks; ++rb) {
    Matrix chunk_max(data_rows(), chunks);
    Matrix sampled(q >= 1.0 ? 0 : data_rows(), q >= 1.0 ? 0 : samples);
    parallel_for(chunks, threads_, [&](std::int64_t k) {
      const Index b0 = k * kBatchChunk, bc = std::min(kBatchChunk, batch - b0);
      const Matrix pos = codes.pos.middleCols(b0, bc);
      const Matrix neg = codes.neg.size() ? Matrix(codes.neg.middleCols(b0, bc)) : Matrix();
      thread_local Workspace ws;
      read_block(rb, pos, neg.size() ? &neg : nullptr, read, k, ws);
      chunk_max.col(k) = ws.readout.cwiseAbs().rowwise().maxCoeff();
      if (q >= 1.0) return;
      const Index first = reads_per_vector * b0;
      for (Index g = (first + stride - 1) / stride * stride; g < first + ws.readout.cols();
           g += stride)
        sampled.col(g / stride) = ws.readout.col(g - first).cwiseAbs();
    });
    Vector& fs = full_scale_[rb];
    auto quantile = [q](std::vector<float>& v) {
      if (v.empty()) return 0.0f;
      const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
      return v[k];
    };
    for (int s = 0; s < plan_.slices; ++s)
      for (Index cb = 0; cb < plan_.col_blocks; ++cb) {
        const Index r0 = s * plan_.outputs + cb * plan_.outputs_per_array;
        const Index n = plan_.outputs_in_block(cb);
        if (q >= 1.0) {
          const Vector row_max = chunk_max.middleRows(r0, n).rowwise().maxCoeff();
          if (per_column)
            fs.segment(r0, n) = row_max;
          else
            fs.segment(r0, n).setConstant(row_max.maxCoeff());
        } else if (per_column) {
          for (Index r = r0; r < r0 + n; ++r) {
            std::vector<float> v(sampled.row(r).begin(), sampled.row(r).end());
            fs(r) = quantile(v);
          }
        } else {
          const Matrix rows = sampled.middleRows(r0, n);
          std::vector<float> v(rows.data(), rows.data() + rows.size());
          fs.segment(r0, n).setConstant(quantile(v));
        }
      }
  }
}

Matrix AnalogMatrix::multiply(const MatrixView& inputs, double input_range, ActionCounts* counts) {
  if (inputs.rows() != plan_.inputs)
    throw ShapeError(label_ + ": input batch has " + std::to_string(inputs.rows()) +
                     " rows, expected " + std::to_string(plan_.inputs) + " (the weight columns)");
  if (!(input_range > 0) || !std::isfinite(input_range))
    throw ShapeError(label_ + ": input range must be positive and finite");
  const Adc& adc = *models_->adc;
  const InputCodes codes = encode_inputs(inputs, input_range, input_levels_, dac_bits_ == 0,
                                         models_->config.mapping.bipolar_inputs);
  const bool signed_inputs = codes.neg.size() != 0;
  const int phases = signed_inputs ? 2 : 1;
  const std::uint64_t read = reads_++;
  const Index batch = inputs.cols();
  const Index chunks = (batch + kBatchChunk - 1) / kBatchChunk;
  // Signed currents: from a differential pair, or from bipolar row drivers.
  const bool bipolar = plan_.columns_per_output == 2 || models_->config.mapping.bipolar_inputs;
  const int b = models_->config.mapping.bits_per_cell;
  const bool sliced = models_->config.mapping.weight_encoding == WeightEncoding::kSliced;
  const double volt_step = models_->dac->voltage_step_v();
  const double to_codes = 1.0 / (code_conductance_ * volt_step);
  const double input_step = input_range / input_levels_;
  Matrix out(plan_.outputs, batch);
  std::vector<double> chunk_energy(static_cast<std::size_t>(chunks), 0.0);

  parallel_for(chunks, threads_, [&](std::int64_t k) {
    const Index b0 = k * kBatchChunk, bc = std::min(kBatchChunk, batch - b0);
    const Matrix pos = codes.pos.middleCols(b0, bc);
    const Matrix neg = signed_inputs ? Matrix(codes.neg.middleCols(b0, bc)) : Matrix();
    thread_local Workspace ws;
    ws.read_energy_j = 0;
    Matrix& acc = ws.accumulator;
    acc.setZero(plan_.outputs, bc);
    Matrix& currents = ws.readout;
    const bool adc_noise = adc.input_noise_lsb() > 0;
    for (Index rb = 0; rb < plan_.row_blocks; ++rb) {
      read_block(rb, pos, signed_inputs ? &neg : nullptr, read, k, ws);
      if (adc.bits() > 0) {
        for (int s = 0; s < plan_.slices; ++s)
          for (Index cb = 0; cb < plan_.col_blocks; ++cb) {
            const Index r0 = s * plan_.outputs + cb * plan_.outputs_per_array;
            const Index n = plan_.outputs_in_block(cb);
            const Vector full_scale = full_scale_[rb].segment(r0, n);
            const AdcStaticErrors* errors =
                adc_errors_.empty()
                    ? nullptr
                    : &adc_errors_[static_cast<std::size_t>(plan_.array_id(rb, cb, s))];
            if (!adc_noise) {
              adc.convert(currents.middleRows(r0, n), full_scale, bipolar, nullptr, errors);
              continue;
            }
            Rng noise = make_rng(
                key_.seed, StreamPurpose::kAdcNoise,
                {key_.layer, key_.trial, static_cast<std::uint64_t>(plan_.array_id(rb, cb, s)),
                 read, static_cast<std::uint64_t>(k)});
            adc.convert(currents.middleRows(r0, n), full_scale, bipolar, &noise, errors);
          }
      }
      // Shift-and-add: slice s weighs 2^(b s), input cycle c weighs 2^(v c), the negative
      // input phase is subtracted.
      for (int s = 0; s < plan_.slices; ++s)
        for (int ph = 0; ph < phases; ++ph)
          for (int c = 0; c < cycles_; ++c) {
            const double weight = (sliced ? std::ldexp(1.0, b * s) : 1.0) *
                                  (dac_bits_ > 0 ? std::ldexp(1.0, dac_bits_ * c) : 1.0) *
                                  (ph == 0 ? 1.0 : -1.0) * to_codes;
            acc.noalias() +=
                static_cast<float>(weight) *
                currents.block(s * plan_.outputs, (ph * cycles_ + c) * bc, plan_.outputs, bc);
          }
    }
    if (weight_offset_ != 0.0)
      acc.rowwise() -= static_cast<float>(weight_offset_) * codes.signed_sum.segment(b0, bc);
    out.middleCols(b0, bc) = acc * static_cast<float>(weight_scale_ * input_step);
    chunk_energy[static_cast<std::size_t>(k)] = ws.read_energy_j;
  });
  if (counts) {
    ActionCounts c = counts_for(batch, signed_inputs);
    if (models_->device->resistive_read())
      for (double e : chunk_energy) c.cell_read_energy_j += e;
    *counts += c;
  }
  return out;
}

ActionCounts AnalogMatrix::counts_for(Index batch, bool signed_inputs) const {
  return as_action_counts(
      crossbar_counts(plan_, cycles_, signed_inputs, static_cast<double>(batch)));
}

}  // namespace xbarsim
