#pragma once
// Conversions between the library's values and Python's: JSON documents become dicts, lists
// and numbers; numpy arrays map onto Eigen matrices without a copy where the layout allows.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/types.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/io/json.hpp"

namespace xbarsim::python {

namespace py = pybind11;

// A numpy float32 array in C order, (N, F): column-major it is the F x N matrix the engine
// takes, one sample per column, so no copy is needed.
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

pybind11::object to_python(const Json& value);

// {"tile.adc.bits": 6, "tile.device.model": "ideal"} -> the same overrides as --set.
std::vector<Override> overrides_from(const py::dict& overrides);

// (images, labels): images (N, C, H, W), (N, H, W) or (N, F), uint8 (scaled by 1/255 as the
// file readers do) or float (as is); labels (N) integers. Errors are ShapeError naming `what`.
Dataset dataset_from_arrays(const py::array& images, const py::array& labels,
                            const std::string& what);
// Images only, for calibration data.
Dataset images_from_array(const py::array& images, const std::string& what);

// A (rows, cols) float32 view of `a` as the engine's column-major matrix of cols x rows.
Eigen::Map<const Matrix> as_columns(const FloatArray& a, const std::string& what);
// Hands a column-major (features x N) matrix to numpy as an (N, features) array, moving it.
py::array_t<float> to_rows(Matrix&& m);

}  // namespace xbarsim::python
