// `xbarsim sweep`: runs an experiment spec (docs/experiments.md).
#include "sweep_command.hpp"

#include <unistd.h>

#include <iostream>
#include <limits>

#include "common.hpp"
#include "progress.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/experiment/experiment.hpp"

namespace xbarsim::app {

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run an experiment: every point of its sweep, every Monte-Carlo trial");
  cmd->add_option("experiment", o.experiment,
                  "Experiment spec (experiments/<study>/experiment.yaml)")
      ->required();
  cmd->add_flag("--quick", o.quick,
                "Quick mode: the spec's quick: block (fewer images, trials, values)");
  cmd->add_option("--jobs", o.jobs, "Points run in parallel (results do not depend on it)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("-o,--output", o.output, "Output folder (default results/<name>[-quick])");
  cmd->add_flag("--resume", o.resume, "Keep finished points of an earlier run in the folder");
  return cmd;
}

int run_sweep(const SweepOptions& o, const std::string& command_line) {
  const Registry& registry = builtin_registry();
  const ExperimentSpec spec = load_experiment(o.experiment, o.quick);
  xbarsim::SweepOptions so;
  so.out_dir = !o.output.empty() ? o.output : "results/" + spec.name + (o.quick ? "-quick" : "");
  so.jobs = o.jobs;
  so.resume = o.resume;
  so.command_line = command_line;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::cerr << "xbarsim sweep: " << spec.name << ", " << spec.points.size() << " points x "
            << spec.trials << " trial" << (spec.trials > 1 ? "s" : "") << ", " << o.jobs << " job"
            << (o.jobs > 1 ? "s" : "") << (o.quick ? " (quick)" : "") << " -> " << so.out_dir
            << "\n";
  Progress progress("sweep", static_cast<double>(spec.points.size()));
  Stopwatch clock;
  so.on_point = [&](std::size_t done, std::size_t total, std::size_t index) {
    if (tty) {
      progress.update(static_cast<double>(done), "point " + std::to_string(index));
    } else {
      std::cerr << "[" << fmt_num(clock.seconds(), 3) << " s] point " << index << " done (" << done
                << "/" << total << ")\n";
    }
  };
  const SweepOutcome out = xbarsim::run_sweep(spec, so, registry);
  progress.finish();
  std::cout << "xbarsim sweep: " << out.computed << " points computed, " << out.skipped
            << " resumed, in " << fmt_num(clock.seconds(), 3) << " s\n"
            << "results: " << so.out_dir << "/results.h5, " << so.out_dir << "/summary.csv\n";
  return out.complete ? 0 : 1;
}

}  // namespace xbarsim::app
