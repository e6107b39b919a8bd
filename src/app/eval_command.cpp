// `xbarsim eval`: accuracy of a trained network on crossbar tiles, against float32 and int8.
#include "eval_command.hpp"

#include <cmath>
#include <iostream>
#include <limits>
#include <numeric>
#include <optional>

#include "common.hpp"
#include "energy_command.hpp"
#include "input_checks.hpp"
#include "progress.hpp"
#include "report_format.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/system/analog_system.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim::app {

CLI::App* add_eval_command(CLI::App& app, EvalOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Accuracy of a trained network on the crossbar tiles of ARCH, against float32 "
      "and int8 references on the same network");
  cmd->add_option("arch", o.arch, "Architecture YAML file or shipped name (ideal, reram, sram)")
      ->required();
  cmd->add_option("--model", o.model, "Model file (docs/model_format.md)")->required();
  cmd->add_option("--dataset", o.dataset,
                  "fashion-mnist (test split), fashion-mnist:train, or an HDF5 file");
  cmd->add_option("--calibration-dataset", o.calibration_dataset,
                  "Data for activation and ADC range calibration (default: fashion-mnist:train "
                  "for Fashion-MNIST, else the evaluation data itself)");
  cmd->add_option("--calibration-images", o.calibration_images, "Images used for calibration")
      ->check(integer_at_least(1));
  cmd->add_option("--limit", o.limit, "Evaluate only the first N images (0 = all)")
      ->check(integer_at_least(0));
  cmd->add_option("--trials", o.trials, "Monte-Carlo trials, cells programmed afresh in each")
      ->check(integer_at_least(1));
  cmd->add_option("--batch", o.batch, "Images per batch")->check(integer_at_least(1));
  cmd->add_option("--seed", o.seed, "Master seed")->check(seed_value());
  cmd->add_option("--threads", o.threads, "Worker threads (0 = all cores)")
      ->check(integer_at_least(0));
  cmd->add_option("--set", o.sets, "Override a config key: path=value (repeatable)");
  cmd->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("-o,--output", o.output,
                  "Write an HDF5 result file (never over a folder, device or FIFO)");
  cmd->add_flag("--force", o.force, "Let -o replace a symbolic link (the link, not its target)");
  add_comparison_options(cmd, o.comparison);
  return cmd;
}

namespace {

struct Pass {
  double accuracy = 0;
  double seconds = 0;
};

// Runs the whole data set through `product` in batches and scores top-1 accuracy.
Pass run_pass(const Network& net, const Matrix& inputs, const std::vector<int>& labels, Index batch,
              const CrossbarProduct& product, Progress& progress, double& done,
              const std::string& detail) {
  Stopwatch clock;
  Index correct = 0;
  for (Index b0 = 0; b0 < inputs.cols(); b0 += batch) {
    const Index n = std::min(batch, inputs.cols() - b0);
    const std::vector<int> pred = argmax_columns(forward(net, inputs.middleCols(b0, n), product));
    for (Index i = 0; i < n; ++i)
      correct += pred[static_cast<std::size_t>(i)] == labels[static_cast<std::size_t>(b0 + i)];
    done += static_cast<double>(n);
    progress.update(done, detail);
  }
  return {static_cast<double>(correct) / static_cast<double>(inputs.cols()), clock.seconds()};
}

}  // namespace

