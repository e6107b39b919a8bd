// Command-line conventions (issue 14, section 4, and logging): --help shows defaults, an
// unknown command is named, ranges read as bounds, --set errors name the argument, `list`
// shows the shipped files, a folder does not hide a shipped name, and --quiet / --verbose
// decide what reaches stderr while stdout keeps the results.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../src/app/energy_command.hpp"
#include "../src/app/eval_command.hpp"
#include "../src/app/mvm_command.hpp"
#include "../src/app/sweep_command.hpp"
#include "app/cli_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/strings.hpp"
#include "xbarsim/experiment/experiment.hpp"
#include "xbarsim/system/validation.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;
using namespace xbarsim::cli_test;

const std::vector<std::string> kCommands = {"mvm",      "eval",  "energy",  "list",
                                            "describe", "sweep", "inspect", "validate"};

// The help entry of `option`: the line that names it, and the next one when the description
// was moved there (CLI11 does so when the name column is full); "" when there is none.
std::string help_line(const std::string& help, const std::string& option) {
  std::istringstream in(help);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(option);
    if (at != std::string::npos &&
        (at + option.size() == line.size() || line[at + option.size()] == ' ' ||
         line[at + option.size()] == ',')) {
      std::string next;
      if (std::getline(in, next) && !next.empty() && next.find_first_not_of(' ') > 2)
        line += " " + next;
      return line;
    }
  }
  return "";
}

// A number printed with more digits than any bound a person types: the 309-digit DBL_MAX or
// the 19-digit int64 limit that CLI11's Range prints.
bool has_huge_number(const std::string& text) {
  return std::regex_search(text, std::regex("[0-9]{13,}")) ||
         text.find("e+308") != std::string::npos || text.find("1.79769") != std::string::npos;
}

TEST_CASE("--help of every command shows the defaults of its options") {
  const app::EvalOptions eval;
  const app::MvmOptions mvm;
  const app::EnergyOptions energy;
  const app::SweepOptions sweep;
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      expected = {
          {"eval",
           {{"--trials", std::to_string(eval.trials)},
            {"--seed", std::to_string(eval.seed)},
            {"--batch", std::to_string(eval.batch)},
            {"--calibration-images", std::to_string(eval.calibration_images)},
            {"--limit", std::to_string(eval.limit)},
            {"--threads", std::to_string(eval.threads)},
            {"--dataset", eval.dataset},
            {"--format", eval.format}}},
          {"mvm",
           {{"--rows", std::to_string(mvm.rows)},
            {"--cols", std::to_string(mvm.cols)},
            {"--batch", std::to_string(mvm.batch)},
            {"--seed", std::to_string(mvm.seed)},
            {"--format", mvm.format}}},
          {"energy", {{"--batch", shortest_number(energy.batch)}, {"--format", energy.format}}},
          {"sweep", {{"--jobs", std::to_string(sweep.jobs)}}},
      };
  for (const auto& [command, options] : expected) {
    const Run r = xbarsim(command + " --help");
    REQUIRE(r.code == 0);
    for (const auto& [option, value] : options) {
      CAPTURE(command);
      CAPTURE(option);
      const std::string line = help_line(r.out, option);
      REQUIRE_MESSAGE(!line.empty(), r.out);
      // CLI11 prints doubles with its own stream: compare the value, not the spelling.
      const auto at = line.find("(default: ");
      REQUIRE_MESSAGE(at != std::string::npos, line);
      const std::string shown = line.substr(at + 10, line.find(')', at) - at - 10);
      if (option == "--batch" && command == "energy")
        CHECK(std::stod(shown) == energy.batch);
      else
        CHECK(shown == value);
    }
  }
  // Every command's --help works, and no bound is a 309-digit number.
  for (const std::string& command : kCommands) {
    CAPTURE(command);
    const Run r = xbarsim(command + " --help");
    CHECK(r.code == 0);
    CHECK_FALSE(has_huge_number(r.out));
  }
}

