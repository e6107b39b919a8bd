// `xbarsim sweep`: runs an experiment spec (docs/experiments.md), on one process or, when an
// MPI launcher started it, over the ranks of the MPI job (docs/cluster.md).
#include "sweep_command.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "common.hpp"
#include "progress.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/experiment/experiment.hpp"
#include "xbarsim/experiment/sweep_mpi.hpp"

namespace xbarsim::app {

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run an experiment: every point of its sweep, every Monte-Carlo trial (under mpirun: "
      "over all ranks)");
  cmd->add_option("experiment", o.experiment,
                  "Experiment spec (experiments/<study>/experiment.yaml)")
      ->required();
  cmd->add_flag("--quick", o.quick,
                "Quick mode: the spec's quick: block (fewer images, trials, values)");
  cmd->add_option("--jobs", o.jobs,
                  "Tasks run in parallel per process (results do not depend on it)")
      ->check(integer_in(1, 1024));
  cmd->add_option("-o,--output", o.output, "Output folder (default results/<name>[-quick])");
  cmd->add_flag("--resume", o.resume, "Keep finished tasks of an earlier run in the folder");
  // Test hook, not for users: simulates an interruption after N tasks were handed out.
  cmd->add_option("--stop-after", o.stop_after)->group("")->check(integer_at_least(0));
  return cmd;
}

namespace {

xbarsim::SweepOptions runner_options(const SweepOptions& o, const ExperimentSpec& spec,
                                     const std::string& command_line) {
  xbarsim::SweepOptions so;
  so.out_dir = !o.output.empty() ? o.output : "results/" + spec.name + (o.quick ? "-quick" : "");
  so.jobs = o.jobs;
  so.resume = o.resume;
  so.command_line = command_line;
  so.stop_after = o.stop_after;
  return so;
}

// Progress on a terminal, plain log lines otherwise; failures as soon as they are known. All
// of it on stderr through the logger (--quiet keeps the failures only); the outcome on stdout.
int run_reporting(const SweepOptions& o, const ExperimentSpec& spec, xbarsim::SweepOptions so,
                  int ranks, const std::function<SweepOutcome(const xbarsim::SweepOptions&)>& run) {
  const std::size_t tasks = sweep_tasks(spec).size();
  spdlog::info("xbarsim sweep: {}, {} points, {} task{}, {} rank{} x {} job{}{} -> {}", spec.name,
               spec.points.size(), tasks, tasks > 1 ? "s" : "", ranks, ranks > 1 ? "s" : "", o.jobs,
               o.jobs > 1 ? "s" : "", o.quick ? " (quick)" : "", so.out_dir);
  Progress progress("sweep", static_cast<double>(tasks));
  // Under --verbose the tasks' debug lines would tear a bar apart: log lines instead.
  const bool bar = progress.enabled() && !spdlog::should_log(spdlog::level::debug);
  Stopwatch clock;
  so.on_task = [&](std::size_t done, std::size_t total, TaskId id) {
    const std::string what =
        "point " + std::to_string(id.point) + " trial " + std::to_string(id.trial);
    if (bar) {
      progress.update(static_cast<double>(done), what);
    } else {
      spdlog::info("[{} s] {} done ({}/{})", fmt_num(clock.seconds(), 3), what, done, total);
    }
  };
  so.on_failure = [&](const TaskFailure& f) {
    progress.clear();
    spdlog::error("sweep: FAILED {}", describe_failure(spec, f));
  };
  so.on_warning = [&](const std::string& w) {
    progress.clear();
    spdlog::warn("sweep: {}", w);
  };
  const SweepOutcome out = run(so);
  progress.finish();
  std::cout << "xbarsim sweep: " << out.computed << " tasks computed, " << out.skipped
            << " resumed, " << out.failures.size() << " failed, in " << fmt_num(clock.seconds(), 3)
            << " s\n";
  if (out.remote_tasks > 0)
    std::cout << "distribution: " << out.remote_tasks << " tasks ran on other ranks; round trip "
              << fmt_num(out.mean_round_trip_s * 1e3, 3) << " ms per task, rank 0 handling "
              << fmt_num(out.mean_handling_s * 1e3, 3) << " ms per task\n";
  if (!out.failures.empty()) {
    std::string list;
    for (const TaskFailure& f : out.failures) list += "\n  " + describe_failure(spec, f);
    throw Error(std::to_string(out.failures.size()) + " task(s) failed; the " +
                std::to_string(out.computed) + " finished are saved in " + so.out_dir +
                "/tasks, reports in " + so.out_dir + "/failed/. Fix the cause and rerun with " +
                "--resume to compute only what is missing:" + list);
  }
  if (!out.complete) {
    std::cout << "incomplete: rerun with --resume to finish\n";
    return 1;
  }
  std::cout << "results: " << so.out_dir << "/results.h5, " << so.out_dir << "/summary.csv\n";
  return 0;
}

int run_sweep_under_mpi(const SweepOptions& o, const std::string& command_line) {
  const MpiContext mpi;
  const Registry& registry = builtin_registry();
  try {
    std::unique_ptr<ExperimentSpec> spec;
    mpi_collective_step(mpi, [&] {
      spec = std::make_unique<ExperimentSpec>(load_experiment(o.experiment, o.quick));
    });
    const xbarsim::SweepOptions so = runner_options(o, *spec, command_line);
    if (mpi.rank() != 0) {
      run_sweep_mpi(*spec, so, registry, mpi);
      return 0;
    }
    return run_reporting(o, *spec, so, mpi.size(), [&](const xbarsim::SweepOptions& with) {
      return run_sweep_mpi(*spec, with, registry, mpi);
    });
  } catch (const PeerRankFailed&) {
    return 2;  // the failing rank reports the error
  }
}

}  // namespace

int run_sweep(const SweepOptions& o, const std::string& command_line) {
  if (launched_by_mpi()) {
    if (!mpi_built())
      throw Error(
          "started by an MPI launcher, but this xbarsim was built without MPI: every rank "
          "would run the whole sweep into the same folder. Install libopenmpi-dev and "
          "openmpi-bin and rebuild (cmake -DXBARSIM_MPI=ON), or run without mpirun");
    return run_sweep_under_mpi(o, command_line);
  }
  const Registry& registry = builtin_registry();
  const ExperimentSpec spec = load_experiment(o.experiment, o.quick);
  return run_reporting(
      o, spec, runner_options(o, spec, command_line), 1,
      [&](const xbarsim::SweepOptions& so) { return xbarsim::run_sweep(spec, so, registry); });
}

}  // namespace xbarsim::app