int run_eval(const EvalOptions& o, const std::string& command_line) {
  // The result file's temporary is created first, next to the target: an unwritable or
  // refused -o is found before any work, not after it.
  std::optional<ResultFile> result_file;
  if (!o.output.empty()) result_file.emplace(o.output, o.force);
  const Registry& registry = builtin_registry();
  const std::string arch_path = resolve_arch_path(o.arch);
  const ArchConfig arch = load_arch(arch_path, parse_overrides(o.sets), registry);
  const Network net = load_network(o.model);
  check_layer_names(arch.layer_origins(), crossbar_layer_names(net), net.name);
  const NetworkTileModels models = make_network_tile_models(arch, registry);
  const Dataset data = load_dataset(o.dataset, Split::kTest, o.limit);
  if (data.num_classes > net.num_classes)
    throw ShapeError(data.name + " has labels up to " + std::to_string(data.num_classes - 1) +
                     " but model '" + net.name + "' has " + std::to_string(net.num_classes) +
                     " classes");
  const bool fashion = o.dataset.rfind("fashion-mnist", 0) == 0;
  const std::string calibration_spec =
      !o.calibration_dataset.empty() ? o.calibration_dataset
                                     : (fashion ? std::string("fashion-mnist:train") : o.dataset);
  const Dataset calibration = load_dataset(calibration_spec, Split::kTrain, o.calibration_images);
  const int threads = resolve_thread_count(o.threads);
  const std::vector<std::string> warnings = input_warnings(net, data, o.dataset, calibration_spec);
  for (const std::string& w : warnings) std::cerr << "xbarsim: warning: " << w << "\n";

  const Matrix inputs = normalise_inputs(net, data.images);
  const Matrix calibration_inputs = normalise_inputs(net, calibration.images);
  const ActivationRanges ranges = calibrate_ranges(net, calibration_inputs, threads);

  const double total = static_cast<double>(data.size()) * (2.0 + static_cast<double>(o.trials));
  Progress progress("eval", total);
  double done = 0;
  const Pass fp = run_pass(net, inputs, data.labels, o.batch, float_product(net, threads), progress,
                           done, "float32");
  const Pass i8 = run_pass(net, inputs, data.labels, o.batch, int8_product(net, ranges, threads),
                           progress, done, "int8");
  std::vector<double> analog_acc;
  double analog_seconds = 0;
  std::vector<LayerMapping> mapping;
  std::vector<ActionCounts> counts;
  for (std::int64_t t = 0; t < o.trials; ++t) {
    AnalogNetwork analog(net, models, ranges, o.seed, static_cast<std::uint64_t>(t), threads);
    Stopwatch clock;
    analog.calibrate(calibration_inputs);
    const Pass p =
        run_pass(net, inputs, data.labels, o.batch, analog.product(), progress, done,
                 "analog trial " + std::to_string(t + 1) + "/" + std::to_string(o.trials));
    analog_seconds += clock.seconds();
    analog_acc.push_back(p.accuracy);
    if (t == 0) {
      mapping = analog.mapping();
      counts = analog.layer_counts();
    }
  }
  progress.finish();
  // Energy of the run that was simulated (trial 1): its counts, including the cell read
  // energy of the real inputs and conductances, priced with the architecture's cards, next to
  // the digital baseline on the same network and batch.
  std::optional<SystemReport> energy_analog, energy_digital;
  std::optional<Comparison> comparison;
  if (arch.system) {
    const Workload workload = workload_from_network(net);
    comparison = compare(workload, arch, registry, static_cast<double>(data.size()),
                         o.comparison.options(), &counts);
    energy_analog = comparison->analog;
    energy_digital = comparison->digital;
  }
  const double n_trials = static_cast<double>(analog_acc.size());
  const double mean = std::accumulate(analog_acc.begin(), analog_acc.end(), 0.0) / n_trials;
  double var = 0;
  for (double a : analog_acc) var += (a - mean) * (a - mean);
  const double std_dev = n_trials > 1 ? std::sqrt(var / (n_trials - 1)) : 0.0;
  const double images = static_cast<double>(data.size());
  const double analog_per_trial = analog_seconds / n_trials;

  // A failed final rename keeps the results in the temporary file; the report is printed
  // anyway and the error (naming that file) follows it.
  std::string commit_error;
  if (result_file) {
    ResultFile& out = *result_file;
    out.provenance(command_line, o.seed);
    out.attr("/", "kind", std::string("eval"));
    out.text("/config/arch_resolved_yaml", YAML::Dump(arch.resolved));
    for (const ComponentConfig* c : {&arch.tile.device, &arch.tile.dac, &arch.tile.adc})
      out.text("/config/cards/" + c->model, YAML::Dump(c->card));
    out.attr("/", "model_file", o.model);
    out.attr("/", "dataset", data.name);
    out.attr("/", "images", static_cast<std::int64_t>(data.size()));
    // Which images calibrated the activation and ADC ranges (docs/reliability.md).
    out.attr("/", "calibration_dataset", calibration.name);
    out.attr("/", "calibration_images", static_cast<std::int64_t>(calibration.size()));
    std::string joined;
    for (const std::string& w : warnings) joined += (joined.empty() ? "" : "\n") + w;
    out.attr("/", "warnings", joined);
    out.dataset("/results/accuracy_float", {fp.accuracy}, "1");
    out.dataset("/results/accuracy_int8", {i8.accuracy}, "1");
    out.dataset("/results/accuracy_analog", analog_acc, "1");
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (!net.layers[i].uses_crossbar()) continue;
      for (const auto& [k, v] : counts[i].items())
        out.dataset("/results/counts/" + net.layers[i].name + "/" + k, {v}, "1");
    }
    if (energy_analog) {
      out.text("/results/energy_analog_json", yaml_to_json(report_tree(*energy_analog)));
      out.text("/results/energy_digital_json", yaml_to_json(report_tree(*energy_digital)));
      out.dataset("/results/energy_j_analog", {energy_analog->energy_j()}, "J");
      out.dataset("/results/energy_j_digital", {energy_digital->energy_j()}, "J");
    }
    try {
      out.commit();
    } catch (const IoError& e) {
      commit_error = e.what();
    }
  }
  const auto finish = [&] {
    if (!commit_error.empty()) throw Error(commit_error);
    return 0;
  };

  if (o.format == "json") {
    YAML::Node j(YAML::NodeType::Map);
    j["arch"] = arch.name;
    j["model"] = net.name;
    j["dataset"] = data.name;
    for (const std::string& w : warnings) j["warnings"].push_back(w);
    j["images"] = data.size();
    j["trials"] = o.trials;
    j["seed"] = o.seed;
    j["accuracy_float"] = fp.accuracy;
    j["accuracy_int8"] = i8.accuracy;
    j["accuracy_analog_mean"] = mean;
    j["accuracy_analog_std"] = std_dev;
    for (double a : analog_acc) j["accuracy_analog_trials"].push_back(a);
    j["images_per_second_float"] = images / fp.seconds;
    j["images_per_second_int8"] = images / i8.seconds;
    j["images_per_second_analog"] = images / analog_per_trial;
    for (const LayerMapping& m : mapping) {
      YAML::Node l;
      l["name"] = m.name;
      l["type"] = m.type;
      l["crossbar_rows"] = m.crossbar_rows;
      l["crossbar_cols"] = m.crossbar_cols;
      l["arrays"] = m.arrays;
      l["utilization"] = m.utilization;
      j["layers"].push_back(l);
    }
    if (energy_analog) {
      j["energy_j_analog"] = energy_analog->energy_j();
      j["energy_j_digital"] = energy_digital->energy_j();
      j["inferences_per_load"] = comparison->inferences_per_load;
      for (const std::string& a : comparison->assumptions) j["assumptions"].push_back(a);
      j["breakdown"]["analog"] = report_tree(*energy_analog);
      j["breakdown"]["digital"] = report_tree(*energy_digital);
    }
    std::cout << yaml_to_json(j) << "\n";
    return finish();
  }
  std::cout << "xbarsim eval: " << arch.name << " (" << arch_path << ")\n"
            << "model " << net.name << " (" << o.model << "), " << data.name << ", " << data.size()
            << " images, " << o.trials << " trial" << (o.trials > 1 ? "s" : "") << ", seed "
            << o.seed << ", " << threads << " threads\n\n"
            << "mapping (crossbar rows = inputs, cols = outputs)\n"
            << "  layer         type     rows x cols   arrays  utilization\n";
  for (const LayerMapping& m : mapping) {
    char line[160];
    std::snprintf(line, sizeof(line), "  %-13s %-8s %5ld x %-5ld %8ld  %10.1f %%\n", m.name.c_str(),
                  m.type.c_str(), static_cast<long>(m.crossbar_rows),
                  static_cast<long>(m.crossbar_cols), static_cast<long>(m.arrays),
                  100 * m.utilization);
    std::cout << line;
  }
  char acc[256];
  std::snprintf(acc, sizeof(acc),
                "\ntop-1 accuracy\n  float32   %.4f\n  int8      %.4f\n  analog    %.4f +- "
                "%.4f (mean +- std over %ld trial%s)\n",
                fp.accuracy, i8.accuracy, mean, std_dev, static_cast<long>(o.trials),
                o.trials > 1 ? "s" : "");
  std::cout << acc;
  std::cout << "\nspeed (images/s)\n  float32   " << fmt_num(images / fp.seconds, 3)
            << "\n  int8      " << fmt_num(images / i8.seconds, 3) << "\n  analog    "
            << fmt_num(images / analog_per_trial, 3) << " (per trial, with calibration)\n";
  if (energy_analog) {
    std::cout << "\nenergy of the simulated run (trial 1, " << data.size() << " images)\n";
    for (const std::string& a : comparison->assumptions) std::cout << "assumes: " << a << "\n";
    print_comparison(std::cout, *energy_analog, &*energy_digital, comparison->inferences_per_load);
  }
  if (result_file && commit_error.empty()) std::cout << "\nresults written to " << o.output << "\n";
  return finish();
}

}  // namespace xbarsim::app
