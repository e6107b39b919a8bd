// `xbarsim optimize`: the cheapest per-layer setting of tile keys under an accuracy budget
// (docs/optimizer.md), on one process or over the ranks of an MPI job.
#include "optimize_command.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "common.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/experiment/sweep_mpi.hpp"
#include "xbarsim/optimize/knobs.hpp"
#include "xbarsim/optimize/optimize.hpp"

namespace xbarsim::app {

CLI::App* add_optimize_command(CLI::App& app, OptimizeCliOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "optimize",
      "Cheapest per-layer setting of tile keys (ADC bits by default) whose analog accuracy "
      "stays within a budget of float32 at a stated confidence (docs/optimizer.md)");
  cmd->add_option("arch", o.arch, "Architecture YAML file or shipped name (reram, sram)")
      ->required();
  cmd->add_option("--model", o.model, "Model file (docs/model_format.md)")->required();
  // Read as text and checked by the library, so that a budget outside (0, 1) is a named error
  // with exit code 2 like every other bad input of this command.
  cmd->add_option("--max-accuracy-drop", o.max_drop,
                  "Accuracy budget: the analog accuracy may fall this fraction below float32 "
                  "(0.005 = half a point), in (0, 1)");
  cmd->add_option("--objective", o.objective, "What to minimise: energy, latency or area");
  cmd->add_option("--knobs", o.knobs, "Tile keys searched per layer, comma-separated")
      ->delimiter(',');
  cmd->add_option("--range", o.ranges,
                  "Values searched for a knob, KEY=LO:HI (repeatable; default: the key's "
                  "lowest declared value to the architecture's own)");
  cmd->add_option("--trials", o.trials, "Monte-Carlo trials per candidate")
      ->check(integer_at_least(1));
  cmd->add_option("--confidence", o.confidence,
                  "Confidence of the one-sided accuracy bound, in (0, 1)");
  cmd->add_option("--search-images", o.search_images,
                  "Training images the search scores (after the calibration images)")
      ->check(integer_at_least(2));
  cmd->add_option("--calibration-images", o.calibration_images,
                  "First training images, used for range calibration only")
      ->check(integer_at_least(1));
  cmd->add_option("--test-images", o.test_images,
                  "Test images of the final re-check (0 = the whole test split)")
      ->check(integer_at_least(0));
  cmd->add_option("--batch", o.batch, "Images per forward pass")->check(integer_at_least(1));
  cmd->add_option("--seed", o.seed, "Master seed")->check(seed_value());
  cmd->add_option("--threads", o.threads, "Threads per evaluation (0 = all cores)")
      ->check(integer_at_least(0));
  cmd->add_option("--jobs", o.jobs,
                  "Evaluations run in parallel per process (results do not depend on it)")
      ->check(integer_in(1, 1024));
  cmd->add_option("--cache-mb", o.cache_mb,
                  "Memory for layer outputs shared between candidates, MiB (0 = no cache)")
      ->check(integer_at_least(0));
  cmd->add_option("--set", o.sets, "Override a config key: path=value (repeatable)");
  cmd->add_option("-o,--output", o.output, "Output folder (default results/optimize-<model>)");
  cmd->add_flag("--scan-uniform", o.scan_uniform,
                "Also evaluate every uniform value of the first knob (the uniform curve of a "
                "figure); the result is the same");
  cmd->add_flag("--resume", o.resume, "Keep the evaluations an earlier run saved in the folder");
  // Test hook, not for users: stops as if killed after N evaluations were computed.
  cmd->add_option("--stop-after", o.stop_after)->group("")->check(integer_at_least(0));
  return cmd;
}

