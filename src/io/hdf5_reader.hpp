#pragma once
// Private to xbarsim: checked reads of HDF5 attributes and datasets, shared by every reader
// (model files, data sets, matrices, result files). Nothing is read into memory before its
// class, rank and element count are checked against what the caller expects, and every count
// taken from a file is bounded before it sizes an allocation or drives a loop. Every error is
// an IoError naming the file, the object (`where`) and the attribute or dataset.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hdf5_handle.hpp"

namespace xbarsim::detail {

// Attributes are small metadata: no xbarsim attribute holds more values than this.
inline constexpr std::size_t kMaxAttributeValues = 4096;
// No fixed-length string attribute is longer than this many bytes.
inline constexpr std::size_t kMaxStringBytes = 1u << 20;
// No dataset xbarsim reads holds more elements than this (16 GiB of float32).
inline constexpr std::uint64_t kMaxDatasetElements = std::uint64_t{1} << 32;

// The product of `dims`, or nullopt if it exceeds `limit` (checked without overflow).
std::optional<std::uint64_t> bounded_product(const std::vector<hsize_t>& dims, std::uint64_t limit);

// One object of an HDF5 file (the root, a group or a dataset) and how errors name it.
class Hdf5Object {
 public:
  // `where` prefixes every message ("root", "layer 'fc1' (/layers/003)"); empty: none.
  Hdf5Object(std::string file, hid_t object, std::string where);

  [[noreturn]] void fail(const std::string& what) const;
  const std::string& file() const { return file_; }
  hid_t id() const { return obj_; }

  bool has_attr(const char* name) const;
  // One number (integer or float class, exactly one element: scalar or a 1-element array).
  double number_attr(const char* name) const;
  // One integer (integer class, exactly one element).
  std::int64_t int_scalar(const char* name) const;
  // 1 to max_count integers (scalar or 1-D).
  std::vector<std::int64_t> int_attr(const char* name, std::size_t max_count) const;
  // One string (scalar or a 1-element array).
  std::string string_attr(const char* name) const;
  // 1 to max_count strings of a 1-D array (a scalar too when scalar_ok).
  std::vector<std::string> string_array_attr(const char* name, std::size_t max_count,
                                             bool scalar_ok = false) const;
  // One value of any string or numeric attribute as text; nullopt when absent. An attribute of
  // another class or of more than one element is an error.
  std::optional<std::string> scalar_attr_text(const char* name) const;

  // Dimensions of dataset `name`: an error if it is missing, not a dataset, of rank outside
  // [min_rank, max_rank], not of integer or float class, or of more than kMaxDatasetElements.
  std::vector<hsize_t> dataset_dims(const char* name, int min_rank, int max_rank) const;
  // The whole of a numeric dataset, converted to float or double, checked as dataset_dims
  // does.
  std::vector<float> float_dataset(const char* name, int min_rank, int max_rank) const;
  std::vector<double> double_dataset(const char* name, int min_rank, int max_rank) const;

 private:
  hid_t open_attr(const char* name) const;
  // The attribute's element count, checked to lie in [1, max_count] with rank 0 or 1
  // (rank 0 only when scalar_ok).
  std::size_t attr_count(hid_t attr, const char* name, std::size_t max_count, bool scalar_ok) const;
  template <class T>
  std::vector<T> numeric_dataset(const char* name, int min_rank, int max_rank,
                                 hid_t mem_type) const;
  std::string file_;
  hid_t obj_;
  std::string where_;
};

// "[3, 4]" for error messages.
std::string dims_text(const std::vector<hsize_t>& dims);

}  // namespace xbarsim::detail
