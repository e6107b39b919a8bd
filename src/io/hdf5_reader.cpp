// Checked HDF5 reads (hdf5_reader.hpp).
#include "hdf5_reader.hpp"

#include <cstdio>
#include <new>

#include "xbarsim/core/error.hpp"

namespace xbarsim::detail {

namespace {

std::string quoted(const char* name) {
  return "'" + std::string(name) + "'";
}

std::string values_text(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " value" : " values");
}

}  // namespace

std::optional<std::uint64_t> bounded_product(const std::vector<hsize_t>& dims,
                                             std::uint64_t limit) {
  std::uint64_t n = 1;
  for (hsize_t d : dims) {
    if (d == 0) return 0;
  }
  for (hsize_t d : dims) {
    if (d > limit || n > limit / d) return std::nullopt;
    n *= d;
  }
  return n;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Hdf5Object::Hdf5Object(std::string file, hid_t object, std::string where)
    : file_(std::move(file)), obj_(object), where_(std::move(where)) {}

void Hdf5Object::fail(const std::string& what) const {
  throw IoError(file_, where_.empty() ? what : where_ + ": " + what);
}

bool Hdf5Object::has_attr(const char* name) const {
  return H5Aexists(obj_, name) > 0;
}

hid_t Hdf5Object::open_attr(const char* name) const {
  if (!has_attr(name)) fail("missing attribute " + quoted(name));
  const hid_t a = H5Aopen(obj_, name, H5P_DEFAULT);
  if (a < 0) fail("cannot open attribute " + quoted(name));
  return a;
}

std::size_t Hdf5Object::attr_count(hid_t attr, const char* name, std::size_t max_count,
                                   bool scalar_ok) const {
  Handle space(H5Aget_space(attr), H5Sclose);
  if (space.id < 0) fail("cannot read the dataspace of attribute " + quoted(name));
  const int rank = H5Sget_simple_extent_ndims(space.id);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  if (rank < 0 || n < 0) fail("cannot read the dataspace of attribute " + quoted(name));
  if (n == 0) fail("attribute " + quoted(name) + " is empty");
  if (rank > 1 || (rank == 0 && !scalar_ok))
    fail("attribute " + quoted(name) + " must be a 1-D array, found rank " + std::to_string(rank));
  if (static_cast<std::uint64_t>(n) > max_count)
    fail("attribute " + quoted(name) + " must hold " +
         (max_count == 1 ? std::string("one value") : "at most " + values_text(max_count)) +
         ", found " + values_text(static_cast<std::uint64_t>(n)));
  return static_cast<std::size_t>(n);
}

double Hdf5Object::number_attr(const char* name) const {
  Handle a(open_attr(name), H5Aclose);
  Handle type(H5Aget_type(a.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    fail("attribute " + quoted(name) + " must be a number");
  attr_count(a.id, name, 1, true);
  double v = 0;
  if (H5Aread(a.id, H5T_NATIVE_DOUBLE, &v) < 0) fail("cannot read attribute " + quoted(name));
  return v;
}

std::vector<std::int64_t> Hdf5Object::int_attr(const char* name, std::size_t max_count) const {
  Handle a(open_attr(name), H5Aclose);
  Handle type(H5Aget_type(a.id), H5Tclose);
  if (H5Tget_class(type.id) != H5T_INTEGER)
    fail("attribute " + quoted(name) + " must be an integer");
  std::vector<std::int64_t> v(attr_count(a.id, name, max_count, true));
  if (H5Aread(a.id, H5T_NATIVE_INT64, v.data()) < 0) fail("cannot read attribute " + quoted(name));
  return v;
}

std::int64_t Hdf5Object::int_scalar(const char* name) const {
  return int_attr(name, 1)[0];
}

std::vector<std::string> Hdf5Object::string_array_attr(const char* name, std::size_t max_count,
                                                       bool scalar_ok) const {
  Handle a(open_attr(name), H5Aclose);
  Handle type(H5Aget_type(a.id), H5Tclose);
  if (H5Tget_class(type.id) != H5T_STRING) fail("attribute " + quoted(name) + " must be a string");
  const std::size_t n = attr_count(a.id, name, max_count, scalar_ok);
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.id) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id, H5T_VARIABLE);
    H5Tset_cset(mem.id, H5Tget_cset(type.id));
    std::vector<char*> buf(n, nullptr);
    if (H5Aread(a.id, mem.id, buf.data()) < 0) fail("cannot read attribute " + quoted(name));
    for (char* s : buf) out.emplace_back(s ? s : "");
    Handle space(H5Aget_space(a.id), H5Sclose);
    H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, buf.data());
  } else {
    const std::size_t len = H5Tget_size(type.id);
    if (len == 0 || len > kMaxStringBytes)
      fail("attribute " + quoted(name) + " has a string length of " + std::to_string(len) +
           " bytes (at most " + std::to_string(kMaxStringBytes) + ")");
    std::vector<char> buf(len * n + 1, '\0');
    if (H5Aread(a.id, type.id, buf.data()) < 0) fail("cannot read attribute " + quoted(name));
    for (std::size_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * len, len);
      out.push_back(s.substr(0, s.find('\0')));
    }
  }
  return out;
}

