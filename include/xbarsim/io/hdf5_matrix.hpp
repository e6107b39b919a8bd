#pragma once
// Reading and writing plain 2-D float datasets (row-major on disk, as h5py and numpy write).
#include <string>

#include "xbarsim/core/types.hpp"

namespace xbarsim {

// Reads dataset `name` of `file` into a matrix with the same (rows, cols) as on disk.
// Errors (missing file or dataset, wrong rank, unreadable) are IoError naming both.
Matrix read_hdf5_matrix(const std::string& file, const std::string& name);

// Writes a matrix as a row-major float32 dataset, replacing the file.
void write_hdf5_matrix(const std::string& file, const std::string& name, const Matrix& m);

}  // namespace xbarsim
