#include "xbarsim/io/hdf5_matrix.hpp"

#include <filesystem>
#include <vector>

#include "hdf5_reader.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {

using detail::Handle;
using detail::silence_hdf5;

Matrix read_hdf5_matrix(const std::string& file, const std::string& name) {
  silence_hdf5();
  if (!std::filesystem::is_regular_file(file)) throw IoError(file, "file not found");
  Handle f{H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (f.id < 0) throw IoError(file, "not a readable HDF5 file");
  if (H5Lexists(f.id, name.c_str(), H5P_DEFAULT) <= 0)
    throw IoError(file, "dataset '" + name + "' not found");
  const detail::Hdf5Object root(file, f.id, "");
  const std::vector<hsize_t> dims = root.dataset_dims(name.c_str(), 0, 32);
  if (dims.size() != 2)
    throw IoError(file, "dataset '" + name + "' has rank " + std::to_string(dims.size()) +
                            ", expected a 2-D matrix");
  std::vector<float> buffer = root.float_dataset(name.c_str(), 2, 2);
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<RowMajor>(buffer.data(), static_cast<Index>(dims[0]),
                              static_cast<Index>(dims[1]));
}

void write_hdf5_matrix(const std::string& file, const std::string& name, const Matrix& m) {
  silence_hdf5();
  Handle fapl{detail::checksummed_file_access(), H5Pclose};
  Handle f{H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id), H5Fclose};
  if (f.id < 0) throw IoError(file, "cannot create file");
  const hsize_t dims[2] = {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())};
  Handle space{H5Screate_simple(2, dims, nullptr), H5Sclose};
  Handle d{H5Dcreate2(f.id, name.c_str(), H5T_IEEE_F32LE, space.id, H5P_DEFAULT, H5P_DEFAULT,
                      H5P_DEFAULT),
           H5Dclose};
  if (d.id < 0) throw IoError(file, "cannot create dataset '" + name + "'");
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  if (H5Dwrite(d.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, rm.data()) < 0)
    throw IoError(file, "cannot write dataset '" + name + "'");
}

}  // namespace xbarsim
