// Sweep tasks: exact round trips of task files, failing tasks, growing the trial count on a
// resume, and conservation of the per-action energies.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "sweep_test_support.hpp"
#include "test_support.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/experiment/experiment.hpp"
#include "xbarsim/io/text_file.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

using test::sweep_options;

TEST_CASE("task files: a task reads back exactly, and a torn or foreign file is refused") {
  TaskResult r;
  r.id = {7, 3};
  r.key = "tile.adc.bits=5 \"quoted\" trial=3";
  r.has_accuracy = true;
  r.accuracy = 0.1 + 0.2;  // not representable in few digits
  r.has_energy = true;
  r.images = 500;
  r.energy_j_analog = 1.0 / 3.0;
  r.energy_j_digital = std::nextafter(2.5e-6, 1.0);
  r.latency_s_analog = 3e-7;
  r.latency_s_digital = 4.125e-6;
  r.area_m2_analog = 1e-6 / 7.0;
  r.area_m2_digital = 2e-6;
  r.energy_breakdown_analog = {{"adc", 0.2 / 3.0}, {"dac", 1e-30}};
  r.energy_breakdown_digital = {{"mac", 5e-7}};
  r.actions_analog = {{"adc", "conversion", 12345678901.0, 0.2 / 3.0}};
  r.actions_digital = {{"mac", "mac", 1e9, 5e-7}};
  r.counts = {{"adc_conversions", 98765.0}};
  test::TempDir dir;
  write_task_file(dir.path().string(), r.id, format_task(r));
  const TaskResult back = read_task_file(dir.path().string(), r.id);
  CHECK(format_task(back) == format_task(r));
  CHECK(back.key == r.key);
  CHECK(back.accuracy == r.accuracy);  // bit-exact, not approximately
  CHECK(back.energy_j_digital == r.energy_j_digital);
  CHECK(back.area_m2_analog == r.area_m2_analog);
  REQUIRE(back.actions_analog.size() == 1);
  CHECK(back.actions_analog[0].count == r.actions_analog[0].count);
  CHECK(back.actions_analog[0].energy_j == r.actions_analog[0].energy_j);
  CHECK_FALSE(fs::exists(task_file(dir.path().string(), r.id) + ".tmp"));

  const std::string text = format_task(r);
  CHECK_THROWS_AS(parse_task(text.substr(0, text.size() / 2), "torn"), IoError);
  write_task_file(dir.path().string(), {7, 4}, text);  // the text of task (7, 3)
  CHECK_THROWS_AS(read_task_file(dir.path().string(), {7, 4}), IoError);
}

TEST_CASE("sweep: a failing task is reported, the others are saved, and a resume finishes it") {
  test::TempDir dir;
  const std::string folder = test::copy_test_folder("sweep_failing", dir.path());
  const std::string path = folder + "/experiment.yaml";
  const ExperimentSpec spec = load_experiment(path, false);
  const Registry& registry = builtin_registry();
  const std::string out = dir.file("out");
  SweepOptions o = sweep_options(out, 2);
  std::vector<TaskFailure> reported;
  o.on_failure = [&](const TaskFailure& f) { reported.push_back(f); };
  const SweepOutcome first = run_sweep(spec, o, registry);
  CHECK_FALSE(first.complete);
  CHECK(first.computed == 4);
  REQUIRE(first.failures.size() == 2);
  CHECK(reported.size() == 2);
  for (std::size_t t = 0; t < 2; ++t) {
    CHECK(first.failures[t].id.point == 1);
    CHECK(first.failures[t].id.trial == t);
    CHECK(first.failures[t].message.find("broken.h5") != std::string::npos);
    const std::string report = read_text_file(failure_file(out, {1, t}));
    CHECK(report.find("model=broken.h5") != std::string::npos);
    CHECK(report.find("resolved_config:") != std::string::npos);
  }
  CHECK(
      describe_failure(spec, first.failures[0]).rfind("point 1 (model=broken.h5), trial 0: ", 0) ==
      0);
  for (std::size_t p : {0u, 2u})
    for (std::size_t t = 0; t < 2; ++t) CHECK(fs::exists(task_file(out, {p, t})));
  CHECK_FALSE(fs::exists(fs::path(out) / "results.h5"));

  // Fixed: the resume computes the two failed tasks only and clears the failure reports.
  fs::copy_file(data_dir() + "/models/fmnist_mlp.h5", folder + "/broken.h5",
                fs::copy_options::overwrite_existing);
  SweepOptions again = sweep_options(out, 1);
  again.resume = true;
  const SweepOutcome second = run_sweep(spec, again, registry);
  CHECK(second.complete);
  CHECK(second.skipped == 4);
  CHECK(second.computed == 2);
  CHECK(second.failures.empty());
  CHECK_FALSE(fs::exists(fs::path(out) / "failed"));
  // Points 0 and 1 now run the same model with the same point seed only if their seeds agree;
  // they do not (seeds derive from the point), so only the file's existence is checked here.
  CHECK(fs::exists(fs::path(out) / "results.h5"));
}

