// What a sweep's results.h5 holds (docs/result_format.md#hdf5, schema 2): accuracy as points x
// trials, typed axes, units from key suffixes, energies that say what they are per, the digital
// baseline's configuration and cards, and `inspect` printing the file's accuracy and energy.
// Read with the plain HDF5 C API (tests/result_file_reader.hpp); every expected value comes
// from the spec, the shipped files or other datasets of the file, never from a past run.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include "result_file_reader.hpp"
#include "sweep_test_support.hpp"
#include "test_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/experiment/experiment.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/system/comparison.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

// Two points of a list sweep whose axes cover every typing rule: an architecture swap whose
// values look like numbers ("12" and "07", copies of reram.yaml), an integer axis, a number axis
// that mixes an integer and a float, a text axis, and an axis set at one point only.
const char* kSpec = R"(name: layout
question: what does results.h5 hold?
arch: reram
model: fmnist_mlp.h5
limit: 24
calibration_images: 16
trials: 3
seed: 5
metrics: [accuracy, energy]
sweep:
  mode: list
  points:
    - {arch: "12", tile.adc.bits: 6, tile.device.read_noise_rel: 0.01, tile.adc.range: calibrated}
    - {arch: "07", tile.adc.bits: 8, tile.device.read_noise_rel: 0, tile.adc.range: fixed,
       tile.device.stuck_at_gmin_rel: 0.0}
)";
constexpr std::size_t kPoints = 2, kTrials = 3;
constexpr double kImages = 24;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string format(const char* f, double a, double b = 0) {
  char text[64];
  std::snprintf(text, sizeof(text), f, a, b);
  return text;
}

std::string point_group(std::size_t p) {
  char g[32];
  std::snprintf(g, sizeof(g), "/points/%05zu", p);
  return g;
}

// One sweep for every test case of this file: its folder lives as long as the test program.
const std::string& results_h5() {
  static test::TempDir dir;
  static const std::string path = [] {
    for (const char* name : {"12", "07"})
      fs::copy_file(data_dir() + "/arch/reram.yaml", dir.file(name));
    const std::string spec = dir.write("experiment.yaml", kSpec);
    const SweepOutcome o = run_sweep(load_experiment(spec, false),
                                     test::sweep_options(dir.file("out"), 2), builtin_registry());
    REQUIRE(o.complete);
    return dir.file("out/results.h5");
  }();
  return path;
}

}  // namespace

TEST_CASE("sweep results.h5: accuracy is points x trials, and its rows give mean, std and CI") {
  const test::H5Reader f(results_h5());
  CHECK(f.attr_int("/", "schema_version") == 2);
  CHECK(f.attr_text("/", "kind") == "sweep");
  REQUIRE(f.dims("/results/accuracy") == std::vector<hsize_t>{kPoints, kTrials});
  CHECK(f.attr_text("/results/accuracy", "unit") == "1");
  CHECK_FALSE(f.has_attr("/results/accuracy", "shape"));
  const std::vector<double> all = f.doubles("/results/accuracy");
  const std::vector<double> mean = f.doubles("/results/accuracy_mean");
  const std::vector<double> sd = f.doubles("/results/accuracy_std");
  const std::vector<double> ci = f.doubles("/results/accuracy_ci95");
  REQUIRE(mean.size() == kPoints);
  for (std::size_t p = 0; p < kPoints; ++p) {
    const auto row = all.begin() + static_cast<std::ptrdiff_t>(p * kTrials);
    const double m = std::accumulate(row, row + kTrials, 0.0) / kTrials;
    double ss = 0;
    for (auto it = row; it != row + kTrials; ++it) ss += (*it - m) * (*it - m);
    const double s = std::sqrt(ss / (kTrials - 1));
    CHECK(mean[p] == doctest::Approx(m).epsilon(1e-14));
    CHECK(sd[p] == doctest::Approx(s).epsilon(1e-12));
    // Student t_{0.975} for 2 degrees of freedom: 4.303.
    CHECK(ci[p] == doctest::Approx(4.303 * s / std::sqrt(3.0)).epsilon(1e-12));
    for (auto it = row; it != row + kTrials; ++it) {
      CHECK(*it >= 0.0);
      CHECK(*it <= 1.0);
      // A fraction of the 24 images.
      CHECK(std::fabs(*it * kImages - std::round(*it * kImages)) < 1e-9);
    }
  }
}

