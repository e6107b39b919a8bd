// load_hdf5_dataset: labelled samples from a user's HDF5 file (layout in docs/datasets.md).
#include <algorithm>
#include <climits>
#include <filesystem>
#include <new>
#include <vector>

#include "hdf5_reader.hpp"
#include "idx_reader.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/dataset.hpp"

namespace xbarsim {

namespace {

using detail::Handle;

// "uint8", "float32", "string", ...: how an HDF5 type is named in error messages.
std::string type_name(hid_t type) {
  const std::string bits = std::to_string(8 * H5Tget_size(type));
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
    case H5T_FLOAT:
      return "float" + bits;
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length";
    default:
      return "an unsupported HDF5 type class";
  }
}

// Opens dataset `name` of file `f`; throws naming the file and the dataset.
hid_t open_dataset(hid_t f, const std::string& path, const std::string& name) {
  if (H5Lexists(f, name.c_str(), H5P_DEFAULT) <= 0)
    throw IoError(path, "dataset '" + name + "' not found (a data set file needs 'images' " +
                            "and 'labels')");
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  if (d < 0) throw IoError(path, "'" + name + "' is not a dataset");
  return d;
}

std::vector<hsize_t> dataset_dims(hid_t d) {
  Handle space{H5Dget_space(d), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return dims;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + ")";
}

// Reads the first n entries along dimension 0 of dataset d (of extent `dims`), converted to
// mem_type, into dst. Returns false if HDF5 fails.
bool read_leading(hid_t d, const std::vector<hsize_t>& dims, hsize_t n, hid_t mem_type, void* dst) {
  Handle file_space{H5Dget_space(d), H5Sclose};
  std::vector<hsize_t> start(dims.size(), 0);
  std::vector<hsize_t> count = dims;
  count[0] = n;
  if (H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                          nullptr) < 0)
    return false;
  hsize_t total = 1;
  for (hsize_t c : count) total *= c;
  Handle mem_space{H5Screate_simple(1, &total, nullptr), H5Sclose};
  return H5Dread(d, mem_type, mem_space.id, file_space.id, H5P_DEFAULT, dst) >= 0;
}

// The root attribute num_classes, or -1 if absent.
long long read_num_classes(hid_t f, const std::string& path) {
  if (H5Aexists(f, "num_classes") <= 0) return -1;
  Handle attr{H5Aopen(f, "num_classes", H5P_DEFAULT), H5Aclose};
  if (attr.id < 0) throw IoError(path, "cannot open root attribute num_classes");
  Handle type{H5Aget_type(attr.id), H5Tclose};
  Handle space{H5Aget_space(attr.id), H5Sclose};
  if (H5Tget_class(type.id) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.id) != 1)
    throw IoError(
        path, "root attribute num_classes must be a single integer, found " + type_name(type.id));
  long long value = 0;
  if (H5Aread(attr.id, H5T_NATIVE_LLONG, &value) < 0)
    throw IoError(path, "cannot read root attribute num_classes");
  return value;
}

}  // namespace

Dataset load_hdf5_dataset(const std::string& path, Index limit) {
  detail::silence_hdf5();
  detail::check_sample_limit(path, limit);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw IoError(path, "file not found");
  Handle f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (f.id < 0) throw IoError(path, "not a readable HDF5 file");
  return read_hdf5_dataset(f.id, path, limit);
}