TEST_CASE("an unknown command is named with the list of commands, exit 2") {
  for (const std::string args : {"foo", "--quiet foo", "frobnicate reram"}) {
    CAPTURE(args);
    const Run r = xbarsim(args);
    check_bad_input(r);
    const std::string word = args.find("foo") != std::string::npos ? "foo" : "frobnicate";
    CHECK_CONTAINS(r.err, "unknown command '" + word + "'");
    for (const std::string& c : kCommands) CHECK_CONTAINS(r.err, c);
  }
}

TEST_CASE("out-of-range options print readable bounds and name the option") {
  struct Case {
    std::string args, option, bound;
  };
  const std::string mlp =
      "--model '" + std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/models/fmnist_mlp.h5'";
  const std::vector<Case> cases = {
      {"mvm ideal --rows 0", "--rows", ">= 1"},
      {"mvm ideal --batch -1", "--batch", ">= 1"},
      {"mvm ideal --threads -2", "--threads", ">= 0"},
      {"mvm ideal --input-range 0", "--input-range", "> 0"},
      {"eval ideal " + mlp + " --trials 0", "--trials", ">= 1"},
      {"eval ideal " + mlp + " --limit -1", "--limit", ">= 0"},
      {"eval ideal " + mlp + " --calibration-images 0", "--calibration-images", ">= 1"},
      {"energy reram --workload fmnist_cnn --batch 0.5", "--batch", "in [1, 1e+12]"},
      {"energy reram --workload fmnist_cnn --inferences-per-load -1", "--inferences-per-load",
       "in [0, 1e+18]"},
      {"sweep x.yaml --jobs 0", "--jobs", "in [1, 1024]"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    const Run r = xbarsim(c.args);
    check_bad_input(r);
    CHECK(r.err.rfind("xbarsim: error: " + c.option + ": ", 0) == 0);
    CHECK_CONTAINS(r.err, c.bound);
    CHECK_FALSE(has_huge_number(r.err));
  }
}

TEST_CASE("a negative --seed is refused, naming --seed, not wrapped to a huge seed") {
  const std::string mlp =
      "--model '" + std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/models/fmnist_mlp.h5'";
  for (const std::string& args :
       std::vector<std::string>{"mvm ideal --rows 4 --cols 4 --batch 2 --seed -1",
                                "eval ideal " + mlp + " --limit 10 --seed -3",
                                "mvm ideal --rows 4 --cols 4 --batch 2 --seed 1.5"}) {
    CAPTURE(args);
    const Run r = xbarsim(args);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "--seed");
  }
  // The largest seed is still one.
  const Run max = xbarsim("mvm ideal --rows 4 --cols 4 --batch 2 --seed 18446744073709551615");
  CHECK(max.code == 0);
}

TEST_CASE("a config value out of range reads its bounds in their shortest form") {
  // Every real parameter of the device model: each bound as the shortest text of the double
  // (open-ended bounds are covered by the bounds_text test of the config suite).
  const ModelSpec& device = builtin_registry().spec("reram.multilevel");
  int checked = 0;
  for (const ParamSpec& p : device.params) {
    if (p.type != ParamType::kReal) continue;
    CAPTURE(p.key);
    const std::string arg = "tile.device." + p.key + "=" + shortest_number(p.min - 1);
    const Run r = xbarsim("mvm reram --rows 4 --cols 4 --batch 2 --set " + arg);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "--set " + arg + ": ");
    CHECK_CONTAINS(r.err, "in [" + shortest_number(p.min) + ", " + shortest_number(p.max) + "]");
    CHECK_FALSE(has_huge_number(r.err));
    ++checked;
  }
  CHECK(checked > 3);
}

