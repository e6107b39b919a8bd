// Experiment specs and sweeps: strict loading, early validation, determinism across --jobs,
// resume after an interruption, and the results file's provenance.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sweep_test_support.hpp"
#include "test_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/experiment/experiment.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

const char* kSpec = R"(name: tiny
question: does the sweep machinery work?
arch: reram
model: fmnist_mlp.h5
limit: 500
calibration_images: 32
trials: 3
seed: 42
overrides: [tile.device.stuck_at_gmin_rel=0.0]
held_constant: [tile.mapping]
metrics: [accuracy, energy]
sweep:
  mode: grid
  axes:
    - path: tile.adc.bits
      values: [4, 5, 6, 8]
    - path: tile.device.read_noise_rel
      values: [0.0, 0.02]
quick:
  limit: 24
  trials: 2
  axes:
    - path: tile.adc.bits
      values: [5, 8]
)";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every dataset under /results, dumped as text with h5py (Debian's python3-h5py).
std::string dump_results(const std::string& h5, const test::TempDir& dir, const std::string& tag) {
  const std::string out = dir.file("dump_" + tag + ".txt");
  const std::string cmd =
      "/usr/bin/python3 -c \"import h5py,sys\n"
      "f=h5py.File(sys.argv[1],'r')\n"
      "def v(n,o):\n"
      "  if not (isinstance(o,h5py.Dataset) and n.startswith('results')): return\n"
      "  u=o.attrs['unit']\n"
      "  print(n,u.decode() if isinstance(u,bytes) else u,list(o[()]))\n"
      "f.visititems(v)\" '" +
      h5 + "' > '" + out + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return slurp(out);
}

std::size_t task_files(const std::string& dir) {
  if (!fs::exists(fs::path(dir) / "tasks")) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "tasks"))
    n += e.path().extension() == ".yaml";
  return n;
}

using test::sweep_options;

// kSpec with one text edit, written to experiment.yaml in `dir`.
std::string edited_spec(const test::TempDir& dir, const std::string& from, const std::string& to) {
  std::string text = kSpec;
  text.replace(text.find(from), from.size(), to);
  return dir.write("experiment.yaml", text);
}

// The message of the ConfigError that `f` must throw.
template <typename F>
std::string config_error_of(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("accepted invalid input");
  return "";
}

}  // namespace

TEST_CASE("experiment spec: grid expansion and quick mode") {
  test::TempDir dir;
  const std::string path = dir.write("experiment.yaml", kSpec);
  const ExperimentSpec full = load_experiment(path, false);
  CHECK(full.points.size() == 8);
  CHECK(full.trials == 3);
  CHECK(full.points[1] ==
        SweepPoint{{"tile.adc.bits", "4"}, {"tile.device.read_noise_rel", "0.02"}});
  const ExperimentSpec quick = load_experiment(path, true);
  CHECK(quick.points.size() == 4);
  CHECK(quick.trials == 2);
  CHECK(quick.limit == 24);
  CHECK(quick.text == slurp(path));
}

TEST_CASE("experiment spec: zip and list modes") {
  test::TempDir dir;
  const std::string zip = dir.write("zip.yaml", R"(name: z
question: q
arch: reram
model: fmnist_mlp.h5
sweep:
  mode: zip
  axes:
    - {path: tile.adc.bits, values: [4, 6, 8]}
    - {path: tile.device.read_noise_rel, values: [0.0, 0.01, 0.02]}
)");
  const ExperimentSpec z = load_experiment(zip, false);
  REQUIRE(z.points.size() == 3);
  CHECK(z.points[2] == SweepPoint{{"tile.adc.bits", "8"}, {"tile.device.read_noise_rel", "0.02"}});
  const std::string list = dir.write("list.yaml", R"(name: l
question: q
arch: reram
model: fmnist_mlp.h5
sweep:
  mode: list
  points:
    - {tile.adc.bits: 4}
    - {tile.adc.bits: 8, tile.adc.range: fixed}
)");
  const ExperimentSpec l = load_experiment(list, false);
  REQUIRE(l.points.size() == 2);
  CHECK(l.points[1].size() == 2);
  const std::string bad_zip = dir.write("badzip.yaml", R"(name: z
question: q
arch: reram
model: fmnist_mlp.h5
sweep:
  mode: zip
  axes:
    - {path: tile.adc.bits, values: [4, 6, 8]}
    - {path: tile.device.read_noise_rel, values: [0.0, 0.01]}
)");
  CHECK_THROWS_AS(load_experiment(bad_zip, false), ConfigError);
}

