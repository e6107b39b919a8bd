// `xbarsim mvm`: one matrix on the crossbar against the float product.
#include "mvm_command.hpp"

#include <spdlog/spdlog.h>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>

#include "common.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/core/parallel_gemm.hpp"
#include "xbarsim/core/random.hpp"
#include "xbarsim/engine/analog_matrix.hpp"
#include "xbarsim/io/hdf5_matrix.hpp"
#include "xbarsim/io/json.hpp"

namespace xbarsim::app {

CLI::App* add_mvm_command(CLI::App& app, MvmOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "mvm",
      "Program a matrix on the crossbar tiles of ARCH, run a batch, compare with the float "
      "product");
  cmd->add_option("arch", o.arch,
                  "Architecture YAML file, or the name of a shipped one "
                  "(ideal, reram, sram)")
      ->required();
  cmd->add_option("--rows", o.rows, "Matrix rows = crossbar rows used = input length")
      ->check(integer_at_least(1))
      ->each([&o](const std::string&) { o.rows_given = true; });
  cmd->add_option("--cols", o.cols, "Matrix columns = outputs")
      ->check(integer_at_least(1))
      ->each([&o](const std::string&) { o.cols_given = true; });
  cmd->add_option("--batch", o.batch, "Input vectors per run")->check(integer_at_least(1));
  cmd->add_option("--seed", o.seed, "Master seed")->check(seed_value());
  cmd->add_option("--threads", o.threads, "Worker threads (0 = all cores)")
      ->check(integer_at_least(0));
  cmd->add_option("--set", o.sets, "Override a config key: path=value (repeatable)");
  cmd->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--matrix", o.matrix_file,
                  "HDF5 file with dataset 'matrix' (rows x cols) instead of a random matrix");
  cmd->add_option("--inputs", o.input_file,
                  "HDF5 file with dataset 'inputs' (batch x rows) instead of random inputs");
  cmd->add_option("--calibration-inputs", o.calibration_file,
                  "HDF5 file with dataset 'inputs' (N x rows) that calibrates the ADC ranges, "
                  "kept apart from the scored --inputs");
  cmd->add_option("--input-range", o.input_range,
                  "Fixed DAC input range: inputs in [-R, R] map onto the DAC's codes and larger "
                  "ones clip at the top code (an ideal continuous DAC does not clip); default: "
                  "the largest |input| of the batch")
      ->check(number_above(0));
  cmd->add_option("--input-sign", o.input_sign,
                  "Random inputs uniform on [-1,1] (signed) or [0,1] (unsigned)")
      ->check(CLI::IsMember({"signed", "unsigned"}));
  return cmd;
}

namespace {

Matrix random_inputs(Index rows, Index batch, bool is_signed, Rng rng) {
  boost::random::uniform_real_distribution<float> u(is_signed ? -1.0f : 0.0f, 1.0f);
  Matrix x(rows, batch);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = u(rng);
  return x;
}

// Float reference y = M^T x, split into the same fixed chunks as the engine so both use the
// same threads the same way.
Matrix reference_product(const Matrix& weights, const Matrix& x, int threads) {
  return parallel_product(weights, x, threads, AnalogMatrix::kBatchChunk);
}

}  // namespace

