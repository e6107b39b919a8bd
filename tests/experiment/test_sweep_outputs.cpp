// A sweep's output folder: it writes only into its own folders (marked by a manifest) or empty
// ones, removes only the failure reports it wrote, and a task file that is not a regular file
// (here a folder) is a clear error with exit code 2, not an exception escaping a thread.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sweep_test_support.hpp"
#include "test_support.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/experiment/experiment.hpp"
#include "xbarsim/io/text_file.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

// Two points, two trials, a few images: the smallest sweep worth resuming.
const char* kSpec = R"(name: outputs
question: does the sweep keep to its own folder?
arch: reram
model: fmnist_mlp.h5
limit: 8
calibration_images: 8
trials: 2
seed: 11
metrics: [accuracy]
sweep:
  mode: list
  points:
    - {tile.adc.bits: 6}
    - {tile.adc.bits: 8}
)";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Run {
  bool exited = false;
  int code = -1;
  std::string err;
};

Run sweep_cli(const test::TempDir& dir, const std::string& spec, const std::string& args) {
  const std::string log = dir.file("sweep_stderr.txt");
  const std::string cmd = std::string("'") + XBARSIM_BINARY + "' sweep '" + spec + "' " + args +
                          " > /dev/null 2> '" + log + "'";
  const int status = std::system(cmd.c_str());
  Run r;
  r.exited = WIFEXITED(status);
  r.code = r.exited ? WEXITSTATUS(status) : -1;
  r.err = slurp(log);
  return r;
}

}  // namespace

TEST_CASE("sweep: a task file replaced by a folder, with --resume --jobs 2, is exit code 2") {
  test::TempDir dir;
  const std::string spec = dir.write("experiment.yaml", kSpec);
  const std::string out = dir.file("out");
  REQUIRE(sweep_cli(dir, spec, "--stop-after 2 -o '" + out + "'").code == 1);  // incomplete
  const std::string task = task_file(out, {0, 1});
  fs::remove(task);
  fs::create_directories(fs::path(task) / "inside");
  const Run r = sweep_cli(dir, spec, "--resume --jobs 2 -o '" + out + "'");
  CAPTURE(r.err);
  REQUIRE_MESSAGE(r.exited, "killed by a signal (an exception escaped a thread?)");
  CHECK(r.code == 2);
  CHECK(r.err.find(task) != std::string::npos);
  CHECK(r.err.find("not a regular file") != std::string::npos);
  CHECK(r.err.find("terminate") == std::string::npos);
  CHECK(fs::is_directory(fs::path(task) / "inside"));  // left alone
}

TEST_CASE("sweep: a task whose file cannot be saved is a reported failure, not a crash") {
  // The tasks folder is replaced by a file after the first save, so every later save fails
  // inside a worker thread (a std::filesystem error before the fix, which escaped the thread).
  test::TempDir dir;
  const std::string spec_path = dir.write("experiment.yaml", kSpec);
  const ExperimentSpec spec = load_experiment(spec_path, false);
  const std::string out = dir.file("out");
  SweepOptions o = test::sweep_options(out, 2);
  const SweepOutcome first = run_sweep(spec, o, builtin_registry());
  REQUIRE(first.complete);
  fs::remove_all(fs::path(out) / "tasks");
  SweepOptions again = test::sweep_options(out, 2);
  std::vector<TaskFailure> failures;
  again.on_failure = [&](const TaskFailure& f) { failures.push_back(f); };
  again.on_task = [&](std::size_t, std::size_t, TaskId) {
    std::error_code ec;
    if (fs::is_directory(fs::path(out) / "tasks")) {
      fs::remove_all(fs::path(out) / "tasks", ec);
      std::ofstream(fs::path(out) / "tasks") << "not a folder\n";
    }
  };
  const SweepOutcome second = run_sweep(spec, again, builtin_registry());
  CHECK_FALSE(second.complete);
  CHECK_FALSE(second.failures.empty());
  for (const TaskFailure& f : second.failures)
    CHECK(f.message.find("cannot save the result") != std::string::npos);
}

