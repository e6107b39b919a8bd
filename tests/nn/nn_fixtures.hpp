#pragma once
// Fixtures for the nn tests: a temporary directory, an independent writer of model files that
// follows docs/model_format.md with the HDF5 C API (not the reader under test), readers of
// the PyTorch reference files, seeded random tensors and a float-rounding tolerance.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <atomic>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim::nntest {

namespace fs = std::filesystem;

// The shipped data folder of the source tree (models, architectures, scripts).
inline std::string source_data(const std::string& rel) {
  return std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/" + rel;
}

using TempDir = xbarsim::test::TempDir;

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a shell command with its output captured; a failure reports the command and output.
inline void run_or_fail(const std::string& command, const std::string& log) {
  const int rc = std::system((command + " >" + log + " 2>&1").c_str());
  INFO("command: " << command);
  INFO("output:\n" << read_text(log));
  REQUIRE(rc == 0);
}

// ---- seeded random tensors ----

inline Matrix gaussian(Index rows, Index cols, std::uint64_t seed, float stddev = 1.0f) {
  Rng rng = make_rng(seed, StreamPurpose::kWeights);
  boost::random::normal_distribution<float> n(0.0f, stddev);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = n(rng);
  return m;
}

inline Matrix uniform(Index rows, Index cols, float lo, float hi, std::uint64_t seed) {
  Rng rng = make_rng(seed, StreamPurpose::kInputs);
  boost::random::uniform_real_distribution<float> u(lo, hi);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = u(rng);
  return m;
}

// Largest violation of |got - want| <= rel * scale(i) (+ tiny absolute slack), as a ratio:
// <= 1 passes. `scale` bounds the float rounding of each entry (e.g. sum |w x|).
inline double worst_ratio(const Matrix& got, const MatrixD& want, const MatrixD& scale,
                          double rel) {
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  double worst = 0;
  for (Index i = 0; i < want.size(); ++i) {
    const double tol = rel * scale.data()[i] + 1e-12;
    worst = std::max(worst, std::abs(static_cast<double>(got.data()[i]) - want.data()[i]) / tol);
  }
  return worst;
}

// ---- direct (loop) references in double precision ----

// A reference result and, per entry, the sum of |terms| it was made of (bounds float rounding).
struct Reference {
  MatrixD value, scale;
};

// Cross-correlation as docs/model_format.md defines it, by seven nested loops over
// (b, o, i, j, c, u, v). x: (C H W) x B; w: C_out x (C K_h K_w) in (c, u, v) order.
// Returns (C_out H_out W_out) x B.
inline Reference direct_conv(const MatrixD& x, Index c_in, Index h, Index w_in, const MatrixD& w,
                             const Eigen::VectorXd& bias, Index kh, Index kw, Index sh, Index sw,
                             Index ph, Index pw) {
  const Index oh = (h + 2 * ph - kh) / sh + 1, ow = (w_in + 2 * pw - kw) / sw + 1;
  const Index c_out = w.rows();
  Reference r{MatrixD::Zero(c_out * oh * ow, x.cols()), MatrixD::Zero(c_out * oh * ow, x.cols())};
  for (Index b = 0; b < x.cols(); ++b)
    for (Index o = 0; o < c_out; ++o)
      for (Index i = 0; i < oh; ++i)
        for (Index j = 0; j < ow; ++j) {
          double acc = bias(o), mag = std::abs(bias(o));
          for (Index c = 0; c < c_in; ++c)
            for (Index u = 0; u < kh; ++u)
              for (Index v = 0; v < kw; ++v) {
                const Index y = i * sh + u - ph, xx = j * sw + v - pw;
                if (y < 0 || y >= h || xx < 0 || xx >= w_in) continue;  // zero padding
                const double t = w(o, (c * kh + u) * kw + v) * x((c * h + y) * w_in + xx, b);
                acc += t;
                mag += std::abs(t);
              }
          r.value((o * oh + i) * ow + j, b) = acc;
          r.scale((o * oh + i) * ow + j, b) = mag;
        }
  return r;
}

// ---- model files, written with the HDF5 C API following docs/model_format.md ----

