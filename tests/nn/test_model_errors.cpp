// Malformed model files: load_network must throw an IoError that names the file and the
// offending layer / dataset / attribute, never crash or accept the file. Each malformed file
// is a valid hand-written model with exactly one defect.
#include <doctest/doctest.h>

#include <functional>
#include <limits>

#include "nn/nn_fixtures.hpp"
#include "xbarsim/nn/network.hpp"

using namespace xbarsim;
using namespace xbarsim::nntest;

namespace {

// input [2, 5, 4] -> conv1 (2 -> 3, 3x3, pad 1) -> relu1 -> flatten -> fc1 (60 -> 4).
ModelFileSpec valid_model() {
  ModelFileSpec m;
  m.name = "error_probe";
  m.input_shape = {2, 5, 4};
  m.num_classes = 4;
  m.layers = {conv_spec("conv1", "input", gaussian(3, 18, 1), gaussian(3, 1, 2).col(0), 2, 3, 3,
                        {1, 1}, {1, 1}),
              simple_spec("relu", "relu1", {"conv1"}), simple_spec("flatten", "flatten", {"relu1"}),
              dense_spec("fc1", "flatten", gaussian(4, 60, 3), gaussian(4, 1, 4).col(0))};
  return m;
}

LayerFileSpec& layer(ModelFileSpec& m, const std::string& name) {
  for (LayerFileSpec& l : m.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  throw;  // unreachable
}

struct BadModel {
  std::string what;
  std::function<void(ModelFileSpec&)> defect;
  std::vector<std::string> fragments;  // the message must contain all of them
};

}  // namespace

TEST_CASE("the unmodified hand-written model loads") {
  TempDir dir;
  const std::string file = dir.file("valid.h5");
  write_model(file, valid_model());
  const Network net = load_network(file);
  CHECK(net.layers.size() == 4);
  CHECK(net.file == file);
  CHECK(net.name == "error_probe");
  CHECK(net.layers[3].out_shape.size() == 4);
}

TEST_CASE("malformed model files give an IoError naming the file, the layer and the dataset") {
  const std::vector<BadModel> cases = {
      {"dense weight of the wrong shape",
       [](ModelFileSpec& m) {
         layer(m, "fc1") = dense_spec("fc1", "flatten", gaussian(4, 61, 5), Vector::Zero(4));
       },
       {"fc1", "'weight'", "[4, 61]", "[4, 60]"}},
      {"conv weight with the wrong number of input channels",
       [](ModelFileSpec& m) {
         layer(m, "conv1") = conv_spec("conv1", "input", gaussian(3, 9, 6), Vector::Zero(3), 1, 3,
                                       3, {1, 1}, {1, 1});
       },
       {"conv1", "'weight'", "[3, 1, 3, 3]"}},
      {"bias of the wrong length",
       [](ModelFileSpec& m) {
         layer(m, "fc1").datasets["bias"] = {{5}, std::vector<float>(5)};
       },
       {"fc1", "'bias'", "[5]", "[4]"}},
      {"missing bias",
       [](ModelFileSpec& m) { layer(m, "fc1").datasets.erase("bias"); },
       {"fc1", "missing", "'bias'"}},
      {"unknown layer type",
       [](ModelFileSpec& m) { m.layers.push_back(simple_spec("swish", "act", {"fc1"})); },
       {"act", "unknown layer type", "'swish'"}},
      {"a version 2 layer type in a version 1 file",
       [](ModelFileSpec& m) { m.layers.push_back(simple_spec("softmax", "prob", {"fc1"})); },
       {"prob", "'softmax'", "needs format_version 2", "says 1"}},
      {"format_version 3",
       [](ModelFileSpec& m) { m.format_version = 3; },
       {"format_version", "3", "not supported"}},
      {"attention heads that do not divide the features",
       [](ModelFileSpec& m) {
         m.format_version = 2;
         m.layers.push_back(simple_spec("reshape", "seq", {"fc1"}));
         m.layers.back().int_pairs["shape"] = {2, 2};
         m.layers.push_back(simple_spec("attention", "attn", {"seq", "seq", "seq"}));
         m.layers.back().int_scalars["heads"] = 3;
       },
       {"attn", "'heads'", "3", "divide"}},
      {"a reshape that changes the element count",
       [](ModelFileSpec& m) {
         m.format_version = 2;
         m.layers.push_back(simple_spec("reshape", "seq", {"fc1"}));
         m.layers.back().int_pairs["shape"] = {3, 2};
       },
       {"seq", "reshapes", "[4]", "[3, 2]"}},
      {"input referencing a later layer",
       [](ModelFileSpec& m) { layer(m, "relu1").inputs = {"flatten"}; },
       {"relu1", "'flatten'", "earlier"}},
      {"input referencing an unknown layer",
       [](ModelFileSpec& m) { layer(m, "relu1").inputs = {"conv9"}; },
       {"relu1", "'conv9'"}},
      {"add with one input",
       [](ModelFileSpec& m) {
         m.layers.insert(m.layers.begin() + 2, simple_spec("add", "add", {"relu1"}));
         layer(m, "flatten").inputs = {"add"};
       },
       {"'add'", "1 inputs", "expected 2"}},
      {"relu with two inputs",
       [](ModelFileSpec& m) {
         layer(m, "relu1").inputs = {"conv1", "conv1"};
       },
       {"relu1", "2 inputs", "expected 1"}},
      {"add of [3, 5, 4] and [3, 4, 5] (same channels and size, different shape)",
       [](ModelFileSpec& m) {
         m.layers = {conv_spec("conv_a", "input", gaussian(3, 2, 7), Vector::Zero(3), 2, 1, 1,
                               {1, 1}, {0, 0}),  // 1x1 kernel: [3, 5, 4]
                     conv_spec("conv_b", "input", gaussian(3, 8, 8), Vector::Zero(3), 2, 2, 2,
                               {1, 1}, {0, 1}),  // 2x2 kernel, padding [0, 1]: [3, 4, 5]
                     simple_spec("add", "add", {"conv_a", "conv_b"}),
                     simple_spec("flatten", "flatten", {"add"}),
                     dense_spec("fc1", "flatten", gaussian(4, 60, 3), Vector::Zero(4))};
       },
       {"'add'", "[3, 5, 4]", "[3, 4, 5]"}},
      {"conv with stride 0",
       [](ModelFileSpec& m) {
         layer(m, "conv1").int_pairs["stride"] = {0, 1};
       },
       {"conv1", "stride"}},
      {"conv without padding attribute",
       [](ModelFileSpec& m) { layer(m, "conv1").int_pairs.erase("padding"); },
       {"conv1", "'padding'"}},
      {"dense on an image input (no flatten)",
       [](ModelFileSpec& m) {
         m.layers.erase(m.layers.begin() + 2);
         layer(m, "fc1").inputs = {"relu1"};
       },
       {"fc1", "flat"}},
      {"num_classes disagrees with the last layer",
       [](ModelFileSpec& m) { m.num_classes = 10; },
       {"fc1", "num_classes"}},
      {"NaN in a weight",
       [](ModelFileSpec& m) {
         layer(m, "fc1").datasets["weight"].data[17] = std::numeric_limits<float>::quiet_NaN();
       },
       {"fc1", "NaN"}},
      {"duplicate layer name",
       [](ModelFileSpec& m) { layer(m, "flatten").name = "relu1"; },
       {"relu1", "duplicate"}},
      {"layer named input",
       [](ModelFileSpec& m) {
         layer(m, "relu1").name = "input";
         layer(m, "flatten").inputs = {"conv1"};
       },
       {"'input'", "reserved"}},
      {"layer groups not numbered consecutively",
       [](ModelFileSpec& m) { m.group_names[2] = "005"; },
       {"numbered", "/layers/003"}},
      {"layer group name too large for any integer",
       [](ModelFileSpec& m) { m.group_names[3] = "99999999999999999999999"; },
       {"numbered", "/layers/99999999999999999999999"}},
      {"maxpool padding larger than half its kernel (a window of padding only)",
       [](ModelFileSpec& m) {
         m.layers.insert(m.layers.begin() + 2,
                         pool_spec("maxpool2d", "pool", "relu1", {2, 2}, {2, 2}, {2, 0}));
         layer(m, "flatten").inputs = {"pool"};
       },
       {"'pool'", "padding"}},
      {"batchnorm with a NaN running mean",
       [](ModelFileSpec& m) {
         BatchNormParams p{Vector::Ones(3), Vector::Zero(3), Vector::Zero(3), Vector::Ones(3)};
         p.mean(1) = std::numeric_limits<float>::quiet_NaN();
         m.layers.insert(m.layers.begin() + 1, batchnorm_spec("bn1", "conv1", p));
         layer(m, "relu1").inputs = {"bn1"};
       },
       {"bn1", "NaN"}},
      {"batchnorm without eps",
       [](ModelFileSpec& m) {
         BatchNormParams p{Vector::Ones(3), Vector::Zero(3), Vector::Zero(3), Vector::Ones(3)};
         LayerFileSpec bn = batchnorm_spec("bn1", "conv1", p);
         bn.doubles.clear();
         m.layers.insert(m.layers.begin() + 1, bn);
         layer(m, "relu1").inputs = {"bn1"};
       },
       {"bn1", "'eps'"}},
      {"batchnorm with a negative variance",
       [](ModelFileSpec& m) {
         BatchNormParams p{Vector::Ones(3), Vector::Zero(3), Vector::Zero(3),
                           Vector::Constant(3, -1.0f)};
         m.layers.insert(m.layers.begin() + 1, batchnorm_spec("bn1", "conv1", p));
         layer(m, "relu1").inputs = {"bn1"};
       },
       {"bn1", "running_var"}},
      {"no layers", [](ModelFileSpec& m) { m.layers.clear(); }, {"/layers"}},
      {"input_shape of rank 2",
       [](ModelFileSpec& m) {
         m.input_shape = {5, 4};
       },
       {"input_shape"}},
  };
  TempDir dir;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const BadModel& c = cases[i];
    CAPTURE(c.what);
    ModelFileSpec m = valid_model();
    c.defect(m);
    const std::string file = dir.file("bad_" + std::to_string(i) + ".h5");
    write_model(file, m);
    check_io_error([&] { load_network(file); }, file, c.fragments);
  }
}