TEST_CASE("--set errors name the --set argument as given, with its value") {
  const ParamSpec* bits = builtin_registry().spec("adc.quantizing").find("bits");
  REQUIRE(bits != nullptr);
  const std::string too_many = std::to_string(static_cast<std::int64_t>(bits->max) + 83);
  const Run r = xbarsim("mvm reram --rows 4 --cols 4 --set tile.adc.bits=" + too_many);
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "--set tile.adc.bits=" + too_many + ":");
  CHECK_CONTAINS(r.err, "in [" + std::to_string(static_cast<std::int64_t>(bits->min)) + ", " +
                            std::to_string(static_cast<std::int64_t>(bits->max)) + "]");
  CHECK(r.err.find(data_dir() + "/cards") == std::string::npos);  // not the card's fault
  const Run unknown = xbarsim("mvm reram --rows 4 --cols 4 --set tile.adc.bitz=5");
  check_bad_input(unknown);
  CHECK_CONTAINS(unknown.err, "--set tile.adc.bitz=5:");
  const Run malformed = xbarsim("mvm reram --rows 4 --cols 4 --set tile.adc.bits");
  check_bad_input(malformed);
  CHECK_CONTAINS(malformed.err, "--set tile.adc.bits:");
  CHECK_CONTAINS(malformed.err, "path=value");
}

// Relative paths of the *.yaml files under `folder`, without .yaml when `strip`.
std::vector<std::string> shipped(const fs::path& folder, bool strip, bool recursive) {
  std::vector<std::string> out;
  const auto add = [&](const fs::path& p) {
    if (p.extension() != ".yaml" || !fs::is_regular_file(p)) return;
    const std::string rel = p.lexically_relative(folder).string();
    out.push_back(strip ? rel.substr(0, rel.size() - 5) : rel);
  };
  if (recursive) {
    for (const auto& e : fs::recursive_directory_iterator(folder)) add(e.path());
  } else {
    for (const auto& e : fs::directory_iterator(folder)) add(e.path());
  }
  return out;
}

// The first word of each entry of the section of `text` whose heading starts with `title`
// (its lines up to the next blank line).
std::set<std::string> section(const std::string& text, const std::string& title) {
  std::set<std::string> names;
  const auto start = text.find("\n" + title);
  if (start == std::string::npos) return names;
  std::istringstream in(text.substr(start + 1));
  std::string line;
  std::getline(in, line);  // the heading
  while (std::getline(in, line) && !line.empty()) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    names.insert(first);
  }
  return names;
}

TEST_CASE("list shows the shipped architectures, workloads, cards and validation designs") {
  const Run r = xbarsim("list");
  REQUIRE(r.code == 0);
  const fs::path data = data_dir();
  struct Section {
    std::string title;
    std::vector<std::string> names;
  };
  const std::vector<Section> sections = {
      {"architectures", shipped(data / "arch", true, false)},
      {"digital baselines", shipped(data / "arch" / "digital", false, false)},
      {"workloads", shipped(data / "workloads", true, false)},
      {"cards", shipped(data / "cards", false, true)},
      {"validation designs", validation_design_names()},
  };
  for (const Section& s : sections) {
    CAPTURE(s.title);
    REQUIRE(!s.names.empty());
    CHECK(section(r.out, s.title) == std::set<std::string>(s.names.begin(), s.names.end()));
  }
  // The shipped names the README promises are there.
  for (const char* arch : {"ideal", "reram", "sram", "isaac", "neurosim_rram"})
    CHECK(section(r.out, "architectures").count(arch) == 1);
}

TEST_CASE("a folder named like a shipped architecture or workload does not hide it") {
  TempDir dir;
  fs::create_directory(dir.path() / "ideal");
  fs::create_directory(dir.path() / "fmnist_cnn");
  const Run mvm = xbarsim("mvm ideal --rows 4 --cols 3 --batch 2 --format json", dir.path());
  CAPTURE(mvm.err);
  CHECK(mvm.code == 0);
  const Run energy =
      xbarsim("energy reram --workload fmnist_cnn --batch 1 --format json", dir.path());
  CAPTURE(energy.err);
  CHECK(energy.code == 0);
  // A regular file of that name is a path, and what it holds is loaded (here: nothing valid).
  std::ofstream(dir.path() / "sram") << "not: [an architecture\n";
  const Run file = xbarsim("mvm sram --rows 4 --cols 3 --batch 2", dir.path());
  check_bad_input(file);
  CHECK_CONTAINS(file.err, "sram");
  CHECK(file.err.find(data_dir()) == std::string::npos);
  // A name that is neither is refused with the shipped names.
  const Run unknown = xbarsim("mvm no_such_arch --rows 4 --cols 3 --batch 2", dir.path());
  check_bad_input(unknown);
  CHECK_CONTAINS(unknown.err, "no_such_arch");
  for (const std::string& name : shipped(fs::path(data_dir()) / "arch", true, false))
    CHECK_CONTAINS(unknown.err, name);
}