std::string Hdf5Object::string_attr(const char* name) const {
  return string_array_attr(name, 1, /*scalar_ok=*/true)[0];
}

std::optional<std::string> Hdf5Object::scalar_attr_text(const char* name) const {
  if (!has_attr(name)) return std::nullopt;
  Handle a(open_attr(name), H5Aclose);
  Handle type(H5Aget_type(a.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id);
  if (cls == H5T_STRING) return string_attr(name);
  if (cls == H5T_INTEGER) return std::to_string(int_scalar(name));
  if (cls == H5T_FLOAT) {
    char text[40];
    std::snprintf(text, sizeof(text), "%.6g", number_attr(name));
    return std::string(text);
  }
  fail("attribute " + quoted(name) + " must be a string or a number");
}

std::vector<hsize_t> Hdf5Object::dataset_dims(const char* name, int min_rank, int max_rank) const {
  if (H5Lexists(obj_, name, H5P_DEFAULT) <= 0) fail("missing dataset " + quoted(name));
  Handle d(H5Dopen2(obj_, name, H5P_DEFAULT), H5Dclose);
  if (d.id < 0) fail(quoted(name) + " is not a dataset");
  Handle type(H5Dget_type(d.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    fail("dataset " + quoted(name) + " must hold numbers (integer or float)");
  Handle space(H5Dget_space(d.id), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0) fail("cannot read the dataspace of dataset " + quoted(name));
  if (rank < min_rank || rank > max_rank)
    fail("dataset " + quoted(name) + " has rank " + std::to_string(rank) + ", expected " +
         (min_rank == max_rank ? std::to_string(min_rank)
                               : std::to_string(min_rank) + " to " + std::to_string(max_rank)));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.id, dims.data(), nullptr) < 0)
    fail("cannot read the dimensions of dataset " + quoted(name));
  if (!bounded_product(dims, kMaxDatasetElements))
    fail("dataset " + quoted(name) + " has shape " + dims_text(dims) + ", more than " +
         std::to_string(kMaxDatasetElements) + " elements");
  return dims;
}

template <class T>
std::vector<T> Hdf5Object::numeric_dataset(const char* name, int min_rank, int max_rank,
                                           hid_t mem_type) const {
  const std::vector<hsize_t> dims = dataset_dims(name, min_rank, max_rank);
  const std::uint64_t n = *bounded_product(dims, kMaxDatasetElements);
  std::vector<T> v;
  try {
    v.resize(static_cast<std::size_t>(n));
  } catch (const std::bad_alloc&) {
    fail("dataset " + quoted(name) + " of shape " + dims_text(dims) +
         " is too large to hold in memory");
  }
  Handle d(H5Dopen2(obj_, name, H5P_DEFAULT), H5Dclose);
  if (n && H5Dread(d.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    fail("cannot read dataset " + quoted(name) + " (truncated or corrupt?)");
  return v;
}

std::vector<float> Hdf5Object::float_dataset(const char* name, int min_rank, int max_rank) const {
  return numeric_dataset<float>(name, min_rank, max_rank, H5T_NATIVE_FLOAT);
}

std::vector<double> Hdf5Object::double_dataset(const char* name, int min_rank, int max_rank) const {
  return numeric_dataset<double>(name, min_rank, max_rank, H5T_NATIVE_DOUBLE);
}

}  // namespace xbarsim::detail