TEST_CASE("truncated, missing and non-HDF5 files give an IoError naming the file") {
  TempDir dir;
  SUBCASE("a model file cut to half its bytes") {
    // The shipped model (written by h5py) and a hand-written one.
    const std::string hand = dir.file("hand.h5");
    write_model(hand, valid_model());
    for (const std::string& source : {source_data("models/fmnist_mlp.h5"), hand}) {
      CAPTURE(source);
      REQUIRE(fs::exists(source));
      const std::string file = dir.file("truncated_" + fs::path(source).filename().string());
      fs::copy_file(source, file, fs::copy_options::overwrite_existing);
      fs::resize_file(file, fs::file_size(source) / 2);
      check_io_error([&] { load_network(file); }, file, {"truncated"});
    }
  }
  SUBCASE("not an HDF5 file at all") {
    const std::string file = dir.file("model.h5");
    std::ofstream(file) << "format: xbarsim.model\nthis is a text file, not HDF5\n";
    check_io_error([&] { load_network(file); }, file, {"not an HDF5 file"});
  }
  SUBCASE("an empty file") {
    const std::string file = dir.file("empty.h5");
    std::ofstream{file};
    check_io_error([&] { load_network(file); }, file, {"not an HDF5 file"});
  }
  SUBCASE("a missing file") {
    const std::string file = dir.file("does_not_exist.h5");
    check_io_error([&] { load_network(file); }, file, {"not found"});
  }
  SUBCASE("an HDF5 file that is not a model (a reference data file)") {
    const std::string file = dir.file("data.h5");
    {
      H5 f(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
      REQUIRE(f.id >= 0);
    }
    check_io_error([&] { load_network(file); }, file, {"'format'"});
  }
}

namespace {

// Replaces attribute `name` of object `object` of an existing file by an array of `n` values
// of HDF5 type `type` (a malformed file no writer of ours would produce).
void replace_with_array(const std::string& file, const std::string& object, const std::string& name,
                        hsize_t n, hid_t type) {
  H5 f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  REQUIRE(f.id >= 0);
  H5 o(H5Oopen(f.id, object.c_str(), H5P_DEFAULT), H5Oclose);
  REQUIRE(o.id >= 0);
  if (H5Aexists(o.id, name.c_str()) > 0) REQUIRE(H5Adelete(o.id, name.c_str()) >= 0);
  H5 space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5 a(H5Acreate2(o.id, name.c_str(), type, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  REQUIRE(a.id >= 0);
  const std::vector<double> values(n, 0.5);
  REQUIRE(H5Awrite(a.id, H5T_NATIVE_DOUBLE, values.data()) >= 0);
}

}  // namespace

TEST_CASE("an attribute meant to hold one number that holds an array is an error, not a read") {
  // Before the checked reads, a 16-value input_mean overwrote the stack (segfault) and 2 to 8
  // values were read past one double silently.
  TempDir dir;
  ModelFileSpec spec = valid_model();
  BatchNormParams p{Vector::Ones(3), Vector::Zero(3), Vector::Zero(3), Vector::Ones(3)};
  spec.layers.insert(spec.layers.begin() + 1, batchnorm_spec("bn1", "conv1", p));
  layer(spec, "relu1").inputs = {"bn1"};
  struct Case {
    std::string object, name, where;
  };
  const std::vector<Case> cases = {
      {"/", "input_mean", "root"}, {"/", "input_std", "root"}, {"/layers/001", "eps", "bn1"}};
  int k = 0;
  for (const Case& c : cases)
    for (hsize_t n : {hsize_t{2}, hsize_t{16}, hsize_t{1000}}) {
      CAPTURE(c.name);
      CAPTURE(n);
      const std::string file = dir.file("array_" + std::to_string(k++) + ".h5");
      write_model(file, spec);
      REQUIRE_NOTHROW(load_network(file));
      replace_with_array(file, c.object, c.name, n, H5T_IEEE_F64LE);
      check_io_error([&] { load_network(file); }, file,
                     {c.where, "'" + c.name + "'", "one value", "found " + std::to_string(n)});
    }
}

TEST_CASE("integer and string attributes are checked for their element count before reading") {
  TempDir dir;
  SUBCASE("format_version as an array") {
    const std::string file = dir.file("version.h5");
    write_model(file, valid_model());
    replace_with_array(file, "/", "format_version", 16, H5T_STD_I64LE);
    check_io_error([&] { load_network(file); }, file, {"'format_version'", "found 16"});
  }
  SUBCASE("input_shape with 1000 values") {
    const std::string file = dir.file("shape.h5");
    write_model(file, valid_model());
    replace_with_array(file, "/", "input_shape", 1000, H5T_STD_I64LE);
    check_io_error([&] { load_network(file); }, file, {"'input_shape'", "found 1000"});
  }
  SUBCASE("a number where a string is expected") {
    const std::string file = dir.file("name.h5");
    write_model(file, valid_model());
    replace_with_array(file, "/", "name", 4, H5T_IEEE_F64LE);
    check_io_error([&] { load_network(file); }, file, {"'name'", "string"});
  }
  SUBCASE("an input_shape entry too large for any shape") {
    ModelFileSpec m = valid_model();
    m.input_shape = {2, std::int64_t{1} << 40, 4};
    const std::string file = dir.file("huge_shape.h5");
    write_model(file, m);
    check_io_error([&] { load_network(file); }, file, {"'input_shape'", "larger than"});
  }
}

TEST_CASE("a weight dataset declaring more elements than can exist is refused before allocating") {
  // A chunked dataset whose chunks were never written takes a few bytes on disk whatever its
  // declared extent: the reader must refuse it by its shape, not try to allocate it.
  TempDir dir;
  const std::string file = dir.file("huge_weight.h5");
  ModelFileSpec m = valid_model();
  layer(m, "fc1").datasets.erase("weight");
  write_model(file, m);
  {
    H5 f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    const hsize_t dims[2] = {hsize_t{1} << 40, 60}, chunk[2] = {1, 60};
    H5 space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    H5 dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    REQUIRE(H5Pset_chunk(dcpl.id, 2, chunk) >= 0);
    H5 d(H5Dcreate2(f.id, "/layers/003/weight", H5T_IEEE_F32LE, space.id, H5P_DEFAULT, dcpl.id,
                    H5P_DEFAULT),
         H5Dclose);
    REQUIRE(d.id >= 0);
  }
  check_io_error([&] { load_network(file); }, file, {"fc1", "'weight'", "elements"});
}