TEST_CASE("experiment spec: an unknown key is rejected naming the file and the key") {
  test::TempDir dir;
  const std::string path = edited_spec(dir, "trials: 3", "trails: 3");
  const std::string what = config_error_of([&] { load_experiment(path, false); });
  CHECK(what.find(path) != std::string::npos);
  CHECK(what.find("trails") != std::string::npos);
}

TEST_CASE("experiment spec: a held-constant path touched by an axis is rejected") {
  test::TempDir dir;
  const std::string path =
      edited_spec(dir, "held_constant: [tile.mapping]", "held_constant: [tile.adc]");
  const std::string what = config_error_of([&] { load_experiment(path, false); });
  CHECK(what.find("held_constant") != std::string::npos);
  CHECK(what.find("tile.adc.bits") != std::string::npos);
}

TEST_CASE("sweep: held-constant paths must exist and be equal at every point") {
  test::TempDir dir;
  const std::string bad =
      edited_spec(dir, "held_constant: [tile.mapping]", "held_constant: [tile.mapingg]");
  CHECK_THROWS_WITH_AS(validate_experiment(load_experiment(bad, true), builtin_registry()),
                       doctest::Contains("not a config path"), ConfigError);
  // Swapping the ADC card changes tile.adc.bits indirectly: caught although no axis names it.
  const std::string indirect = dir.write("indirect.yaml", R"(name: i
question: q
arch: reram
model: fmnist_mlp.h5
held_constant: [tile.adc.energy_model]
sweep:
  mode: list
  points:
    - {tile.adc.card: circuits/adc/isaac_sar_8b.yaml}
    - {tile.adc.card: circuits/adc/murmann_walden_sar.yaml}
)");
  CHECK_THROWS_WITH_AS(validate_experiment(load_experiment(indirect, false), builtin_registry()),
                       doctest::Contains("differs between point 0 and point 1"), ConfigError);
  const ExperimentSpec ok = load_experiment(dir.write("ok.yaml", kSpec), true);
  CHECK(validate_experiment(ok, builtin_registry()).size() == 4);
}

TEST_CASE("sweep: an invalid axis path or value is rejected before any point runs") {
  test::TempDir dir;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"path: tile.adc.bits", "path: tile.adc.bitz"}, {"values: [5, 8]", "values: [5, -3]"}}) {
    std::string text = kSpec;
    text.replace(text.rfind(from), from.size(), to);
    if (from.rfind("path", 0) == 0) text.replace(text.find(from), from.size(), to);
    const std::string path = dir.write("experiment.yaml", text);
    const std::string out = dir.file("out");
    fs::remove_all(out);
    const ExperimentSpec spec = load_experiment(path, true);
    try {
      run_sweep(spec, sweep_options(out, 2), builtin_registry());
      FAIL("ran an invalid sweep");
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      // The bad path fails at the first point; the bad bit count at the first point using it.
      CHECK(what.find(from.rfind("path", 0) == 0 ? "point 0 (" : "point 2 (") != std::string::npos);
      CHECK(what.find(path) != std::string::npos);
    }
    CHECK(task_files(out) == 0);
    CHECK_FALSE(fs::exists(fs::path(out) / "results.h5"));
  }
}

