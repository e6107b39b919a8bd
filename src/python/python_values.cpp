#include "python_values.hpp"

#include <cmath>

#include "xbarsim/core/error.hpp"

namespace xbarsim::python {

py::object to_python(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      py::dict d;
      for (const auto& [k, v] : value.items()) d[py::str(k)] = to_python(v);
      return d;
    }
    case Json::value_t::array: {
      py::list l;
      for (const Json& v : value) l.append(to_python(v));
      return l;
    }
    case Json::value_t::string:
      return py::str(value.get<std::string>());
    case Json::value_t::boolean:
      return py::bool_(value.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(value.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(value.get<std::uint64_t>());
    case Json::value_t::number_float:
      // Python floats hold infinities and NaN, so they pass as they are (JSON text writes null).
      return py::float_(value.get<double>());
    default:
      return py::none();
  }
}

std::vector<Override> overrides_from(const py::dict& overrides) {
  std::vector<Override> out;
  for (const auto& [key, value] : overrides) {
    const std::string path = py::str(key);
    std::string text;
    if (py::isinstance<py::bool_>(value))
      text = value.cast<bool>() ? "true" : "false";
    else if (py::isinstance<py::str>(value))
      text = value.cast<std::string>();
    else if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value))
      text = py::str(py::repr(value));  // repr round-trips a float exactly
    else
      throw ConfigError("overrides", path,
                        "a value must be a bool, int, float or str, not " +
                            std::string(py::str(value.get_type().attr("__name__"))));
    out.push_back({path, text});
  }
  return out;
}

Dataset images_from_array(const py::array& images, const std::string& what) {
  const py::ssize_t nd = images.ndim();
  if (nd < 2 || nd > 4)
    throw ShapeError(what + ": images must be (N, C, H, W), (N, H, W) or (N, F), not " +
                     std::to_string(nd) + "-dimensional");
  Dataset d;
  d.name = what;
  const Index n = images.shape(0);
  d.shape = {1, 1, 1};
  if (nd == 4)
    d.shape = {images.shape(1), images.shape(2), images.shape(3)};
  else if (nd == 3)
    d.shape = {1, images.shape(1), images.shape(2)};
  else
    d.shape = {images.shape(1), 1, 1};
  const Index features = d.shape[0] * d.shape[1] * d.shape[2];
  // uint8 pixels get the 1/255 scaling of the file readers (docs/datasets.md).
  const bool pixels = py::isinstance<py::array_t<std::uint8_t>>(images);
  const FloatArray values = FloatArray::ensure(images);
  if (!values) throw ShapeError(what + ": images must be numbers");
  d.images = Eigen::Map<const Matrix>(values.data(), features, n);
  if (pixels) d.images /= 255.0f;
  if (!d.images.allFinite()) throw ShapeError(what + ": images contain NaN or infinity");
  return d;
}

Dataset dataset_from_arrays(const py::array& images, const py::array& labels,
                            const std::string& what) {
  Dataset d = images_from_array(images, what);
  const auto l =
      py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(labels);
  if (!l || l.ndim() != 1 || l.shape(0) != d.size())
    throw ShapeError(what + ": labels must be a 1-D integer array of " + std::to_string(d.size()) +
                     " entries, one per image");
  int max_label = -1;
  for (py::ssize_t i = 0; i < l.shape(0); ++i) {
    const std::int64_t v = l.data()[i];
    if (v < 0 || v > 1'000'000)
      throw ShapeError(what + ": label " + std::to_string(v) + " of image " + std::to_string(i) +
                       " is not a class index");
    d.labels.push_back(static_cast<int>(v));
    max_label = std::max(max_label, static_cast<int>(v));
  }
  d.num_classes = max_label + 1;
  return d;
}

Eigen::Map<const Matrix> as_columns(const FloatArray& a, const std::string& what) {
  if (a.ndim() != 2)
    throw ShapeError(what + " must be a 2-D array, not " + std::to_string(a.ndim()) + "-D");
  return Eigen::Map<const Matrix>(a.data(), a.shape(1), a.shape(0));
}

py::array_t<float> to_rows(Matrix&& m) {
  auto* owned = new Matrix(std::move(m));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<Matrix*>(p); });
  const py::ssize_t features = owned->rows(), n = owned->cols();
  return py::array_t<float>(
      {n, features},
      {static_cast<py::ssize_t>(sizeof(float)) * features, static_cast<py::ssize_t>(sizeof(float))},
      owned->data(), free_when_done);
}

}  // namespace xbarsim::python