// A finished quick sweep of energy_compare (energy only, well under a second) with one task
// file cut in half: the resume warns that it recomputes it.
struct TornSweep {
  TempDir dir;
  std::string spec = (fs::path(XBARSIM_TEST_SOURCE_DATA_DIR).parent_path() / "experiments" /
                      "energy_compare" / "experiment.yaml")
                         .string();
  std::string out = dir.file("out");
  TornSweep() {
    const Run first = xbarsim("sweep '" + spec + "' --quick -o '" + out + "'");
    REQUIRE_MESSAGE(first.code == 0, first.err);
  }
  void tear() const {
    const std::string task = out + "/tasks/point_00000_trial_0000.yaml";
    const std::string text = read_text(task);
    REQUIRE(!text.empty());
    std::ofstream(task, std::ios::binary | std::ios::trunc) << text.substr(0, text.size() / 2);
  }
  std::size_t tasks() const { return sweep_tasks(load_experiment(spec, true)).size(); }
  Run resume(const std::string& flags) const {
    return xbarsim(flags + " sweep '" + spec + "' --quick --resume -o '" + out + "'");
  }
};

TEST_CASE("sweep: a known warning is shown by default and suppressed by --quiet") {
  const TornSweep sweep;
  sweep.tear();
  const Run warned = sweep.resume("");
  REQUIRE_MESSAGE(warned.code == 0, warned.err);
  CHECK_CONTAINS(warned.err, "xbarsim: warning: sweep: ");
  CHECK_CONTAINS(warned.err, "point_00000_trial_0000.yaml");
  CHECK_CONTAINS(warned.err, "recomputing");
  CHECK_CONTAINS(warned.err, "done (");  // progress, stderr not being a terminal
  // The same again under --quiet, before or after the command: nothing on stderr at all, the
  // results still on stdout.
  for (const std::string& flags : {std::string("--quiet"), std::string("-q")}) {
    sweep.tear();
    const Run quiet =
        flags == "-q"
            ? xbarsim("sweep '" + sweep.spec + "' --quick --resume -o '" + sweep.out + "' -q")
            : sweep.resume(flags);
    CAPTURE(flags);
    REQUIRE(quiet.code == 0);
    CHECK(quiet.err.empty());
    CHECK_CONTAINS(quiet.out,
                   "1 tasks computed, " + std::to_string(sweep.tasks() - 1) + " resumed");
  }
}

TEST_CASE("--verbose shows debug lines on stderr, before or after the command") {
  for (const std::string args : {"--verbose mvm ideal --rows 4 --cols 3 --batch 2",
                                 "mvm ideal --rows 4 --cols 3 --batch 2 --verbose",
                                 "mvm ideal -v --rows 4 --cols 3 --batch 2"}) {
    CAPTURE(args);
    const Run r = xbarsim(args);
    REQUIRE(r.code == 0);
    CHECK_CONTAINS(r.err, "xbarsim: debug: architecture file: " +
                              (fs::path(data_dir()) / "arch" / "ideal.yaml").string());
    CHECK(r.out.find("debug") == std::string::npos);
  }
  const Run normal = xbarsim("mvm ideal --rows 4 --cols 3 --batch 2");
  REQUIRE(normal.code == 0);
  CHECK(normal.err.find("debug") == std::string::npos);
  check_bad_input(xbarsim("--verbose --quiet mvm ideal --rows 4 --cols 3 --batch 2"));
  // Errors stay under --quiet, with their exit code.
  const Run error = xbarsim("--quiet mvm ideal --rows 4 --cols 3 --batch 2 --set tile.rowz=3");
  check_bad_input(error);
  CHECK_CONTAINS(error.err, "xbarsim: error: ");
}

}  // namespace
}  // namespace xbarsim
