// What `eval -o` may write over: only a regular file, or a symbolic link with --force. The
// target is checked, and its temporary file created, before any work, so a refused or
// unwritable -o is reported even when the model would fail to load.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/cli_support.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;
using namespace xbarsim::cli_test;

std::string model() {
  return std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/models/fmnist_mlp.h5";
}

// eval with a model file that does not exist: any error about -o comes before it.
Run eval_missing_model(const std::string& output, const std::string& extra = "") {
  return xbarsim("eval ideal --model /nonexistent/model.h5 -o '" + output + "' " + extra);
}

Run eval_small(const std::string& output, const std::string& extra = "") {
  return xbarsim("eval ideal --model '" + model() +
                 "' --limit 8 --calibration-images 8 --trials 1 -o '" + output + "' " + extra);
}

// No temporary result file is left in `dir`.
void check_no_temporaries(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    CHECK_MESSAGE(e.path().filename().string().find(".tmp.") == std::string::npos,
                  "left behind: " << e.path());
}

}  // namespace

TEST_CASE("eval -o refuses a folder, a FIFO and a device, naming the path, before any work") {
  TempDir dir;
  SUBCASE("a folder") {
    const std::string target = dir.file("results.h5");
    fs::create_directory(target);
    const Run r = eval_missing_model(target);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, target);
    CHECK_CONTAINS(r.err, "a folder");
    CHECK(fs::is_directory(target));
  }
  SUBCASE("a FIFO") {
    const std::string target = dir.file("fifo");
    REQUIRE(::mkfifo(target.c_str(), 0600) == 0);
    const Run r = eval_missing_model(target);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, target);
    CHECK_CONTAINS(r.err, "FIFO");
    CHECK(fs::is_fifo(target));
  }
  SUBCASE("a device (/dev/full: as root it was replaced by an HDF5 file)") {
    const Run r = eval_missing_model("/dev/full");
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "/dev/full");
    CHECK_CONTAINS(r.err, "device");
    CHECK(fs::is_character_file("/dev/full"));
  }
  SUBCASE("a folder that does not exist") {
    const std::string target = dir.file("missing/results.h5");
    const Run r = eval_missing_model(target);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, target);
    CHECK(r.err.find("model.h5") == std::string::npos);  // -o is checked before the model
  }
  check_no_temporaries(dir.path());
}

TEST_CASE("eval -o replaces a symbolic link only with --force, and never writes its target") {
  TempDir dir;
  const std::string target = dir.write("precious.txt", "keep me\n");
  const std::string link = dir.file("results.h5");
  fs::create_symlink(target, link);
  const Run refused = eval_missing_model(link);
  check_bad_input(refused);
  CHECK_CONTAINS(refused.err, link);
  CHECK_CONTAINS(refused.err, "symbolic link");
  CHECK_CONTAINS(refused.err, "--force");
  CHECK(fs::is_symlink(link));

  const Run forced = eval_small(link, "--force");
  CAPTURE(forced.err);
  REQUIRE(forced.code == 0);
  CHECK_FALSE(fs::is_symlink(link));
  CHECK(fs::is_regular_file(link));
  CHECK(read_text(target) == "keep me\n");
  check_no_temporaries(dir.path());
}

TEST_CASE("eval -o over an existing regular file replaces it") {
  TempDir dir;
  const std::string target = dir.write("results.h5", "old");
  const Run r = eval_small(target);
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  CHECK(read_text(target).substr(1, 3) == "HDF");
  CHECK_CONTAINS(r.out, "results written to");
  check_no_temporaries(dir.path());
}

TEST_CASE("a result file whose final rename fails keeps its temporary file and names it") {
  TempDir dir;
  const std::string target = dir.file("results.h5");
  std::string temp;
  {
    ResultFile out(target);
    temp = out.temp_path();
    CHECK(fs::path(temp).parent_path() == fs::path(target).parent_path());
    CHECK(fs::exists(temp));  // created at once: writability is known before any work
    out.attr("/", "kind", std::string("test"));
    fs::create_directory(target);  // the target becomes a folder while the work runs
    fs::create_directory(fs::path(target) / "inside");
    try {
      out.commit();
      FAIL("commit over a folder succeeded");
    } catch (const IoError& e) {
      const std::string what = e.what();
      CHECK_CONTAINS(what, target);
      CHECK_CONTAINS(what, temp);
      CHECK_CONTAINS(what, "kept");
    }
  }
  CHECK(fs::is_regular_file(temp));  // not removed by the destructor
  CHECK(fs::is_directory(fs::path(target) / "inside"));
  CHECK(read_text(temp).substr(1, 3) == "HDF");
}

TEST_CASE("an uncommitted result file removes its temporary file") {
  TempDir dir;
  std::string temp;
  {
    ResultFile out(dir.file("results.h5"));
    temp = out.temp_path();
    CHECK(fs::exists(temp));
  }
  CHECK_FALSE(fs::exists(temp));
  CHECK_FALSE(fs::exists(dir.file("results.h5")));
}

TEST_CASE("result files use checksummed metadata and fixed-length strings") {
  TempDir dir;
  const std::string path = dir.file("results.h5");
  {
    ResultFile out(path);
    out.attr("/", "kind", std::string("test"));
    out.text("/config/text", std::string(100000, 'y'));  // larger than a compact attribute
    out.commit();
  }
  // Superblock version 3 (HDF5 1.10 format: checksummed superblock and object headers) at
  // byte 8, after the 8-byte signature.
  const std::string bytes = read_text(path);
  REQUIRE(bytes.size() > 9);
  CHECK(bytes.substr(1, 3) == "HDF");
  CHECK(static_cast<int>(bytes[8]) == 3);
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t a = H5Aopen(f, "kind", H5P_DEFAULT);
  const hid_t t = H5Aget_type(a);
  CHECK(H5Tget_class(t) == H5T_STRING);
  CHECK(H5Tis_variable_str(t) == 0);
  H5Tclose(t);
  H5Aclose(a);
  const hid_t d = H5Dopen2(f, "/config/text", H5P_DEFAULT);
  const hid_t dt = H5Dget_type(d);
  CHECK(H5Tis_variable_str(dt) == 0);
  CHECK(H5Tget_size(dt) == 100001);
  H5Tclose(dt);
  H5Dclose(d);
  H5Fclose(f);
}

TEST_CASE("eval -o records which images calibrated, and inspect prints it") {
  TempDir dir;
  const std::string target = dir.file("results.h5");
  const Run r = eval_small(target);
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  const Run shown = xbarsim("inspect '" + target + "'");
  REQUIRE(shown.code == 0);
  CHECK_CONTAINS(shown.out, "calibration_dataset: fashion-mnist (train)");
  CHECK_CONTAINS(shown.out, "calibration_images: 8");
}

}  // namespace xbarsim
