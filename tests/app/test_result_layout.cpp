// The -o file of `xbarsim eval` (docs/result_format.md#hdf5): a sweep of one point, with the
// same names, shapes, units and attributes as the file a sweep of that point writes; `inspect`
// prints its accuracy and energy; an unknown schema_version is refused with exit code 2. The
// files are read with the plain HDF5 C API, and the expected values come from the run's own
// JSON report (`--format json`) or from other datasets of the file.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "app/cli_support.hpp"
#include "result_file_reader.hpp"
#include "xbarsim/io/json.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim {
namespace {

using namespace xbarsim::cli_test;

std::string model() {
  return std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/models/fmnist_mlp.h5";
}

constexpr int kImages = 16, kTrials = 3;

// eval on the ReRAM architecture (it has a chip: energy against the digital baseline).
Run eval_to(const std::string& output, const std::string& format) {
  return xbarsim("eval reram --model '" + model() + "' --limit " + std::to_string(kImages) +
                 " --calibration-images 8 --trials " + std::to_string(kTrials) +
                 " --seed 3 --format " + format + " -o '" + output + "'");
}

std::string format(const char* f, double a, double b = 0) {
  char text[64];
  std::snprintf(text, sizeof(text), f, a, b);
  return text;
}

// The eval file's own quantities, which a sweep does not compute.
bool eval_only(const std::string& dataset) {
  return dataset == "accuracy_float" || dataset == "accuracy_int8" ||
         dataset.rfind("counts_by_layer/", 0) == 0;
}

}  // namespace

TEST_CASE("eval -o: a sweep of one point, its values those of the run's JSON report") {
  TempDir dir;
  const std::string path = dir.file("eval.h5");
  const Run r = eval_to(path, "json");
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  const Json report = Json::parse(r.out);
  const test::H5Reader f(path);
  CHECK(f.attr_int("/", "schema_version") == kResultSchemaVersion);
  CHECK(f.attr_text("/", "kind") == "eval");
  CHECK(f.attr_int("/", "points") == 1);
  CHECK(f.attr_int("/", "trials") == kTrials);
  CHECK(f.attr_int("/axes", "axes") == 0);

  // Accuracy: 1 x trials, the trials of the report, in order and bit for bit.
  REQUIRE(f.dims("/results/accuracy") == std::vector<hsize_t>{1, kTrials});
  const std::vector<double> trials = f.doubles("/results/accuracy");
  CHECK(trials == report.at("accuracy_analog_trials").get<std::vector<double>>());
  const double mean = std::accumulate(trials.begin(), trials.end(), 0.0) / kTrials;
  CHECK(f.doubles("/results/accuracy_mean").at(0) == doctest::Approx(mean).epsilon(1e-14));
  CHECK(f.doubles("/results/accuracy_std").at(0) ==
        doctest::Approx(report.at("accuracy_analog_std").get<double>()).epsilon(1e-12));
  CHECK(f.doubles("/results/accuracy_float") ==
        std::vector<double>{report.at("accuracy_float").get<double>()});
  CHECK(f.doubles("/results/accuracy_int8") ==
        std::vector<double>{report.at("accuracy_int8").get<double>()});

  // Energy: the whole batch of 16 images, and per inference.
  CHECK(f.doubles("/results/images") == std::vector<double>{kImages});
  for (const std::string side : {"analog", "digital"}) {
    CAPTURE(side);
    const std::string batch = "/results/energy_j_" + side;
    const std::string each = "/results/energy_per_inference_j_" + side;
    CHECK(f.doubles(batch) == std::vector<double>{report.at("energy_j_" + side).get<double>()});
    CHECK(f.attr_text(batch, "unit") == "J");
    CHECK(f.attr_text(batch, "per") == "batch");
    CHECK(f.attr_int(batch, "batch") == kImages);
    CHECK(f.attr_text(each, "per") == "inference");
    CHECK(f.attr_int(each, "batch") == kImages);
    CHECK(f.doubles(each).at(0) * kImages ==
          doctest::Approx(f.doubles(batch).at(0)).epsilon(1e-12));
    CHECK(
        f.doubles(each).at(0) ==
        doctest::Approx(report.at("energy_per_inference_j_" + side).get<double>()).epsilon(1e-12));
  }

  // The engine's counts: summed over the crossbar layers, and per layer; an energy is in J.
  double cell_read_j = 0;
  for (const auto& [layer, counts] : report.at("counts_by_layer").items()) {
    cell_read_j += counts.at("cell_read_energy_j").get<double>();
    const std::string d = "/results/counts_by_layer/" + layer + "/cell_read_energy_j";
    CHECK(f.attr_text(d, "unit") == "J");
    CHECK(f.doubles(d) == std::vector<double>{counts.at("cell_read_energy_j").get<double>()});
  }
  CHECK(cell_read_j > 0);
  CHECK(f.attr_text("/results/counts/cell_read_energy_j", "unit") == "J");
  CHECK(f.attr_text("/results/counts/cell_read_energy_j", "per") == "batch");
  CHECK(f.doubles("/results/counts/cell_read_energy_j").at(0) ==
        doctest::Approx(cell_read_j).epsilon(1e-12));
  CHECK(f.attr_text("/results/counts/adc_conversions", "unit") == "1");

  // The configuration of both sides, as a sweep stores its points.
  CHECK(f.text("/points/00000/arch_resolved_yaml").find("tile:") != std::string::npos);
  CHECK(f.text("/points/00000/digital_resolved_yaml").find("pe_array:") != std::string::npos);
  CHECK(f.attr_text("/points/00000", "digital_file") == report.at("digital").get<std::string>());
  CHECK(f.attr_text("/points/00000", "seed") == "3");
  CHECK(f.exists("/cards/circuits:eyeriss:pe_to_pe.yaml"));  // the digital NoC's card
}