TEST_CASE("sweep: --jobs 1 and --jobs 2 give identical results, and a resume equals a full run") {
  test::TempDir dir;
  const std::string path = dir.write("experiment.yaml", kSpec);
  const ExperimentSpec spec = load_experiment(path, true);
  const Registry& registry = builtin_registry();

  const std::string one = dir.file("jobs1"), two = dir.file("jobs2"), cut = dir.file("cut");
  const SweepOutcome a = run_sweep(spec, sweep_options(one, 1), registry);
  CHECK(a.complete);
  CHECK(a.total == 8);  // 4 points x 2 trials
  CHECK(a.computed == 8);
  const SweepOutcome b = run_sweep(spec, sweep_options(two, 2), registry);
  CHECK(b.complete);
  const std::string dump1 = dump_results(one + "/results.h5", dir, "1");
  CHECK(dump1.find("results/accuracy 1 [") != std::string::npos);
  CHECK(dump1.find("results/energy_j_analog J [") != std::string::npos);
  CHECK(dump1 == dump_results(two + "/results.h5", dir, "2"));
  CHECK(slurp(one + "/summary.csv") == slurp(two + "/summary.csv"));
  for (const TaskId& id : sweep_tasks(spec))
    CHECK(slurp(task_file(one, id)) == slurp(task_file(two, id)));

  // Interrupted after three tasks (test hook), then resumed with a different --jobs.
  SweepOptions first = sweep_options(cut, 1);
  first.stop_after = 3;
  const SweepOutcome c1 = run_sweep(spec, first, registry);
  CHECK_FALSE(c1.complete);
  CHECK(task_files(cut) == 3);
  CHECK_FALSE(fs::exists(fs::path(cut) / "results.h5"));
  // A torn temporary file from the interruption is ignored.
  std::ofstream(task_file(cut, {3, 1}) + ".tmp") << "point: 3\naccur";
  SweepOptions again = sweep_options(cut, 2);
  again.resume = true;
  const SweepOutcome c2 = run_sweep(spec, again, registry);
  CHECK(c2.complete);
  CHECK(c2.skipped == 3);
  CHECK(c2.computed == 5);
  CHECK(dump_results(cut + "/results.h5", dir, "cut") == dump1);
  CHECK(slurp(cut + "/summary.csv") == slurp(one + "/summary.csv"));

  // Deleting a finished task file recomputes only that task; a damaged one is recomputed too.
  fs::remove(task_file(cut, {1, 1}));
  std::ofstream(task_file(cut, {2, 0}), std::ios::trunc) << "point: 2\ntrial: 0\naccuracy: 0.5\n";
  const SweepOutcome c3 = run_sweep(spec, again, registry);
  CHECK(c3.skipped == 6);
  CHECK(c3.computed == 2);
  CHECK(dump_results(cut + "/results.h5", dir, "cut2") == dump1);

  // Resuming with a changed spec (another seed) is refused rather than mixing results.
  ExperimentSpec other = spec;
  other.seed = 43;
  CHECK_THROWS_AS(run_sweep(other, again, registry), ConfigError);
}

TEST_CASE("sweep command: results.h5 carries provenance readable by h5py, and inspect prints it") {
  test::TempDir dir;
  const std::string path = dir.write("experiment.yaml", kSpec);
  const std::string out = dir.file("out");
  const std::string log = dir.file("log.txt");
  const std::string cmd = std::string("'") + XBARSIM_BINARY + "' sweep '" + path +
                          "' --quick --jobs 2 -o '" + out + "' > '" + log + "' 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string check =
      "/usr/bin/python3 -c \"import h5py,sys\n"
      "f=h5py.File(sys.argv[1],'r')\n"
      "for k in ['schema_version','xbarsim_version','git_sha1','command_line','master_seed',"
      "'date_and_time_utc','host']: assert k in f.attrs, k\n"
      "assert int(f.attrs['master_seed'])==42\n"
      "assert 'experiment/experiment_yaml' in f\n"
      "assert 'points/00003/arch_resolved_yaml' in f\n"
      "assert len(f['cards'])>0\n"
      "assert f['results/accuracy'].shape==(4,2)\n"
      "for n in f['results']:\n"
      "  o=f['results'][n]\n"
      "  if isinstance(o,h5py.Dataset): assert 'unit' in o.attrs, n\n"
      "\" '" +
      out + "/results.h5'";
  CHECK(std::system(check.c_str()) == 0);
  const std::string inspect_log = dir.file("inspect.txt");
  const std::string inspect = std::string("'") + XBARSIM_BINARY + "' inspect '" + out +
                              "/results.h5' > '" + inspect_log + "' 2>&1";
  REQUIRE(std::system(inspect.c_str()) == 0);
  const std::string text = slurp(inspect_log);
  CHECK(text.find("master_seed: 42") != std::string::npos);
  CHECK(text.find("tile.adc.bits=8") != std::string::npos);
  // A file with an unknown schema version is refused.
  const std::string bump =
      "/usr/bin/python3 -c \"import h5py,sys\nf=h5py.File(sys.argv[1],'r+')\n"
      "f.attrs['schema_version']=99\" '" +
      out + "/results.h5'";
  REQUIRE(std::system(bump.c_str()) == 0);
  CHECK(std::system(inspect.c_str()) != 0);
  CHECK(slurp(inspect_log).find("schema_version 99") != std::string::npos);
}