TEST_CASE("sweep results.h5: each axis is a typed dataset of the spec's values") {
  const test::H5Reader f(results_h5());
  CHECK(f.attr_int("/axes", "axes") == 5);
  const auto position = [&](const std::string& axis) { return f.attr_int(axis, "position"); };
  // An architecture is named, never counted: "12" and "07" stay text.
  CHECK(f.type_class("/axes/arch") == H5T_STRING);
  CHECK(f.strings("/axes/arch") == std::vector<std::string>{"12", "07"});
  CHECK(position("/axes/arch") == 0);
  CHECK(f.type_class("/axes/tile.adc.bits") == H5T_INTEGER);
  CHECK(f.type_size("/axes/tile.adc.bits") == 8);
  CHECK(f.ints("/axes/tile.adc.bits") == std::vector<long long>{6, 8});
  CHECK(f.attr_text("/axes/tile.adc.bits", "unit") == "1");
  CHECK(position("/axes/tile.adc.bits") == 1);
  // 0.01 and 0: an integer among numbers makes the axis float64.
  CHECK(f.type_class("/axes/tile.device.read_noise_rel") == H5T_FLOAT);
  CHECK(f.type_size("/axes/tile.device.read_noise_rel") == 8);
  CHECK(f.doubles("/axes/tile.device.read_noise_rel") == std::vector<double>{0.01, 0.0});
  CHECK(position("/axes/tile.device.read_noise_rel") == 2);
  CHECK(f.strings("/axes/tile.adc.range") == std::vector<std::string>{"calibrated", "fixed"});
  CHECK(position("/axes/tile.adc.range") == 3);
  // Set at the second point only: text, with "" where the point keeps the default.
  CHECK(f.type_class("/axes/tile.device.stuck_at_gmin_rel") == H5T_STRING);
  CHECK(f.strings("/axes/tile.device.stuck_at_gmin_rel") == std::vector<std::string>{"", "0.0"});
  CHECK(position("/axes/tile.device.stuck_at_gmin_rel") == 4);
  CHECK(f.attr_text("/axes/tile.device.stuck_at_gmin_rel", "path") ==
        "tile.device.stuck_at_gmin_rel");
  // The axis values moved to /axes: the points keep their label, not axis:KEY attributes.
  for (const std::string& name : f.attr_names("/points/00001"))
    CHECK_MESSAGE(name.rfind("axis:", 0) != 0, name);
  CHECK(f.attr_text("/points/00001", "label").find("tile.adc.range=fixed") != std::string::npos);
}

TEST_CASE("sweep results.h5: units come from the key, and every energy says what it is per") {
  const test::H5Reader f(results_h5());
  CHECK(f.doubles("/results/images") == std::vector<double>(kPoints, kImages));
  CHECK(f.attr_text("/results/counts/cell_read_energy_j", "unit") == "J");
  CHECK(f.attr_text("/results/counts/cell_read_energy_j", "per") == "batch");
  CHECK(f.attr_text("/results/counts/adc_conversions", "unit") == "1");
  CHECK(f.attr_text("/results/latency_s_analog", "unit") == "s");
  CHECK(f.attr_text("/results/area_m2_digital", "unit") == "m^2");
  CHECK(f.attr_text("/results/peak_power_w_analog", "unit") == "W");
  const std::set<std::string> pers = {"batch", "inference", "action", "weight_load"};
  std::size_t energies = 0;
  for (const std::string& name : f.datasets_under("/results")) {
    CAPTURE(name);
    const std::string d = "/results/" + name;
    REQUIRE(f.has_attr(d, "unit"));
    // Every dataset's unit follows its key: the leaf, or the group for per-name groups.
    const std::string leaf = name.substr(name.rfind('/') + 1);
    const std::string group =
        name.find('/') == std::string::npos ? "" : name.substr(0, name.find('/'));
    const bool per_name = group.rfind("energy_j_by_", 0) == 0;
    CHECK(f.attr_text(d, "unit") == unit_of_key(per_name ? group : leaf));
    if (f.attr_text(d, "unit") == "J") {
      ++energies;
      CHECK(pers.count(f.attr_text(d, "per")) == 1);
      CHECK(f.attr_int(d, "batch") == static_cast<long long>(kImages));
    } else {
      CHECK_FALSE(f.has_attr(d, "per"));
    }
  }
  CHECK(energies > 20);
  for (const std::string side : {"analog", "digital"}) {
    CAPTURE(side);
    const std::vector<double> batch = f.doubles("/results/energy_j_" + side);
    const std::vector<double> each = f.doubles("/results/energy_per_inference_j_" + side);
    CHECK(f.attr_text("/results/energy_j_" + side, "per") == "batch");
    CHECK(f.attr_text("/results/energy_per_inference_j_" + side, "per") == "inference");
    CHECK(f.attr_text("/results/setup_energy_j_" + side, "per") == "weight_load");
    std::vector<double> components(kPoints, 0.0);
    for (const std::string& name : f.datasets_under("/results/energy_j_by_component_" + side)) {
      const std::vector<double> v =
          f.doubles("/results/energy_j_by_component_" + side + "/" + name);
      for (std::size_t p = 0; p < kPoints; ++p) components[p] += v[p];
    }
    for (std::size_t p = 0; p < kPoints; ++p) {
      CHECK(batch[p] > 0);
      CHECK(each[p] * kImages == doctest::Approx(batch[p]).epsilon(1e-12));
      CHECK(components[p] == doctest::Approx(batch[p]).epsilon(1e-9));
    }
  }
}

