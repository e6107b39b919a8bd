// Fuzz harness: well-formed HDF5 files of fuzzed layout through every HDF5 reader (models,
// data sets, result files).
//
// Byte mutations of a checksummed file cannot change its metadata (a changed byte fails the
// checksum), so the mutation harnesses seldom reach xbarsim's own checks of attributes and
// datasets. Here the input is a small program that builds a file in memory instead: its first
// byte picks a starting layout (empty, or one of the seed models, data sets or the result
// file of seed_files.hpp), and each item after it adds or replaces a group, an attribute or a
// dataset with a name the readers look for, of a fuzzed class, rank, element count and value. The
// readers then run on the file. A wrong-class, wrong-rank or oversized attribute (an
// `input_mean` that holds 16 values) is one item away from a valid model.
#include <array>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "../../src/app/result_summary.hpp"
#include "../../src/io/hdf5_handle.hpp"
#include "fuzz_support.hpp"
#include "seed_files.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/nn/network.hpp"

namespace {

using xbarsim::detail::Handle;

constexpr std::array kObjects = {
    "/",        "/layers", "/layers/000",   "/layers/001",   "/layers/002", "/layers/3",
    "/results", "/points", "/points/00000", "/points/00001", "/layers/x"};
constexpr std::array kNames = {"format",
                               "format_version",
                               "name",
                               "input_shape",
                               "num_classes",
                               "input_mean",
                               "input_std",
                               "type",
                               "inputs",
                               "kernel",
                               "stride",
                               "padding",
                               "eps",
                               "weight",
                               "bias",
                               "gamma",
                               "beta",
                               "running_mean",
                               "running_var",
                               "images",
                               "labels",
                               "schema_version",
                               "points",
                               "label",
                               "kind",
                               "accuracy_mean",
                               "accuracy_ci95",
                               "energy_j_analog",
                               "energy_j_digital",
                               "trials"};
constexpr std::array kWords = {
    "xbarsim.model", "dense", "conv2d", "maxpool2d", "avgpool2d", "relu",  "batchnorm", "flatten",
    "add",           "input", "a",      "b",         "1",         "sweep", ""};

// The input, read front to back; past its end every read is zero.
class Program {
 public:
  Program(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  template <class T, std::size_t N>
  T pick(const std::array<T, N>& from) {
    return from[byte() % N];
  }
  std::int64_t number() {
    // Small values most often, and the edges of the range.
    switch (byte() % 4) {
      case 0:
        return static_cast<std::int8_t>(byte());
      case 1:
        return byte() % 8;
      case 2:
        return -1;
      default: {
        std::int64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
        return v;
      }
    }
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Opens `path`, creating it and the groups above it when missing.
hid_t object(hid_t file, const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string partial = path.substr(0, slash);
    if (partial != "/" && H5Lexists(file, partial.c_str(), H5P_DEFAULT) <= 0) {
      const hid_t g = H5Gcreate2(file, partial.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (g < 0) return -1;
      H5Gclose(g);
    }
    if (slash == std::string::npos) break;
  }
  return H5Oopen(file, path.c_str(), H5P_DEFAULT);
}

// One attribute or dataset of fuzzed class, shape and values.
void add_item(hid_t file, Program& p) {
  const std::string where = p.pick(kObjects);
  const char* name = p.pick(kNames);
  const bool dataset = p.byte() & 1;
  const int rank = p.byte() % (dataset ? 5 : 3);
  std::vector<hsize_t> dims(rank);
  hsize_t n = 1;
  for (hsize_t& d : dims) n *= (d = p.byte() % (dataset ? 7 : 18));
  if (n > 4096) return;
  Handle space(rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims.data(), nullptr),
               H5Sclose);
  Handle type(-1, H5Tclose);
  std::vector<std::uint8_t> values;
  std::vector<const char*> strings;
  switch (p.byte() % 6) {
    case 0:
    case 1: {
      type.id = H5Tcopy(p.byte() & 1 ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT8);
      break;
    }
    case 2:
    case 3: {
      type.id = H5Tcopy(p.byte() & 1 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT);
      break;
    }
    case 4: {  // fixed-length string
      type.id = H5Tcopy(H5T_C_S1);
      H5Tset_size(type.id, 1 + p.byte() % 16);
      break;
    }
    default: {  // variable-length string
      type.id = H5Tcopy(H5T_C_S1);
      H5Tset_size(type.id, H5T_VARIABLE);
      for (hsize_t i = 0; i < n; ++i) strings.push_back(p.pick(kWords));
      break;
    }
  }
  const std::size_t bytes = H5Tget_size(type.id) * n;
  if (strings.empty()) {
    values.resize(bytes);
    const bool is_string = H5Tget_class(type.id) == H5T_STRING;
    const bool is_int = H5Tget_class(type.id) == H5T_INTEGER;
    const bool is_double = H5Tget_size(type.id) == 8 && !is_int;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t* v = values.data() + i * H5Tget_size(type.id);
      if (is_string) {
        const std::string w = p.pick(kWords);
        w.copy(reinterpret_cast<char*>(v), H5Tget_size(type.id));
      } else if (is_int) {
        const std::int64_t x = p.number();
        std::memcpy(v, &x, H5Tget_size(type.id));
      } else if (is_double) {
        const double x = static_cast<double>(p.number()) / 4;
        std::memcpy(v, &x, 8);
      } else {
        const float x = static_cast<float>(p.number()) / 4;
        std::memcpy(v, &x, 4);
      }
    }
  }
  const void* buf = strings.empty() ? static_cast<const void*>(values.data()) : strings.data();
  Handle obj(object(file, where), H5Oclose);
  if (obj.id < 0) return;
  if (dataset) {
    if (H5Lexists(obj.id, name, H5P_DEFAULT) > 0) H5Ldelete(obj.id, name, H5P_DEFAULT);
    Handle d(H5Dcreate2(obj.id, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
    if (d.id >= 0 && n > 0) H5Dwrite(d.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  } else {
    if (H5Aexists(obj.id, name) > 0) H5Adelete(obj.id, name);
    Handle a(H5Acreate2(obj.id, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (a.id >= 0 && n > 0) H5Awrite(a.id, type.id, buf);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl.id, 1 << 16, /*backing_store=*/0);
  H5Pset_libver_bounds(fapl.id, H5F_LIBVER_V110, H5F_LIBVER_V110);
  Handle file(H5Fcreate("fuzz-layout.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id), H5Fclose);
  if (file.id < 0) return 0;
  Program program(data, size);
  const int base = program.byte() % 8;
  if (base >= 1 && base <= 3) xbarsim::fuzz::write_seed_model(file.id, base - 1);
  if (base >= 4 && base <= 6) xbarsim::fuzz::write_seed_dataset(file.id, base - 4);
  if (base == 7) xbarsim::fuzz::write_seed_result(file.id);
  for (int items = 0; items < 64 && !program.done(); ++items) add_item(file.id, program);
  H5Fflush(file.id, H5F_SCOPE_GLOBAL);
  using namespace xbarsim;
  fuzz::expect_only_xbarsim_errors([&] { read_network(file.id, "layout.h5"); });
  fuzz::expect_only_xbarsim_errors([&] { read_hdf5_dataset(file.id, "layout.h5", 0); });
  std::ostringstream out;
  fuzz::expect_only_xbarsim_errors([&] { app::print_result_summary(file.id, "layout.h5", out); });
  return 0;
}