TEST_CASE("eval -o and a sweep of the same single point have the same layout") {
  TempDir dir;
  const std::string eval_file = dir.file("eval.h5");
  REQUIRE(eval_to(eval_file, "text").code == 0);
  const std::string spec =
      dir.write("experiment.yaml",
                "name: one\nquestion: same layout?\n"
                "arch: reram\nmodel: '" +
                    model() + "'\nlimit: " + std::to_string(kImages) +
                    "\ncalibration_images: 8\ntrials: " + std::to_string(kTrials) +
                    "\nmetrics: [accuracy, energy]\n"
                    "sweep:\n  mode: list\n  points:\n"
                    "    - {tile.adc.bits: 8}\n");
  const Run s = xbarsim("sweep '" + spec + "' --jobs 1 -o '" + dir.file("out") + "'");
  CAPTURE(s.err);
  REQUIRE(s.code == 0);
  const test::H5Reader e(eval_file), w(dir.file("out/results.h5"));

  // Every dataset the sweep writes under /results, the eval file has, with the same shape,
  // type, unit and attributes; the eval file adds only its own quantities.
  const std::set<std::string> in_sweep = w.datasets_under("/results");
  std::set<std::string> in_eval;
  for (const std::string& d : e.datasets_under("/results"))
    if (!eval_only(d)) in_eval.insert(d);
  CHECK(in_sweep == in_eval);
  CHECK(in_sweep.count("accuracy") == 1);
  CHECK(in_sweep.count("energy_per_inference_j_analog") == 1);
  for (const std::string& name : in_sweep) {
    if (in_eval.count(name) == 0) continue;
    CAPTURE(name);
    const std::string d = "/results/" + name;
    CHECK(e.dims(d) == w.dims(d));
    CHECK(e.type_class(d) == w.type_class(d));
    CHECK(e.attr_names(d) == w.attr_names(d));
    CHECK(e.attr_text(d, "unit") == w.attr_text(d, "unit"));
    if (w.has_attr(d, "per")) {
      CHECK(e.attr_text(d, "per") == w.attr_text(d, "per"));
      CHECK(e.attr_int(d, "batch") == w.attr_int(d, "batch"));
    }
  }
  // The same configuration storage and the same cards (one point, the same architecture).
  for (const char* text :
       {"/points/00000/arch_resolved_yaml", "/points/00000/digital_resolved_yaml"}) {
    CHECK(e.is_dataset(text));
    CHECK(w.is_dataset(text));
  }
  CHECK(e.datasets_under("/cards") == w.datasets_under("/cards"));
  CHECK(e.text("/points/00000/digital_resolved_yaml") ==
        w.text("/points/00000/digital_resolved_yaml"));
  // The same provenance and the same shape attributes at the root.
  for (const char* a :
       {"schema_version", "xbarsim_version", "git_sha1", "command_line", "master_seed",
        "date_and_time_utc", "host", "kind", "points", "trials", "dataset"}) {
    CHECK_MESSAGE(e.has_attr("/", a), a);
    CHECK_MESSAGE(w.has_attr("/", a), a);
  }
  CHECK(e.attr_text("/", "kind") == "eval");
  CHECK(w.attr_text("/", "kind") == "sweep");
  for (const char* a : {"label", "seed", "digital_file"})
    CHECK(e.attr_names("/points/00000").count(a) == 1);
  CHECK(e.attr_names("/points/00000") == w.attr_names("/points/00000"));
}

