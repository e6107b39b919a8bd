// Damaged HDF5 files given to the command line: `inspect` on result files whose attributes and
// datasets hold what no xbarsim wrote. Each must end with exit code 2 and a message naming the file
// and the attribute: no crash, no hang, no read past a buffer.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <string>
#include <vector>

#include "app/cli_support.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim {
namespace {

using namespace xbarsim::cli_test;

struct H {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H() {
    if (id >= 0) close(id);
  }
};

void int_attr(hid_t obj, const char* name, const std::vector<long long>& values, bool scalar) {
  const hsize_t n = values.size();
  const H space{scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose};
  const H a{H5Acreate2(obj, name, H5T_STD_I64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  REQUIRE(a.id >= 0);
  REQUIRE(H5Awrite(a.id, H5T_NATIVE_LLONG, values.data()) >= 0);
}

void string_attr(hid_t obj, const char* name, const std::vector<std::string>& values, bool scalar) {
  const H type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  const hsize_t n = values.size();
  const H space{scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose};
  const H a{H5Acreate2(obj, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  REQUIRE(a.id >= 0);
  std::vector<const char*> p;
  for (const std::string& v : values) p.push_back(v.c_str());
  REQUIRE(H5Awrite(a.id, type.id, p.data()) >= 0);
}

// A result file of the schema version inspect reads and whatever `extra` adds to its root.
template <class Extra>
std::string result_file(const TempDir& dir, const std::string& name, Extra&& extra) {
  const std::string path = dir.file(name);
  const H f{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
  REQUIRE(f.id >= 0);
  int_attr(f.id, "schema_version", {kResultSchemaVersion}, true);
  extra(f.id);
  return path;
}

// `inspect` under a time limit, so that a regression to an endless loop fails instead of hanging.
Run inspect_bounded(const std::string& file) {
  TempDir dir;
  const std::string out = dir.file("stdout"), err = dir.file("stderr");
  const std::string cmd = "timeout 60 '" + std::string(XBARSIM_BINARY) + "' inspect '" + file +
                          "' >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  Run r;
  REQUIRE(status != -1);
  r.exited = WIFEXITED(status);
  r.code = r.exited ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  CHECK_MESSAGE(r.code != 124, "inspect did not finish within 60 s");
  return r;
}

}  // namespace

TEST_CASE("inspect: a points attribute of -1 is an error, not an endless loop") {
  TempDir dir;
  const std::string file = result_file(dir, "minus_one.h5", [](hid_t f) {
    string_attr(f, "kind", {"sweep"}, true);
    int_attr(f, "points", {-1}, true);
  });
  const Run r = inspect_bounded(file);
  check_bad_input(r);
  CHECK_CONTAINS(r.err, file);
  CHECK_CONTAINS(r.err, "'points'");
  CHECK_CONTAINS(r.err, "-1");
}

TEST_CASE(
    "inspect: a points attribute that is not an integer is bad input, not an internal error") {
  TempDir dir;
  const std::string file =
      result_file(dir, "text_points.h5", [](hid_t f) { string_attr(f, "points", {"many"}, true); });
  const Run r = inspect_bounded(file);
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "'points'");
  CHECK_CONTAINS(r.err, "integer");
}

TEST_CASE("inspect: provenance attributes holding arrays are errors naming the attribute") {
  TempDir dir;
  SUBCASE("16 integers where one is expected") {
    const std::string file = result_file(dir, "seed_array.h5", [](hid_t f) {
      int_attr(f, "master_seed", std::vector<long long>(16, 7), false);
    });
    const Run r = inspect_bounded(file);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, file);
    CHECK_CONTAINS(r.err, "'master_seed'");
    CHECK_CONTAINS(r.err, "found 16");
  }
  SUBCASE("16 strings where one is expected") {
    const std::string file = result_file(dir, "host_array.h5", [](hid_t f) {
      string_attr(f, "host", std::vector<std::string>(16, "node"), false);
    });
    const Run r = inspect_bounded(file);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "'host'");
    CHECK_CONTAINS(r.err, "found 16");
  }
  SUBCASE("schema_version as an array") {
    const std::string path = dir.file("schema_array.h5");
    {
      const H f{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
      int_attr(f.id, "schema_version", std::vector<long long>(16, kResultSchemaVersion), false);
    }
    const Run r = inspect_bounded(path);
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "'schema_version'");
  }
}

TEST_CASE("inspect: a results dataset that is not a 1-D numeric array is an error") {
  TempDir dir;
  const std::string file = result_file(dir, "string_results.h5", [](hid_t f) {
    int_attr(f, "points", {2}, true);
    const H g{H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
    const H type{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(type.id, 8);
    const hsize_t n = 2;
    const H space{H5Screate_simple(1, &n, nullptr), H5Sclose};
    const H d{
        H5Dcreate2(g.id, "accuracy_mean", type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose};
    REQUIRE(d.id >= 0);
  });
  const Run r = inspect_bounded(file);
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "accuracy_mean");
}

TEST_CASE("inspect: a file that is not a regular file is named") {
  TempDir dir;
  const Run r = inspect_bounded(dir.path().string());
  check_bad_input(r);
  CHECK_CONTAINS(r.err, dir.path().string());
}

}  // namespace xbarsim