Dataset read_hdf5_dataset(std::int64_t file, const std::string& path, Index limit) {
  detail::silence_hdf5();
  detail::check_sample_limit(path, limit);
  const auto fid = static_cast<hid_t>(file);

  // Check both datasets' shapes and types before reading anything.
  Handle images{open_dataset(fid, path, "images"), H5Dclose};
  const std::vector<hsize_t> idims = dataset_dims(images.id);
  if (idims.size() < 2 || idims.size() > 4)
    throw IoError(path, "dataset 'images' has rank " + std::to_string(idims.size()) + " " +
                            dims_text(idims) + ", expected (N, C, H, W), (N, H, W) or (N, F)");
  if (std::find(idims.begin(), idims.end(), hsize_t{0}) != idims.end())
    throw IoError(path, "dataset 'images' has an empty dimension " + dims_text(idims));
  Handle itype{H5Dget_type(images.id), H5Tclose};
  const H5T_class_t iclass = H5Tget_class(itype.id);
  const std::size_t isize = H5Tget_size(itype.id);
  const bool is_uint8 =
      iclass == H5T_INTEGER && isize == 1 && H5Tget_sign(itype.id) == H5T_SGN_NONE;
  const bool is_float = iclass == H5T_FLOAT && (isize == 4 || isize == 8);
  if (!is_uint8 && !is_float)
    throw IoError(path, "dataset 'images' has unsupported type " + type_name(itype.id) +
                            ", expected uint8, float32 or float64");

  Handle labels{open_dataset(fid, path, "labels"), H5Dclose};
  const std::vector<hsize_t> ldims = dataset_dims(labels.id);
  if (ldims.size() != 1)
    throw IoError(path, "dataset 'labels' has shape " + dims_text(ldims) + ", expected (N)");
  Handle ltype{H5Dget_type(labels.id), H5Tclose};
  if (H5Tget_class(ltype.id) != H5T_INTEGER)
    throw IoError(path, "dataset 'labels' has unsupported type " + type_name(ltype.id) +
                            ", expected an integer type");
  if (ldims[0] != idims[0])
    throw IoError(path, "dataset 'images' has N = " + std::to_string(idims[0]) +
                            " samples but dataset 'labels' has " + std::to_string(ldims[0]));

  // Counts from the file are bounded before they size anything.
  if (!detail::bounded_product(idims, detail::kMaxDatasetElements))
    throw IoError(path, "dataset 'images' has shape " + dims_text(idims) + ", more than " +
                            std::to_string(detail::kMaxDatasetElements) + " elements");

  // All labels (small) are read, so num_classes does not depend on the limit.
  const auto total = static_cast<Index>(idims[0]);
  std::vector<long long> all_labels;
  try {
    all_labels.resize(static_cast<std::size_t>(total));
  } catch (const std::bad_alloc&) {
    throw IoError(path, "dataset 'labels' of " + std::to_string(total) +
                            " samples is too large to hold in memory");
  }
  if (!read_leading(labels.id, ldims, ldims[0], H5T_NATIVE_LLONG, all_labels.data()))
    throw IoError(path, "cannot read dataset 'labels'");
  long long max_label = 0;
  for (std::size_t i = 0; i < all_labels.size(); ++i) {
    if (all_labels[i] < 0)
      throw IoError(path, "dataset 'labels' holds negative label " + std::to_string(all_labels[i]) +
                              " at sample " + std::to_string(i));
    if (all_labels[i] >= INT_MAX)
      throw IoError(path, "dataset 'labels' holds label " + std::to_string(all_labels[i]) +
                              " at sample " + std::to_string(i) + ", too large for a class index");
    max_label = std::max(max_label, all_labels[i]);
  }
  long long num_classes = read_num_classes(fid, path);
  if (num_classes < 0) num_classes = max_label + 1;
  if (num_classes <= max_label || num_classes > INT_MAX)
    throw IoError(path, "root attribute num_classes = " + std::to_string(num_classes) +
                            " but dataset 'labels' holds label " + std::to_string(max_label));

  Dataset ds;
  ds.name = path;
  if (idims.size() == 4)
    ds.shape = {static_cast<Index>(idims[1]), static_cast<Index>(idims[2]),
                static_cast<Index>(idims[3])};
  else if (idims.size() == 3)
    ds.shape = {1, static_cast<Index>(idims[1]), static_cast<Index>(idims[2])};
  else
    ds.shape = {static_cast<Index>(idims[1]), 1, 1};
  const Index n = limit > 0 ? std::min(limit, total) : total;
  // Row-major (N, ...) on disk: each sample is contiguous, in C, H, W order, which is exactly
  // the column-major layout of a (C*H*W) x N matrix.
  try {
    ds.images.resize(ds.shape[0] * ds.shape[1] * ds.shape[2], n);
  } catch (const std::bad_alloc&) {
    throw IoError(
        path, "dataset 'images' of shape " + dims_text(idims) + " is too large to hold in memory");
  }
  const auto count = static_cast<hsize_t>(n);
  if (is_uint8) {
    std::vector<std::uint8_t> pixels;
    try {
      pixels.resize(static_cast<std::size_t>(ds.images.size()));
    } catch (const std::bad_alloc&) {
      throw IoError(path, "dataset 'images' is too large to hold in memory");
    }
    if (!read_leading(images.id, idims, count, H5T_NATIVE_UCHAR, pixels.data()))
      throw IoError(path, "cannot read dataset 'images'");
    detail::scale_pixels(pixels.data(), ds.images.data(), pixels.size());
  } else if (!read_leading(images.id, idims, count, H5T_NATIVE_FLOAT, ds.images.data())) {
    throw IoError(path, "cannot read dataset 'images'");
  }
  ds.labels.assign(all_labels.begin(), all_labels.begin() + n);
  ds.num_classes = static_cast<int>(num_classes);
  return ds;
}

}  // namespace xbarsim