TEST_CASE("inspect prints an eval file's accuracy, references and energy per inference") {
  TempDir dir;
  const std::string path = dir.file("eval.h5");
  REQUIRE(eval_to(path, "text").code == 0);
  const test::H5Reader f(path);
  const Run shown = xbarsim("inspect '" + path + "'");
  CAPTURE(shown.out);
  REQUIRE(shown.code == 0);
  const double mean = f.doubles("/results/accuracy_mean").at(0);
  const double ci = f.doubles("/results/accuracy_ci95").at(0);
  CHECK_CONTAINS(shown.out, format("%.4f +- %.4f", mean, f.doubles("/results/accuracy_std").at(0)));
  CHECK_CONTAINS(shown.out, format("[%.4f, %.4f]", mean - ci, mean + ci));
  CHECK_CONTAINS(shown.out, format("float32 %.4f", f.doubles("/results/accuracy_float").at(0)));
  CHECK_CONTAINS(shown.out, format("int8 %.4f", f.doubles("/results/accuracy_int8").at(0)));
  for (const char* side : {"analog", "digital"})
    CHECK_CONTAINS(
        shown.out,
        format("%.4g J", f.doubles(std::string("/results/energy_j_") + side).at(0) / kImages));
  CHECK_CONTAINS(shown.out, "over 3 trials");
}

TEST_CASE("inspect refuses an unknown schema_version with exit code 2, naming both versions") {
  TempDir dir;
  for (const long long version : {99LL, 1LL}) {
    CAPTURE(version);
    const std::string path = dir.file("v" + std::to_string(version) + ".h5");
    {
      const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      REQUIRE(f >= 0);
      const hid_t space = H5Screate(H5S_SCALAR);
      const hid_t a =
          H5Acreate2(f, "schema_version", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
      REQUIRE(H5Awrite(a, H5T_NATIVE_LLONG, &version) >= 0);
      H5Aclose(a);
      H5Sclose(space);
      H5Fclose(f);
    }
    const Run r = xbarsim("inspect '" + path + "'");
    check_bad_input(r);
    CHECK_CONTAINS(r.err, path);
    CHECK_CONTAINS(r.err, "schema_version " + std::to_string(version) + " is not supported");
    CHECK_CONTAINS(r.err, "reads " + std::to_string(kResultSchemaVersion));
  }
}

}  // namespace xbarsim