namespace {

std::string stem(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

OptimizeOptions library_options(const OptimizeCliOptions& o, const std::string& command_line) {
  OptimizeOptions lo;
  lo.arch_path = resolve_arch_path(o.arch);
  lo.overrides = parse_overrides(o.sets);
  lo.model_file = o.model;
  lo.max_drop = o.max_drop;
  lo.objective = o.objective;
  lo.knobs = o.knobs;
  lo.ranges = o.ranges;
  lo.trials = o.trials;
  lo.confidence = o.confidence;
  lo.search_images = o.search_images;
  lo.calibration_images = o.calibration_images;
  lo.test_images = o.test_images;
  lo.batch = o.batch;
  lo.seed = o.seed;
  lo.threads = resolve_thread_count(o.threads);
  lo.jobs = o.jobs;
  lo.out_dir = !o.output.empty() ? o.output : "results/optimize-" + stem(o.model);
  lo.resume = o.resume;
  lo.scan_uniform = o.scan_uniform;
  lo.cache_bytes = static_cast<std::size_t>(o.cache_mb) << 20;
  lo.command_line = command_line;
  lo.stop_after = o.stop_after;
  return lo;
}

std::string percent(double fraction, int digits = 2) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.*f %%", digits, 100 * fraction);
  return b;
}

void print_bound(const char* what, const AccuracyBound& b) {
  std::cout << "  " << what << ": " << b.images << " images, " << b.trials << " trials: float32 "
            << percent(b.accuracy_float) << ", analog " << percent(b.accuracy_analog) << ", drop "
            << percent(b.drop_mean) << " (upper bound " << percent(b.drop_upper) << " at "
            << fmt_num(100 * b.confidence, 3)
            << " % confidence: analog >= " << percent(b.accuracy_lower()) << ")\n";
}

void print_report(const OptimizeSetup& s, const OptimizeResult& r) {
  const OptimizeOptions& o = s.options;
  const SearchOutcome& so = r.search;
  const ObjectiveInfo info = objective_info(o.objective);
  std::cout << "xbarsim optimize: " << s.net.name << " on " << s.arch.name << ", minimise "
            << o.objective << " with analog accuracy >= float32 - " << percent(o.max_drop) << " at "
            << fmt_num(100 * o.confidence, 3) << " % confidence\n"
            << "search: " << s.search.name << ", " << o.trials << " trials; " << so.evaluated.size()
            << " candidates in " << so.rounds << " rounds (" << r.tasks_computed
            << " evaluations computed, " << r.tasks_resumed << " resumed) in "
            << fmt_num(r.seconds, 3) << " s\n"
            << "prefix cache: " << r.layers_reused << " layer passes reused, " << r.layers_computed
            << " computed\n";
  if (!so.chosen) {
    const Candidate& top = so.evaluated.at(0);
    std::cout << "\nno allocation meets the budget: even "
              << setting_label(s.layers, s.knobs, top.setting) << " misses it\n";
    print_bound("search", top.bound);
    return;
  }
  const Candidate& c = so.evaluated[*so.chosen];
  const Candidate& u = so.evaluated[*so.uniform];
  const std::size_t nk = s.knobs.size();
  std::cout << "\nallocation (uniform: the cheapest uniform setting meeting the budget)\n"
            << "  layer         knob                 chosen  uniform\n";
  for (std::size_t l = 0; l < s.layers.size(); ++l)
    for (std::size_t k = 0; k < nk; ++k) {
      char line[200];
      std::snprintf(line, sizeof(line), "  %-13s %-20s %6lld  %7lld\n", s.layers[l].c_str(),
                    s.knobs[k].key.c_str(), static_cast<long long>(c.setting[l * nk + k]),
                    static_cast<long long>(u.setting[l * nk + k]));
      std::cout << line;
    }
  std::cout << "\n"
            << o.objective << " (" << info.key << "): " << fmt_num(c.objective) << " " << info.unit
            << ", uniform " << fmt_num(u.objective) << " " << info.unit << ": saving "
            << percent(relative_saving(c.objective, u.objective), 1) << "\n";
  std::cout << "accuracy\n";
  print_bound("search", c.bound);
  print_bound("search, uniform", u.bound);
  if (r.test) {
    print_bound("test", *r.test);
    std::cout << "  on the test set the allocation "
              << (r.test->meets(o.max_drop) ? "meets" : "MISSES") << " the budget\n";
  }
  std::cout << "pareto front: " << r.pareto.size() << " of " << so.evaluated.size()
            << " candidates\nresults: " << o.out_dir << "/results.h5, " << o.out_dir
            << "/candidates.csv, " << o.out_dir << "/allocation.csv\n";
}

int finish(const OptimizeSetup& s, const OptimizeResult& r) {
  if (!r.complete) {
    std::cout << "incomplete: rerun with --resume to finish\n";
    return 1;
  }
  print_report(s, r);
  return 0;
}

}  // namespace

int run_optimize(const OptimizeCliOptions& o, const std::string& command_line) {
  const Registry& registry = builtin_registry();
  const std::function<void(const std::string&)> log = [](const std::string& line) {
    spdlog::info("optimize: {}", line);
  };
  if (launched_by_mpi()) {
    if (!mpi_built())
      throw Error(
          "started by an MPI launcher, but this xbarsim was built without MPI: every rank "
          "would run the whole optimisation into the same folder. Rebuild with "
          "-DXBARSIM_MPI=ON, or run without mpirun");
    const MpiContext mpi;
    try {
      std::unique_ptr<OptimizeSetup> setup;
      mpi_collective_step(mpi, [&] {
        setup = std::make_unique<OptimizeSetup>(
            prepare_optimization(library_options(o, command_line), registry));
      });
      const std::unique_ptr<TaskRunner> runner = mpi_task_runner(mpi, o.jobs);
      const OptimizeResult r =
          run_optimization(*setup, registry, *runner,
                           mpi.rank() == 0 ? log : std::function<void(const std::string&)>());
      return mpi.rank() == 0 ? finish(*setup, r) : 0;
    } catch (const PeerRankFailed&) {
      return 2;
    }
  }
  const OptimizeSetup setup = prepare_optimization(library_options(o, command_line), registry);
  const std::unique_ptr<TaskRunner> runner = local_task_runner(o.jobs);
  return finish(setup, run_optimization(setup, registry, *runner, log));
}

}  // namespace xbarsim::app
