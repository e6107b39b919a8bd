// `xbarsim eval`: accuracy of a trained network on crossbar tiles, against float32 and int8.
#include "eval_command.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <numeric>
#include <optional>

#include "common.hpp"
#include "energy_command.hpp"
#include "progress.hpp"
#include "report_format.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/experiment/result_layout.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/io/json.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/evaluation.hpp"
#include "xbarsim/system/analog_system.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/report_json.hpp"
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

void print_eval_text(const EvalResult& r, const std::string& arch_path,
                     const std::string& model_file) {
  const std::int64_t trials = r.settings.trials;
  std::cout << "xbarsim eval: " << r.arch << " (" << arch_path << ")\n"
            << "model " << r.model << " (" << model_file << "), " << r.dataset << ", " << r.images
            << " images, " << trials << " trial" << (trials > 1 ? "s" : "") << ", seed "
            << r.settings.seed << ", " << r.settings.threads << " threads\n\n"
            << "mapping (crossbar rows = inputs, cols = outputs)\n"
            << "  layer         type     rows x cols   arrays  utilization\n";
  for (const LayerMapping& m : r.mapping) {
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
                r.accuracy_float, r.accuracy_int8, r.accuracy_analog_mean(),
                r.accuracy_analog_std(), static_cast<long>(trials), trials > 1 ? "s" : "");
  std::cout << acc;
  const double images = static_cast<double>(r.images);
  std::cout << "\nspeed (images/s)\n  float32   " << fmt_num(images / r.seconds_float, 3)
            << "\n  int8      " << fmt_num(images / r.seconds_int8, 3) << "\n  analog    "
            << fmt_num(images / r.seconds_analog_per_trial, 3)
            << " (per trial, with calibration)\n";
  if (r.comparison) {
    std::cout << "\nenergy of the simulated run (trial 1, " << r.images << " images)\n";
    for (const std::string& a : r.comparison->assumptions) std::cout << "assumes: " << a << "\n";
    print_comparison(std::cout, r.comparison->analog, &r.comparison->digital,
                     r.comparison->inferences_per_load);
  }
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
  const Dataset data = load_dataset(o.dataset, Split::kTest, o.limit);
  const std::string calibration_spec =
      !o.calibration_dataset.empty() ? o.calibration_dataset : default_calibration_spec(o.dataset);
  const Dataset calibration = load_dataset(calibration_spec, Split::kTrain, o.calibration_images);
  const std::vector<std::string> warnings =
      input_warnings(net, data, calibration_spec == o.dataset);
  for (const std::string& w : warnings) spdlog::warn("{}", w);

  EvalSettings settings;
  settings.batch = o.batch;
  settings.trials = o.trials;
  settings.seed = o.seed;
  settings.threads = resolve_thread_count(o.threads);
  settings.comparison = o.comparison.options();
  Progress progress("eval",
                    static_cast<double>(data.size()) * (2.0 + static_cast<double>(o.trials)));
  const EvalResult r = evaluate(
      net, arch, registry, data, calibration, warnings, settings,
      [&](double done, double, const std::string& detail) { progress.update(done, detail); });
  progress.finish();

  // A failed final rename keeps the results in the temporary file; the report is printed
  // anyway and the error (naming that file) follows it.
  std::string commit_error;
  if (result_file) {
    write_eval_results(*result_file, r, arch, o.model, command_line, registry);
    try {
      result_file->commit();
    } catch (const IoError& e) {
      commit_error = e.what();
    }
  }
  if (o.format == "json") {
    Json j = json_document(command_line, o.seed);
    j.update(eval_json(r));
    std::cout << dump_json(j) << "\n";
  } else {
    print_eval_text(r, arch_path, o.model);
    if (result_file && commit_error.empty())
      std::cout << "\nresults written to " << o.output << "\n";
  }
  if (!commit_error.empty()) throw Error(commit_error);
  return 0;
}

}  // namespace xbarsim::app