TEST_CASE("sweep results.h5: the digital baseline's configuration and cards are stored") {
  const test::H5Reader f(results_h5());
  const YAML::Node shipped = YAML::LoadFile(default_digital_path());
  for (std::size_t p = 0; p < kPoints; ++p) {
    const std::string g = point_group(p);
    CAPTURE(g);
    CHECK(f.attr_text(g, "digital_file") == default_digital_path());
    const YAML::Node stored = YAML::Load(f.text(g + "/digital_resolved_yaml"));
    REQUIRE(stored.IsMap());
    for (const auto& kv : shipped) CHECK_MESSAGE(stored[kv.first.Scalar()], kv.first.Scalar());
    CHECK(stored["name"].Scalar() == shipped["name"].Scalar());
    CHECK(f.exists(g + "/arch_resolved_yaml"));
  }
  // The digital NoC card is used by no in-memory component: stored for the baseline alone.
  std::string card = shipped["noc"]["card"].Scalar();
  const std::string on_disk = slurp(data_dir() + "/cards/" + card);
  std::replace(card.begin(), card.end(), '/', ':');
  REQUIRE(f.exists("/cards/" + card));
  CHECK(YAML::Dump(YAML::Load(f.text("/cards/" + card))) == YAML::Dump(YAML::Load(on_disk)));
}

TEST_CASE("sweep results.h5: inspect prints each point's accuracy and energy from the file") {
  const test::H5Reader f(results_h5());
  test::TempDir dir;
  const std::string log = dir.file("inspect.txt");
  const std::string cmd =
      std::string("'") + XBARSIM_BINARY + "' inspect '" + results_h5() + "' > '" + log + "' 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string shown = slurp(log);
  CAPTURE(shown);
  const std::vector<double> mean = f.doubles("/results/accuracy_mean");
  const std::vector<double> sd = f.doubles("/results/accuracy_std");
  const std::vector<double> ci = f.doubles("/results/accuracy_ci95");
  const std::vector<double> ea = f.doubles("/results/energy_j_analog");
  const std::vector<double> ed = f.doubles("/results/energy_j_digital");
  for (std::size_t p = 0; p < kPoints; ++p) {
    // The line of point p: its index, then its values.
    char index[32];
    std::snprintf(index, sizeof(index), "\n  %5zu  ", p);
    const std::size_t at = shown.find(index);
    REQUIRE(at != std::string::npos);
    const std::string line = shown.substr(at + 1, shown.find('\n', at + 1) - at - 1);
    CAPTURE(line);
    CHECK(line.find(format("%.4f +- %.4f", mean[p], sd[p])) != std::string::npos);
    CHECK(line.find(format("[%.4f, %.4f]", mean[p] - ci[p], mean[p] + ci[p])) != std::string::npos);
    // Per inference: the batch's energy over its 24 inferences.
    CHECK(line.find(format("%.4g J", ea[p] / kImages)) != std::string::npos);
    CHECK(line.find(format("%.4g J", ed[p] / kImages)) != std::string::npos);
    CHECK(line.find(f.attr_text(point_group(p), "label")) != std::string::npos);
  }
  CHECK(shown.find("mean +- std over 3 trials") != std::string::npos);
}

TEST_CASE("sweep results.h5: an accuracy-only sweep records its images, the batch of its counts") {
  test::TempDir dir;
  const std::string spec = dir.write("experiment.yaml", R"(name: accuracy_only
question: which batch do the counts of an accuracy-only sweep cover?
arch: reram
model: fmnist_mlp.h5
limit: 8
calibration_images: 8
trials: 2
metrics: [accuracy]
sweep:
  mode: list
  points:
    - {tile.adc.bits: 8}
)");
  // Results are assembled from the task files, so the images must survive them.
  REQUIRE(run_sweep(load_experiment(spec, false), test::sweep_options(dir.file("out"), 1),
                    builtin_registry())
              .complete);
  const test::H5Reader f(dir.file("out/results.h5"));
  CHECK(f.doubles("/results/images") == std::vector<double>{8});
  CHECK(f.attr_int("/results/counts/cell_read_energy_j", "batch") == 8);
  CHECK(f.dims("/results/accuracy") == std::vector<hsize_t>{1, 2});
  // No energy metric: no estimate, and no digital baseline to store.
  CHECK_FALSE(f.exists("/results/energy_j_analog"));
  CHECK_FALSE(f.exists("/points/00000/digital_resolved_yaml"));
  CHECK_FALSE(f.has_attr("/points/00000", "digital_file"));
}