TEST_CASE("sweep: a resume with more trials computes only the new trials") {
  test::TempDir dir;
  const std::string spec_text = R"(name: grow
question: can trials be added?
arch: reram
model: fmnist_mlp.h5
limit: 16
calibration_images: 16
trials: 2
seed: 9
metrics: [accuracy]
sweep:
  axes:
    - path: tile.adc.bits
      values: [5, 7]
)";
  const std::string path = dir.write("experiment.yaml", spec_text);
  const Registry& registry = builtin_registry();
  const std::string grown = dir.file("grown"), fresh = dir.file("fresh");
  CHECK(run_sweep(load_experiment(path, false), sweep_options(grown, 1), registry).computed == 4);
  std::string three = spec_text;
  three.replace(three.find("trials: 2"), 9, "trials: 3");
  const std::string path3 = dir.write("experiment3.yaml", three);
  const ExperimentSpec spec3 = load_experiment(path3, false);
  SweepOptions again = sweep_options(grown, 1);
  again.resume = true;
  const SweepOutcome o = run_sweep(spec3, again, registry);
  CHECK(o.complete);
  CHECK(o.skipped == 4);
  CHECK(o.computed == 2);
  CHECK(run_sweep(spec3, sweep_options(fresh, 2), registry).complete);
  CHECK(read_text_file(grown + "/summary.csv") == read_text_file(fresh + "/summary.csv"));
}

TEST_CASE("sweep task: per-action energies add up to the breakdown and to the total") {
  test::TempDir dir;
  const std::string path = dir.write("experiment.yaml", R"(name: actions
question: do the action lines conserve energy?
arch: reram
workload: resnet18
metrics: [energy]
sweep:
  axes:
    - path: arch
      values: [reram, sram]
)");
  const ExperimentSpec spec = load_experiment(path, false);
  const Registry& registry = builtin_registry();
  const std::vector<ArchConfig> archs = validate_experiment(spec, registry);
  TaskContext context(spec);
  for (std::size_t p = 0; p < 2; ++p) {
    CAPTURE(p);
    const TaskResult r = run_task(spec, {p, 0}, archs[p], registry, context);
    REQUIRE(r.has_energy);
    for (const auto& [actions, breakdown, total] :
         {std::tuple{&r.actions_analog, &r.energy_breakdown_analog, r.energy_j_analog},
          std::tuple{&r.actions_digital, &r.energy_breakdown_digital, r.energy_j_digital}}) {
      REQUIRE_FALSE(actions->empty());
      double sum = 0;
      for (const ActionTotal& a : *actions) {
        CHECK(a.count >= 0);
        sum += a.energy_j;
        double component = 0;
        for (const ActionTotal& b : *actions)
          if (b.component == a.component) component += b.energy_j;
        double listed = -1;
        for (const auto& [name, e] : *breakdown)
          if (name == a.component) listed = e;
        CHECK(component == doctest::Approx(listed).epsilon(1e-12));
      }
      // Summation order differs from the report's, so equality holds to rounding only.
      CHECK(sum == doctest::Approx(total).epsilon(1e-12));
    }
  }
}
