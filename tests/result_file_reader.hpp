#pragma once
// Reading result files in tests with the plain HDF5 C API, independently of xbarsim's own
// reader (src/io/hdf5_reader.cpp), so that a writer and a reader cannot agree on a mistake.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <set>
#include <string>
#include <vector>

namespace xbarsim::test {

class H5Reader {
 public:
  explicit H5Reader(const std::string& path) : path_(path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE_MESSAGE(file_ >= 0, "cannot open " << path);
  }
  ~H5Reader() {
    if (file_ >= 0) H5Fclose(file_);
  }
  H5Reader(const H5Reader&) = delete;
  H5Reader& operator=(const H5Reader&) = delete;

  bool exists(const std::string& object) const {
    // Every parent must exist before H5Lexists may be asked about a child.
    for (std::size_t slash = object.find('/', 1);; slash = object.find('/', slash + 1)) {
      if (H5Lexists(file_, object.substr(0, slash).c_str(), H5P_DEFAULT) <= 0) return false;
      if (slash == std::string::npos) return true;
    }
  }
  bool is_dataset(const std::string& object) const {
    if (!exists(object)) return false;
    H5O_info_t info;
    return H5Oget_info_by_name2(file_, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 &&
           info.type == H5O_TYPE_DATASET;
  }

  std::vector<hsize_t> dims(const std::string& dataset) const {
    const hid_t d = open(dataset);
    const hid_t space = H5Dget_space(d);
    std::vector<hsize_t> out(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, out.data(), nullptr);
    H5Sclose(space);
    H5Dclose(d);
    return out;
  }
  H5T_class_t type_class(const std::string& dataset) const {
    const hid_t d = open(dataset);
    const hid_t t = H5Dget_type(d);
    const H5T_class_t c = H5Tget_class(t);
    H5Tclose(t);
    H5Dclose(d);
    return c;
  }
  // Size in bytes of the stored element type (8 for float64 and int64).
  std::size_t type_size(const std::string& dataset) const {
    const hid_t d = open(dataset);
    const hid_t t = H5Dget_type(d);
    const std::size_t n = H5Tget_size(t);
    H5Tclose(t);
    H5Dclose(d);
    return n;
  }

  std::vector<double> doubles(const std::string& dataset) const {
    std::vector<double> v(elements(dataset));
    const hid_t d = open(dataset);
    REQUIRE(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
    H5Dclose(d);
    return v;
  }
  std::vector<long long> ints(const std::string& dataset) const {
    std::vector<long long> v(elements(dataset));
    const hid_t d = open(dataset);
    REQUIRE(H5Dread(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
    H5Dclose(d);
    return v;
  }
  // A 1-D dataset of fixed-length strings, or a scalar one (one element).
  std::vector<std::string> strings(const std::string& dataset) const {
    const std::size_t n = elements(dataset);
    const hid_t d = open(dataset);
    const hid_t t = H5Dget_type(d);
    REQUIRE(H5Tget_class(t) == H5T_STRING);
    REQUIRE(H5Tis_variable_str(t) == 0);
    const std::size_t width = H5Tget_size(t);
    std::vector<char> buf(n * width + 1, '\0');
    REQUIRE(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0);
    H5Tclose(t);
    H5Dclose(d);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string s(buf.data() + i * width, width);
      out.push_back(s.substr(0, s.find('\0')));
    }
    return out;
  }
  std::string text(const std::string& dataset) const { return strings(dataset).at(0); }

  bool has_attr(const std::string& object, const std::string& name) const {
    return exists(object) &&
           H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
  }
  std::string attr_text(const std::string& object, const std::string& name) const {
    REQUIRE_MESSAGE(has_attr(object, name), object << " has no attribute " << name);
    const hid_t a = H5Aopen_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    const hid_t t = H5Aget_type(a);
    REQUIRE(H5Tget_class(t) == H5T_STRING);
    std::vector<char> buf(H5Tget_size(t) + 1, '\0');
    REQUIRE(H5Aread(a, t, buf.data()) >= 0);
    H5Tclose(t);
    H5Aclose(a);
    return buf.data();
  }
  long long attr_int(const std::string& object, const std::string& name) const {
    REQUIRE_MESSAGE(has_attr(object, name), object << " has no attribute " << name);
    const hid_t a = H5Aopen_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    const hid_t t = H5Aget_type(a);
    REQUIRE(H5Tget_class(t) == H5T_INTEGER);
    long long v = 0;
    REQUIRE(H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0);
    H5Tclose(t);
    H5Aclose(a);
    return v;
  }
  std::set<std::string> attr_names(const std::string& object) const {
    std::set<std::string> out;
    H5O_info_t info;
    REQUIRE(H5Oget_info_by_name2(file_, object.c_str(), &info, H5O_INFO_NUM_ATTRS, H5P_DEFAULT) >=
            0);
    for (hsize_t i = 0; i < info.num_attrs; ++i) {
      char name[256] = {0};
      H5Aget_name_by_idx(file_, object.c_str(), H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof(name),
                         H5P_DEFAULT);
      out.insert(name);
    }
    return out;
  }

  // Paths (relative to `group`) of every dataset under `group`, at any depth.
  std::set<std::string> datasets_under(const std::string& group) const {
    std::set<std::string> out;
    if (!exists(group)) return out;
    const hid_t g = H5Oopen(file_, group.c_str(), H5P_DEFAULT);
    H5Ovisit2(
        g, H5_INDEX_NAME, H5_ITER_INC,
        [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
          if (info->type == H5O_TYPE_DATASET)
            static_cast<std::set<std::string>*>(data)->insert(name);
          return 0;
        },
        &out, H5O_INFO_BASIC);
    H5Oclose(g);
    return out;
  }

 private:
  hid_t open(const std::string& dataset) const {
    const hid_t d = H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT);
    REQUIRE_MESSAGE(d >= 0, path_ << ": no dataset " << dataset);
    return d;
  }
  std::size_t elements(const std::string& dataset) const {
    std::size_t n = 1;
    for (hsize_t k : dims(dataset)) n *= static_cast<std::size_t>(k);
    return n;
  }
  std::string path_;
  hid_t file_ = -1;
};

}  // namespace xbarsim::test