int run_mvm(const MvmOptions& o, const std::string& command_line) {
  const Registry& registry = builtin_registry();
  const std::string arch_path = resolve_arch_path(o.arch);
  const ArchConfig arch = load_arch(arch_path, parse_overrides(o.sets), registry);
  if (!arch.layers.empty())
    throw ConfigError(arch.file, "layers." + arch.layers.begin()->first,
                      "mvm programs one matrix, which is no layer of a network: per-layer tile "
                      "settings do not apply (set the tile keys themselves)");
  const auto models = make_tile_models(arch, registry);

  // The matrix as it sits on the crossbar is rows x cols; the engine takes W = M^T (y = W x).
  Matrix weights;
  if (!o.matrix_file.empty()) {
    const Matrix m = read_hdf5_matrix(o.matrix_file, "matrix");
    if ((o.rows_given && m.rows() != o.rows) || (o.cols_given && m.cols() != o.cols))
      throw ShapeError(o.matrix_file + ": dataset 'matrix' is " + std::to_string(m.rows()) + " x " +
                       std::to_string(m.cols()) + ", but --rows/--cols ask for " +
                       std::to_string(o.rows) + " x " + std::to_string(o.cols));
    weights = m.transpose();
  } else {
    Rng rng = make_rng(o.seed, StreamPurpose::kWeights);
    boost::random::normal_distribution<float> normal(0.0f, 1.0f);
    weights.resize(o.cols, o.rows);
    for (Index i = 0; i < weights.size(); ++i) weights.data()[i] = normal(rng);
  }
  const Index rows = weights.cols();
  Matrix x;
  if (!o.input_file.empty()) {
    const Matrix in = read_hdf5_matrix(o.input_file, "inputs");
    if (in.cols() != rows)
      throw ShapeError(o.input_file + ": dataset 'inputs' is " + std::to_string(in.rows()) + " x " +
                       std::to_string(in.cols()) + ", expected batch x " + std::to_string(rows) +
                       " to match the matrix rows");
    x = in.transpose();
  } else {
    x = random_inputs(rows, o.batch, o.input_sign == "signed",
                      make_rng(o.seed, StreamPurpose::kInputs));
  }
  if (!x.allFinite()) throw ShapeError("inputs contain NaN or infinity");
  const int threads = resolve_thread_count(o.threads);
  // Inputs are quantised over --input-range, or over the batch's own range (the DAC full scale
  // then follows each run).
  const double batch_max = static_cast<double>(x.cwiseAbs().maxCoeff());
  const double input_range = o.input_range > 0 ? o.input_range : std::max(1e-30, batch_max);
  const std::string input_range_source = o.input_range > 0 ? "--input-range" : "batch maximum";

  AnalogMatrix analog(weights, models, StreamKey{o.seed, 0, 0}, "mvm matrix", threads);
  // Calibrating on the scored vectors themselves would fit the ranges to them: a separate
  // batch is drawn for random inputs, and a file's inputs need their own file.
  Matrix calibration;
  std::string calibration_source;
  if (!o.calibration_file.empty()) {
    const Matrix in = read_hdf5_matrix(o.calibration_file, "inputs");
    if (in.cols() != rows)
      throw ShapeError(o.calibration_file + ": dataset 'inputs' is " + std::to_string(in.rows()) +
                       " x " + std::to_string(in.cols()) + ", expected N x " +
                       std::to_string(rows) + " to match the matrix rows");
    calibration = in.transpose();
    calibration_source = o.calibration_file;
  } else if (o.input_file.empty()) {
    calibration = random_inputs(rows, std::max<Index>(o.batch, 64), o.input_sign == "signed",
                                make_rng(o.seed, StreamPurpose::kCalibration));
    calibration_source = "a separate random batch of " + std::to_string(calibration.cols());
  } else {
    calibration = x;
    calibration_source = "the scored inputs";
    if (models->adc->range_mode() == AdcRangeMode::kCalibrated)
      spdlog::warn(
          "mvm: the ADC ranges are calibrated on the scored inputs (optimistic); pass "
          "--calibration-inputs FILE to keep them apart");
  }
  if (!calibration.allFinite()) throw ShapeError("calibration inputs contain NaN or infinity");
  analog.calibrate(calibration, input_range);

  ActionCounts counts;
  Stopwatch analog_clock;
  const Matrix y = analog.multiply(x, input_range, &counts);
  const double analog_seconds = analog_clock.seconds();
  // The reference GEMM takes milliseconds: time repeated runs for at least 0.2 s and keep the
  // fastest, the least disturbed measurement of a deterministic computation.
  Matrix y_ref;
  double reference_seconds = 1e300;
  for (Stopwatch total; total.seconds() < 0.2;) {
    Stopwatch clock;
    y_ref = reference_product(weights, x, threads);
    reference_seconds = std::min(reference_seconds, clock.seconds());
  }

  const double signal = static_cast<double>(y_ref.squaredNorm());
  const double error = static_cast<double>((y - y_ref).squaredNorm());
  const double rel_error_rms = signal > 0 ? std::sqrt(error / signal) : 0.0;
  const double snr_db = error > 0 ? 10.0 * std::log10(signal / error) : INFINITY;
  const double reference_macs = static_cast<double>(weights.size()) * static_cast<double>(x.cols());
  const double ratio = (counts.cell_macs / analog_seconds) / (reference_macs / reference_seconds);
  // One MAC per weight per input vector, as the float product: the rate a user compares.
  const double logical_ratio = reference_seconds / analog_seconds;
  const MappingPlan& plan = analog.plan();

  const AdcRangeMode adc_mode = models->adc->range_mode();
  const std::string adc_range_text =
      models->adc->bits() == 0                ? "ADC ideal (no range)"
      : adc_mode == AdcRangeMode::kCalibrated ? "ADC ranges calibrated on " + calibration_source
      : adc_mode == AdcRangeMode::kAbsolute
          ? "ADC range absolute: full scale " +
                fmt_num(static_cast<double>(analog.adc_full_scales().front()(0))) + " A"
          : "ADC range fixed: full scale " +
                fmt_num(static_cast<double>(analog.adc_full_scales().front()(0))) +
                " A (every row at V_read across G_max - G_min)";
  if (o.format == "json") {
    Json j = json_document(command_line, o.seed);
    j["arch"] = arch.name;
    j["matrix_rows"] = rows;
    j["matrix_cols"] = weights.rows();
    j["batch"] = x.cols();
    j["seed"] = o.seed;
    j["threads"] = threads;
    j["arrays"] = plan.arrays();
    j["weight_slices"] = plan.slices;
    j["input_cycles"] = analog.input_cycles();
    j["rel_error_rms"] = rel_error_rms;
    j["snr_db"] = snr_db;  // infinite (written as null) when the product is exact
    for (const auto& [k, v] : counts.items()) j[k] = v;
    j["analog_seconds"] = analog_seconds;
    j["reference_seconds"] = reference_seconds;
    j["reference_macs"] = reference_macs;
    j["cell_mac_rate_ratio"] = ratio;
    j["logical_mac_rate_ratio"] = logical_ratio;
    j["calibration_inputs"] = calibration_source;
    j["adc_range"] = adc_mode == AdcRangeMode::kCalibrated ? "calibrated"
                     : adc_mode == AdcRangeMode::kAbsolute ? "absolute"
                                                           : "fixed";
    // The ranges used: the DAC's (input units and volts) and each ADC's, per row block.
    j["input_range"] = input_range;
    j["input_range_source"] = input_range_source;
    // A quantising DAC clips beyond the range at its top code; the ideal continuous one does not.
    j["inputs_clipped"] = models->dac->bits_per_cycle() > 0
                              ? (x.array().abs() > static_cast<float>(input_range)).count()
                              : 0;
    j["dac_full_scale_v"] = models->dac->read_voltage_v();
    Json scales = Json::array();
    for (const Vector& block : analog.adc_full_scales())
      scales.push_back(std::vector<float>(block.data(), block.data() + block.size()));
    j["adc_full_scale_a"] = scales;
    j["config"] = yaml_to_json(arch.resolved);
    std::cout << dump_json(j) << "\n";
    return 0;
  }
  std::cout << "xbarsim mvm: " << arch.name << " (" << arch_path << ")\n"
            << "matrix " << rows << " x " << weights.rows() << " on " << plan.array_rows << " x "
            << plan.array_cols << " arrays: " << plan.row_blocks << " row blocks x "
            << plan.col_blocks << " column blocks x " << plan.slices
            << " weight slices = " << plan.arrays() << " arrays\n"
            << "batch " << x.cols() << ", " << (x.minCoeff() < 0 ? "signed" : "unsigned")
            << " inputs, " << analog.input_cycles() << " input cycles per phase, seed " << o.seed
            << ", " << threads << " threads\n\n"
            << adc_range_text << "\n"
            << "input range " << fmt_num(input_range) << " (" << input_range_source << "), DAC "
            << "full scale " << fmt_num(models->dac->read_voltage_v()) << " V\n\n"
            << "accuracy against the float product\n"
            << "  rel_error_rms    " << fmt_num(rel_error_rms) << "\n"
            << "  snr_db           " << fmt_num(snr_db) << "\n\n"
            << "actions\n";
  for (const auto& [k, v] : counts.items()) {
    char line[96];
    std::snprintf(line, sizeof(line), "  %-20s %s\n", k.c_str(), fmt_num(v, 6).c_str());
    std::cout << line;
  }
  std::cout << "\ntime\n"
            << "  analog_seconds     " << fmt_num(analog_seconds) << "  ("
            << fmt_num(counts.cell_macs / analog_seconds, 3) << " cell MAC/s)\n"
            << "  reference_seconds  " << fmt_num(reference_seconds) << "  ("
            << fmt_num(reference_macs / reference_seconds, 3) << " MAC/s, float32 GEMM)\n"
            << "  cell-MAC rate / float MAC rate = " << fmt_num(ratio, 3) << "\n"
            << "  logical rate (one MAC per weight and vector) / float = "
            << fmt_num(logical_ratio, 3) << "\n";
  return 0;
}

}  // namespace xbarsim::app