TEST_CASE("shipped experiments: specs load and validate, and energy_compare quick runs") {
  const std::string root = XBARSIM_TEST_DATA_DIR "/../../experiments";
  const Registry& registry = builtin_registry();
  for (const std::string study : {"adc_bits", "noise_accuracy", "energy_compare", "drift_accuracy",
                                  "relaxation_accuracy", "ir_drop", "attention_arrays"}) {
    CAPTURE(study);
    const std::string path = root + "/" + study + "/experiment.yaml";
    CHECK(fs::exists(fs::path(root) / study / "README.md"));
    for (bool quick : {false, true}) {
      const ExperimentSpec spec = load_experiment(path, quick);
      CHECK(validate_experiment(spec, registry).size() == spec.points.size());
    }
  }
  test::TempDir dir;
  const ExperimentSpec spec = load_experiment(root + "/energy_compare/experiment.yaml", true);
  const SweepOutcome o = run_sweep(spec, sweep_options(dir.file("out"), 2), registry);
  CHECK(o.complete);
  CHECK(fs::exists(dir.file("out/summary.csv")));
}

TEST_CASE("shipped experiments: the quick modes of adc_bits and noise_accuracy run") {
  // About 30 s on one core: the CNN on 200 images per point.
  const std::string root = XBARSIM_TEST_DATA_DIR "/../../experiments";
  for (const std::string study : {"adc_bits", "noise_accuracy", "drift_accuracy"}) {
    CAPTURE(study);
    test::TempDir dir;
    const ExperimentSpec spec = load_experiment(root + "/" + study + "/experiment.yaml", true);
    const SweepOutcome o = run_sweep(spec, sweep_options(dir.file("out"), 1), builtin_registry());
    CHECK(o.complete);
    CHECK(o.computed == sweep_tasks(spec).size());
    const std::string csv = slurp(dir.file("out/summary.csv"));
    CHECK(csv.find("accuracy_ci95_high") != std::string::npos);
  }
}

TEST_CASE("experiment spec: folders named like a shipped arch or workload do not hide it") {
  test::TempDir dir;
  const std::string path =
      dir.write("experiment.yaml",
                "name: shadow\nquestion: q\narch: reram\nworkload: fmnist_cnn\n"
                "metrics: [energy]\nsweep:\n  mode: list\n  points:\n"
                "    - {arch: sram}\n    - {arch: mine.yaml}\n");
  for (const char* name : {"reram", "sram", "fmnist_cnn"}) fs::create_directory(dir.path() / name);
  fs::copy_file(fs::path(data_dir()) / "arch" / "ideal.yaml", dir.path() / "mine.yaml");
  const ExperimentSpec spec = load_experiment(path, false);
  const PointSetup shipped = point_setup(spec, 0);
  CHECK(fs::equivalent(shipped.arch_path, fs::path(data_dir()) / "arch" / "sram.yaml"));
  CHECK(fs::equivalent(shipped.workload, fs::path(data_dir()) / "workloads" / "fmnist_cnn.yaml"));
  // A file next to the spec is still found there.
  CHECK(fs::equivalent(point_setup(spec, 1).arch_path, dir.path() / "mine.yaml"));
}

TEST_CASE("summary.csv of a list sweep has a column for every key any point sets") {
  // Point 0 sets one key, point 1 two: the second key gets its own column, empty at point 0,
  // and every record has as many fields as the header.
  test::TempDir dir;
  const std::string path = dir.write("experiment.yaml",
                                     "name: keys\nquestion: q\narch: sram\nworkload: fmnist_mlp\n"
                                     "metrics: [energy]\nsweep:\n  mode: list\n  points:\n"
                                     "    - {chip.tiles: 64}\n"
                                     "    - {chip.tiles: 128, attention.products: in_memory}\n");
  const ExperimentSpec spec = load_experiment(path, false);
  const SweepOutcome o = run_sweep(spec, sweep_options(dir.file("out"), 1), builtin_registry());
  REQUIRE(o.complete);
  std::istringstream csv(slurp(dir.file("out/summary.csv")));
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv, line);) lines.push_back(line);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("point,chip.tiles,attention.products,", 0) == 0);
  CHECK(lines[1].rfind("0,64,,", 0) == 0);
  CHECK(lines[2].rfind("1,128,in_memory,", 0) == 0);
  const auto fields = [](const std::string& l) { return std::count(l.begin(), l.end(), ',') + 1; };
  CHECK(fields(lines[1]) == fields(lines[0]));
  CHECK(fields(lines[2]) == fields(lines[0]));
}
