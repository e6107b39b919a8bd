// Torn and garbled task files (issue 15, §3): never read as a result; --resume names them in a
// warning and recomputes them, ending with the uninterrupted run's files.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "sweep_test_support.hpp"
#include "test_support.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/experiment/experiment.hpp"
#include "xbarsim/io/text_file.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

TaskResult rich_task() {
  TaskResult r;
  r.id = {2, 1};
  r.key = "tile.adc.bits=6 trial=1";
  r.has_accuracy = true;
  r.accuracy = 0.8125;
  r.has_energy = true;
  r.images = 96;
  r.energy_j_analog = 1.0 / 3.0;
  r.energy_j_digital = 2.5e-6;
  r.latency_s_analog = 3e-7;
  r.latency_s_digital = 4e-6;
  r.area_m2_analog = 1e-6;
  r.area_m2_digital = 2e-6;
  r.energy_breakdown_analog = {{"adc", 0.25}, {"dac", 1e-30}};
  r.actions_analog = {{"adc", "conversion", 1234.0, 0.25}};
  r.counts = {{"adc_conversions", 98765.0}};
  return r;
}

void write_bytes(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

std::string soak_spec() {
  return std::string(XBARSIM_TEST_DATA_DIR) + "/sweep_soak/experiment.yaml";
}

}  // namespace

TEST_CASE("task files: every cut and every changed byte is detected") {
  const std::string text = format_task(rich_task());
  REQUIRE(parse_task(text, "whole").accuracy == 0.8125);
  // A file can be cut anywhere (a full disk, a partial copy, a writer without the rename);
  // the cut right before the final newline included.
  for (std::size_t n = 0; n < text.size(); ++n)
    CHECK_THROWS_AS(parse_task(text.substr(0, n), "cut"), IoError);
  // FNV-1a changes with any single byte (each step is a bijection of the state), so every
  // flipped bit below is caught by the checksum, or breaks its line or the final newline.
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string garbled = text;
    garbled[i] = static_cast<char>(garbled[i] ^ 0x04);
    CHECK_THROWS_AS(parse_task(garbled, "garbled"), IoError);
  }
  // A file from before the checksum: complete, but no longer trusted.
  const std::string old = text.substr(0, text.find("checksum: "));
  CHECK_THROWS_WITH_AS(parse_task(old, "old.yaml"),
                       doctest::Contains("old.yaml: task result is torn or damaged"), IoError);
}

TEST_CASE("sweep --resume: a torn or garbled task file is reported and recomputed") {
  test::TempDir dir;
  const ExperimentSpec spec = load_experiment(soak_spec(), false);
  const Registry& registry = builtin_registry();
  const std::string ref = dir.file("reference");
  REQUIRE(run_sweep(spec, test::sweep_options(ref, 2), registry).complete);
  const TaskId victim{1, 1};
  const std::string whole = read_text_file(task_file(ref, victim));
  const std::string summary = read_text_file(ref + "/summary.csv");
  const std::size_t complete_at = whole.find("complete: true");
  REQUIRE(complete_at != std::string::npos);

  struct Damage {
    const char* what;
    std::string text;
  };
  std::string garbled = whole;
  char& digit = garbled[whole.find("accuracy: ") + 12];  // one digit of the accuracy
  digit = static_cast<char>(digit ^ 0x01);
  const std::vector<Damage> damages = {
      {"empty", ""},
      {"one byte", whole.substr(0, 1)},
      {"cut in half", whole.substr(0, whole.size() / 2)},
      {"cut before the end marker", whole.substr(0, complete_at)},
      {"cut inside the checksum", whole.substr(0, whole.size() - 5)},
      {"no final newline", whole.substr(0, whole.size() - 1)},
      {"a changed digit", garbled},
  };
  for (const Damage& d : damages) {
    CAPTURE(d.what);
    const std::string out = dir.file(std::string("resumed_") + std::to_string(&d - &damages[0]));
    fs::copy(ref, out, fs::copy_options::recursive);
    fs::remove(out + "/results.h5");
    fs::remove(out + "/summary.csv");
    const std::string path = task_file(out, victim);
    write_bytes(path, d.text);

    SweepOptions o = test::sweep_options(out, 1);
    o.resume = true;
    std::vector<std::string> warned;
    o.on_warning = [&](const std::string& w) { warned.push_back(w); };
    const SweepOutcome r = run_sweep(spec, o, registry);
    CHECK(r.complete);
    CHECK(r.computed == 1);
    CHECK(r.skipped == 5);
    REQUIRE(warned.size() == 1);
    CHECK(warned == r.warnings);
    CHECK(warned[0].find(path) != std::string::npos);
    CHECK(warned[0].find("recomputing") != std::string::npos);
    CHECK(read_text_file(path) == whole);
    CHECK(read_text_file(out + "/summary.csv") == summary);
  }
}

TEST_CASE("sweep --resume: temporaries left by a killed run are removed") {
  test::TempDir dir;
  const ExperimentSpec spec = load_experiment(soak_spec(), false);
  const std::string out = dir.file("out");
  SweepOptions o = test::sweep_options(out, 2);
  o.stop_after = 0;  // claims and prepares the folder, computes nothing
  REQUIRE_FALSE(run_sweep(spec, o, builtin_registry()).complete);
  // What a kill leaves: a task file's temporary, summary.csv's, and results.h5's of a process
  // that is gone (pid 2^22 + 1 is above Linux's pid_max default of 2^22). A results temporary
  // of a live process (ours, 1 = init) and a user's file of a similar name stay.
  const std::string task_tmp = task_file(out, {0, 0}) + ".tmp";
  const std::vector<std::string> stale = {task_tmp, out + "/summary.csv.tmp",
                                          out + "/results.h5.tmp.4194305"};
  const std::vector<std::string> kept = {out + "/results.h5.tmp.1", out + "/results.h5.tmp.x",
                                         out + "/notes.txt"};
  for (const std::string& p : stale) write_bytes(p, "torn");
  for (const std::string& p : kept) write_bytes(p, "keep");
  o.stop_after = -1;
  o.resume = true;
  CHECK(run_sweep(spec, o, builtin_registry()).complete);
  for (const std::string& p : stale) CHECK_MESSAGE(!fs::exists(p), p);
  for (const std::string& p : kept) CHECK_MESSAGE(fs::exists(p), p);
}

TEST_CASE("sweep: a folder a kill left while the sweep claimed it is adopted, not refused") {
  test::TempDir dir;
  const ExperimentSpec spec = load_experiment(soak_spec(), false);
  const std::string out = dir.file("out");
  fs::create_directories(out);
  // Killed while writing the manifest: its temporary, torn, is all the folder holds.
  write_bytes(out + "/.xbarsim-sweep.tmp", "# xbarsim sweep out");
  SweepOptions o = test::sweep_options(out, 1);
  o.stop_after = 0;
  run_sweep(spec, o, builtin_registry());
  CHECK(fs::exists(out + "/.xbarsim-sweep"));
  CHECK_FALSE(fs::exists(out + "/.xbarsim-sweep.tmp"));
  // With anything else beside it the folder is not the sweep's, and is left alone.
  const std::string other = dir.file("other");
  fs::create_directories(other);
  write_bytes(other + "/.xbarsim-sweep.tmp", "# xbarsim sweep out");
  write_bytes(other + "/notes.txt", "mine");
  SweepOptions p = test::sweep_options(other, 1);
  CHECK_THROWS_WITH_AS(run_sweep(spec, p, builtin_registry()),
                       doctest::Contains("is not an xbarsim sweep folder"), IoError);
  CHECK(fs::exists(other + "/notes.txt"));
}