struct H5 {
  hid_t id;
  herr_t (*close)(hid_t);
  H5(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  H5(const H5&) = delete;
  H5& operator=(const H5&) = delete;
  ~H5() {
    if (id >= 0) close(id);
  }
};

// Variable-length UTF-8 string type, as h5py writes attributes.
inline hid_t vlen_utf8() {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

inline void attr_string(hid_t obj, const std::string& name, const std::string& value) {
  H5 type(vlen_utf8(), H5Tclose);
  H5 space(H5Screate(H5S_SCALAR), H5Sclose);
  H5 a(H5Acreate2(obj, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  REQUIRE(a.id >= 0);
  const char* p = value.c_str();
  REQUIRE(H5Awrite(a.id, type.id, &p) >= 0);
}

inline void attr_strings(hid_t obj, const std::string& name,
                         const std::vector<std::string>& values) {
  H5 type(vlen_utf8(), H5Tclose);
  const hsize_t n = values.size();
  H5 space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5 a(H5Acreate2(obj, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  REQUIRE(a.id >= 0);
  std::vector<const char*> p;
  for (const std::string& v : values) p.push_back(v.c_str());
  if (n) REQUIRE(H5Awrite(a.id, type.id, p.data()) >= 0);
}

// Integer attribute: scalar dataspace when `scalar`, else a 1-D array.
inline void attr_ints(hid_t obj, const std::string& name, const std::vector<std::int64_t>& v,
                      bool scalar) {
  const hsize_t n = v.size();
  H5 space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5 a(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  REQUIRE(a.id >= 0);
  REQUIRE(H5Awrite(a.id, H5T_NATIVE_INT64, v.data()) >= 0);
}

inline void attr_double(hid_t obj, const std::string& name, double v) {
  H5 space(H5Screate(H5S_SCALAR), H5Sclose);
  H5 a(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  REQUIRE(a.id >= 0);
  REQUIRE(H5Awrite(a.id, H5T_NATIVE_DOUBLE, &v) >= 0);
}

// A float32 dataset: `dims` and row-major `data`, exactly as numpy holds a PyTorch tensor.
struct DatasetSpec {
  std::vector<hsize_t> dims;
  std::vector<float> data;
};

struct LayerFileSpec {
  std::string type, name;
  std::vector<std::string> inputs;
  std::map<std::string, std::vector<std::int64_t>> int_pairs;  // stride, padding, kernel, shape
  std::map<std::string, double> doubles;                       // eps
  std::map<std::string, DatasetSpec> datasets;
  std::map<std::string, std::int64_t> int_scalars;  // heads, index
};

struct ModelFileSpec {
  std::string name = "hand_written";
  std::int64_t format_version = 1;
  std::vector<std::int64_t> input_shape;
  std::int64_t num_classes = 0;
  double input_mean = 0.25, input_std = 0.5;
  std::vector<LayerFileSpec> layers;
  // Deliberate corruption for error tests: write the group of layer i under this name.
  std::map<std::size_t, std::string> group_names;
};

inline void write_model(const std::string& path, const ModelFileSpec& m) {
  H5 f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  REQUIRE(f.id >= 0);
  {
    H5 root(H5Gopen2(f.id, "/", H5P_DEFAULT), H5Gclose);
    attr_string(root.id, "format", "xbarsim.model");
    attr_ints(root.id, "format_version", {m.format_version}, true);
    attr_string(root.id, "name", m.name);
    attr_ints(root.id, "input_shape", m.input_shape, false);
    attr_ints(root.id, "num_classes", {m.num_classes}, true);
    attr_double(root.id, "input_mean", m.input_mean);
    attr_double(root.id, "input_std", m.input_std);
    attr_string(root.id, "producer", "xbarsim tests/nn (HDF5 C API)");
  }
  H5 layers(H5Gcreate2(f.id, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  REQUIRE(layers.id >= 0);
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const LayerFileSpec& l = m.layers[i];
    std::string num = std::to_string(i);
    num.insert(0, num.size() < 3 ? 3 - num.size() : 0, '0');  // 000, 001, ...
    const std::string gname = m.group_names.count(i) ? m.group_names.at(i) : num;
    H5 g(H5Gcreate2(layers.id, gname.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    REQUIRE(g.id >= 0);
    attr_string(g.id, "type", l.type);
    attr_string(g.id, "name", l.name);
    attr_strings(g.id, "inputs", l.inputs);
    for (const auto& [k, v] : l.int_pairs) attr_ints(g.id, k, v, false);
    for (const auto& [k, v] : l.int_scalars) attr_ints(g.id, k, {v}, true);
    for (const auto& [k, v] : l.doubles) attr_double(g.id, k, v);
    for (const auto& [k, d] : l.datasets) {
      H5 space(H5Screate_simple(static_cast<int>(d.dims.size()), d.dims.data(), nullptr), H5Sclose);
      H5 ds(H5Dcreate2(g.id, k.c_str(), H5T_IEEE_F32LE, space.id, H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT),
            H5Dclose);
      REQUIRE(ds.id >= 0);
      std::size_t n = 1;
      for (hsize_t e : d.dims) n *= e;
      REQUIRE(d.data.size() == n);
      if (n)
        REQUIRE(H5Dwrite(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.data.data()) >=
                0);
    }
  }
}

// Row-major copy of a matrix (the layout of a [rows, cols] dataset).
inline std::vector<float> row_major(const Matrix& m) {
  std::vector<float> v;
  v.reserve(static_cast<std::size_t>(m.size()));
  for (Index r = 0; r < m.rows(); ++r)
    for (Index c = 0; c < m.cols(); ++c) v.push_back(m(r, c));
  return v;
}
inline std::vector<float> to_vector(const Vector& v) {
  return {v.data(), v.data() + v.size()};
}

inline LayerFileSpec dense_spec(const std::string& name, const std::string& input, const Matrix& w,
                                const Vector& b) {
  LayerFileSpec l{"dense", name, {input}, {}, {}, {}, {}};
  l.datasets["weight"] = {{static_cast<hsize_t>(w.rows()), static_cast<hsize_t>(w.cols())},
                          row_major(w)};
  l.datasets["bias"] = {{static_cast<hsize_t>(b.size())}, to_vector(b)};
  return l;
}

// w is C_out x (C_in K_h K_w) in (c, u, v) order: row-major it is [C_out, C_in, K_h, K_w].
inline LayerFileSpec conv_spec(const std::string& name, const std::string& input, const Matrix& w,
                               const Vector& b, Index c_in, Index kh, Index kw,
                               std::vector<std::int64_t> stride, std::vector<std::int64_t> pad) {
  LayerFileSpec l{"conv2d", name, {input}, {}, {}, {}, {}};
  l.datasets["weight"] = {{static_cast<hsize_t>(w.rows()), static_cast<hsize_t>(c_in),
                           static_cast<hsize_t>(kh), static_cast<hsize_t>(kw)},
                          row_major(w)};
  l.datasets["bias"] = {{static_cast<hsize_t>(b.size())}, to_vector(b)};
  l.int_pairs["stride"] = std::move(stride);
  l.int_pairs["padding"] = std::move(pad);
  return l;
}

struct BatchNormParams {
  Vector gamma, beta, mean, var;
  double eps = 1e-5;
};

inline LayerFileSpec batchnorm_spec(const std::string& name, const std::string& input,
                                    const BatchNormParams& p) {
  LayerFileSpec l{"batchnorm", name, {input}, {}, {{"eps", p.eps}}, {}, {}};
  const hsize_t c = static_cast<hsize_t>(p.gamma.size());
  l.datasets["gamma"] = {{c}, to_vector(p.gamma)};
  l.datasets["beta"] = {{c}, to_vector(p.beta)};
  l.datasets["running_mean"] = {{c}, to_vector(p.mean)};
  l.datasets["running_var"] = {{c}, to_vector(p.var)};
  return l;
}

inline LayerFileSpec simple_spec(const std::string& type, const std::string& name,
                                 std::vector<std::string> inputs) {
  return LayerFileSpec{type, name, std::move(inputs), {}, {}, {}, {}};
}

inline LayerFileSpec pool_spec(const std::string& type, const std::string& name,
                               const std::string& input, std::vector<std::int64_t> kernel,
                               std::vector<std::int64_t> stride, std::vector<std::int64_t> pad) {
  LayerFileSpec l{type, name, {input}, {}, {}, {}, {}};
  l.int_pairs["kernel"] = std::move(kernel);
  l.int_pairs["stride"] = std::move(stride);
  l.int_pairs["padding"] = std::move(pad);
  return l;
}

// ---- reading reference files (independently of the reader under test) ----

struct FloatArray {
  std::vector<hsize_t> dims;
  std::vector<float> data;
};

inline FloatArray read_float_dataset(const std::string& file, const std::string& name) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  H5 f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  INFO(file << ":" << name);
  REQUIRE(f.id >= 0);
  H5 d(H5Dopen2(f.id, name.c_str(), H5P_DEFAULT), H5Dclose);
  REQUIRE(d.id >= 0);
  H5 space(H5Dget_space(d.id), H5Sclose);
  FloatArray a;
  a.dims.resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.id)));
  H5Sget_simple_extent_dims(space.id, a.dims.data(), nullptr);
  std::size_t n = 1;
  for (hsize_t e : a.dims) n *= e;
  a.data.resize(n);
  REQUIRE(H5Dread(d.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data.data()) >= 0);
  return a;
}

inline double read_root_double(const std::string& file, const std::string& name) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  H5 f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  REQUIRE(f.id >= 0);
  H5 a(H5Aopen_by_name(f.id, "/", name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  INFO(file << ": @" << name);
  REQUIRE(a.id >= 0);
  double v = 0;
  REQUIRE(H5Aread(a.id, H5T_NATIVE_DOUBLE, &v) >= 0);
  return v;
}

// Runs f, which must throw an IoError naming `file` whose message contains every fragment.
template <class F>
void check_io_error(F&& f, const std::string& file, const std::vector<std::string>& fragments) {
  try {
    f();
    FAIL_CHECK("expected an IoError for " << file);
  } catch (const IoError& e) {
    const std::string what = e.what();
    INFO("message: " << what);
    CHECK(e.file() == file);
    CHECK(what.find(file) != std::string::npos);
    for (const std::string& frag : fragments) {
      INFO("expected fragment: " << frag);
      CHECK(what.find(frag) != std::string::npos);
    }
  } catch (const std::exception& e) {
    FAIL_CHECK("expected an IoError for " << file
                                          << ", got another exception: " << std::string(e.what()));
  }
}

}  // namespace xbarsim::nntest