TEST_CASE("sweep: refuses a non-empty folder that is not its own, and adopts an empty one") {
  test::TempDir dir;
  const std::string spec_path = dir.write("experiment.yaml", kSpec);
  const ExperimentSpec spec = load_experiment(spec_path, false);
  const std::string foreign = dir.file("thesis");
  fs::create_directories(fs::path(foreign) / "failed");
  std::ofstream(fs::path(foreign) / "chapter1.tex") << "precious\n";
  std::ofstream(fs::path(foreign) / "failed" / "notes.txt") << "precious too\n";
  try {
    run_sweep(spec, test::sweep_options(foreign, 1), builtin_registry());
    FAIL("wrote into a foreign folder");
  } catch (const IoError& e) {
    const std::string what = e.what();
    CHECK(what.find(foreign) != std::string::npos);
    CHECK(what.find("not an xbarsim sweep folder") != std::string::npos);
  }
  CHECK(slurp(foreign + "/chapter1.tex") == "precious\n");
  CHECK(slurp(foreign + "/failed/notes.txt") == "precious too\n");
  CHECK_FALSE(fs::exists(fs::path(foreign) / "tasks"));
  CHECK_FALSE(fs::exists(sweep_manifest_file(foreign)));

  const std::string empty = dir.file("empty");
  fs::create_directories(empty);
  CHECK(run_sweep(spec, test::sweep_options(empty, 1), builtin_registry()).complete);
  CHECK(fs::exists(sweep_manifest_file(empty)));
  // Its own folder now: a second run may write into it.
  CHECK(run_sweep(spec, test::sweep_options(empty, 1), builtin_registry()).complete);

  const std::string file = dir.write("a_file", "x");
  CHECK_THROWS_AS(run_sweep(spec, test::sweep_options(file, 1), builtin_registry()), IoError);
}

TEST_CASE("sweep: removes only the failure reports it wrote itself") {
  test::TempDir dir;
  const std::string spec_path = dir.write("experiment.yaml", kSpec);
  const ExperimentSpec spec = load_experiment(spec_path, false);
  const std::string out = dir.file("out");
  REQUIRE(run_sweep(spec, test::sweep_options(out, 1), builtin_registry()).complete);
  // One genuine report, one foreign file with a report's name, one foreign file.
  write_failure_file(out, {{0, 1}, "boom"}, "tile.adc.bits=6", "tile: {}\n");
  const std::string own = failure_file(out, {0, 1});
  REQUIRE(is_own_failure_file(own));
  const std::string impostor = failure_file(out, {1, 0});
  std::ofstream(impostor) << "my own notes, named like a report\n";
  const std::string notes = (fs::path(out) / "failed" / "notes.txt").string();
  std::ofstream(notes) << "notes\n";
  CHECK_FALSE(is_own_failure_file(impostor));

  REQUIRE(run_sweep(spec, test::sweep_options(out, 1), builtin_registry()).complete);
  CHECK_FALSE(fs::exists(own));
  CHECK(slurp(impostor) == "my own notes, named like a report\n");
  CHECK(slurp(notes) == "notes\n");
}

TEST_CASE("sweep: results.h5 that is a folder is refused before any task runs") {
  test::TempDir dir;
  const std::string spec_path = dir.write("experiment.yaml", kSpec);
  const ExperimentSpec spec = load_experiment(spec_path, false);
  const std::string out = dir.file("out");
  REQUIRE(run_sweep(spec, test::sweep_options(out, 1), builtin_registry()).complete);
  fs::remove(fs::path(out) / "results.h5");
  fs::create_directory(fs::path(out) / "results.h5");
  SweepOptions o = test::sweep_options(out, 1);
  std::size_t ran = 0;
  o.on_task = [&](std::size_t, std::size_t, TaskId) { ++ran; };
  CHECK_THROWS_AS(run_sweep(spec, o, builtin_registry()), IoError);
  CHECK(ran == 0);
}
