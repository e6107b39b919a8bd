// `xbarsim optimize` as a user runs it: bad input stops before any work with exit code 2 and
// names the culprit; the results do not depend on --jobs, and a run stopped and resumed
// equals one that was not.
#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "app/cli_support.hpp"

namespace xbarsim {

using cli_test::check_bad_input;
using cli_test::read_text;
using cli_test::TempDir;

namespace {

std::string source_data(const std::string& rel) {
  return std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/" + rel;
}

// A small problem: the MLP's 3 layers, ADC bits 3..6, 160 search images, 200 test images.
std::string small_run(const std::string& out, const std::string& extra) {
  return "optimize sram --model '" + source_data("models/fmnist_mlp.h5") +
         "' --max-accuracy-drop 0.02 --range tile.adc.bits=3:6 --trials 2 --search-images 160 "
         "--calibration-images 64 --test-images 200 --batch 64 --seed 5 -o '" +
         out + "' " + extra;
}

}  // namespace

TEST_CASE("optimize: each bad input exits 2 before any work and names itself") {
  TempDir dir;
  const std::string model =
      " --model '" + source_data("models/fmnist_mlp.h5") + "' -o '" + dir.file("out") + "'";
  struct Case {
    std::string args, named;
  };
  const std::vector<Case> cases = {
      {"--max-accuracy-drop 0", "--max-accuracy-drop"},
      {"--max-accuracy-drop 1", "--max-accuracy-drop"},
      {"--max-accuracy-drop -0.1", "--max-accuracy-drop"},
      {"--knobs chip.tiles", "chip.tiles"},
      {"--knobs tile.adc.no_such_key", "tile.adc.no_such_key"},
      {"--knobs tile.adc.range", "tile.adc.range"},
      {"--range tile.adc.bits=0:10", "tile.adc.bits"},
      {"--range tile.adc.bits=3:40", "declared range"},
      {"--range tile.adc.bits=3-10", "KEY=LO:HI"},
      {"--range tile.adc.bits=9:3", "LO must not exceed HI"},
      {"--range tile.dac.bits=1:2", "not one of the knobs"},
      {"--objective speed", "speed"},
      {"--search-images 60000", "--search-images"},
      {"--confidence 1", "--confidence"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    const cli_test::Run r = cli_test::xbarsim("optimize sram" + model + " " + c.args);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, c.named);
    // Before any work: nothing evaluated, no results.
    CHECK(!std::filesystem::exists(dir.file("out/evaluations")));
  }
  // Attention on rewritten arrays is not among the optimizer's knobs: refused, naming the key
  // and how to turn it off.
  const cli_test::Run vit = cli_test::xbarsim(
      "optimize sram --model '" + source_data("models/fmnist_vit.h5") + "' -o '" + dir.file("out") +
      "' --max-accuracy-drop 0.02 --set attention.products=in_memory");
  check_bad_input(vit);
  CHECK_CONTAINS(vit.err, "attention.products");
  CHECK_CONTAINS(vit.err, "attention.products=digital");
  CHECK(!std::filesystem::exists(dir.file("out/evaluations")));
}

TEST_CASE("optimize: --jobs and a stop with --resume leave the results unchanged") {
  TempDir dir;
  const std::string a = dir.file("a"), b = dir.file("b"), c = dir.file("c");
  const cli_test::Run one = cli_test::xbarsim(small_run(a, "--jobs 1"));
  CAPTURE(one.err);
  REQUIRE(one.code == 0);
  CHECK_CONTAINS(one.out, "allocation");
  const cli_test::Run two = cli_test::xbarsim(small_run(b, "--jobs 2 --cache-mb 0"));
  REQUIRE(two.code == 0);
  const cli_test::Run stopped = cli_test::xbarsim(small_run(c, "--jobs 1 --stop-after 5"));
  CHECK(stopped.code == 1);
  CHECK_CONTAINS(stopped.out, "--resume");
  const cli_test::Run resumed = cli_test::xbarsim(small_run(c, "--jobs 2 --resume"));
  REQUIRE(resumed.code == 0);
  CHECK_CONTAINS(resumed.out, "5 resumed");
  for (const char* f : {"candidates.csv", "allocation.csv"}) {
    CAPTURE(f);
    const std::string want = read_text(a + "/" + f);
    CHECK(!want.empty());
    CHECK(read_text(b + "/" + f) == want);
    CHECK(read_text(c + "/" + f) == want);
  }
  // The report names the same allocation and accuracy; only the timing line differs.
  auto tail = [](const std::string& s) {
    const std::size_t from = s.find("allocation (");
    return s.substr(from, s.find("results:") - from);
  };
  CHECK(tail(two.out) == tail(one.out));
}

}  // namespace xbarsim
