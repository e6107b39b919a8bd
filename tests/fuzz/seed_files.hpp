#pragma once
// Small valid files in the formats xbarsim reads, written into an open HDF5 file: the seeds of
// make_seeds and the starting layouts of the hdf5_layout harness.
#include <hdf5.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5_handle.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim::fuzz {

using detail::Handle;

// Attributes and datasets as the project's writers (or h5py, fixed_strings = false) write them.
struct Writer {
  bool fixed_strings = true;

  void attr(hid_t obj, const char* name, hid_t type, hid_t space, const void* data) const {
    Handle a(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    H5Awrite(a.id, type, data);
  }
  void strings(hid_t obj, const char* name, const std::vector<std::string>& v, bool scalar) const {
    const hsize_t n = v.size();
    Handle space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_cset(t.id, H5T_CSET_UTF8);
    if (fixed_strings) {
      std::size_t len = 1;
      for (const auto& s : v) len = std::max(len, s.size() + 1);
      H5Tset_size(t.id, len);
      std::vector<char> buf(len * n, '\0');
      for (std::size_t i = 0; i < n; ++i) v[i].copy(buf.data() + i * len, len - 1);
      attr(obj, name, t.id, space.id, buf.data());
    } else {
      H5Tset_size(t.id, H5T_VARIABLE);
      std::vector<const char*> ptrs;
      for (const auto& s : v) ptrs.push_back(s.c_str());
      attr(obj, name, t.id, space.id, ptrs.data());
    }
  }
  void str(hid_t obj, const char* name, const std::string& v) const {
    strings(obj, name, {v}, true);
  }
  void ints(hid_t obj, const char* name, const std::vector<long long>& v) const {
    const hsize_t n = v.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    attr(obj, name, H5T_STD_I64LE, space.id, v.data());
  }
  void int1(hid_t obj, const char* name, long long v) const {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    attr(obj, name, H5T_STD_I64LE, space.id, &v);
  }
  void real(hid_t obj, const char* name, double v) const {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    attr(obj, name, H5T_IEEE_F64LE, space.id, &v);
  }
  template <class T>
  void data(hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
            const std::vector<hsize_t>& dims, const std::vector<T>& v) const {
    Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    Handle d(H5Dcreate2(obj, name, file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
    H5Dwrite(d.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  }
  void floats(hid_t obj, const char* name, const std::vector<hsize_t>& dims) const {
    hsize_t n = 1;
    for (hsize_t d : dims) n *= d;
    std::vector<float> v(n);
    // Variances must be positive; every other tensor gets both signs.
    const float offset = std::string(name) == "running_var" ? 0.125f : -0.5f;
    for (hsize_t i = 0; i < n; ++i) v[i] = 0.25f * static_cast<float>(i % 7) + offset;
    data(obj, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, dims, v);
  }
};

// ---- models (docs/model_format.md) ----

struct LayerSpec {
  std::string name, type;
  std::vector<std::string> inputs;
  std::vector<std::pair<std::string, std::vector<hsize_t>>> datasets;
  std::vector<std::pair<std::string, std::vector<long long>>> pairs;  // kernel, stride, padding
};

inline void write_model(hid_t f, bool fixed_strings, const std::string& name,
                        const std::vector<long long>& input_shape, int classes,
                        const std::vector<LayerSpec>& layers) {
  const Writer w{fixed_strings};
  w.str(f, "format", "xbarsim.model");
  w.int1(f, "format_version", 1);
  w.str(f, "name", name);
  w.ints(f, "input_shape", input_shape);
  w.int1(f, "num_classes", classes);
  w.real(f, "input_mean", 0.5);
  w.real(f, "input_std", 0.25);
  w.str(f, "producer", "tests/fuzz/make_seeds.cpp");
  Handle g(H5Gcreate2(f, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    char name[24];
    std::snprintf(name, sizeof(name), "%03zu", i);
    Handle l(H5Gcreate2(g.id, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    const LayerSpec& s = layers[i];
    w.str(l.id, "name", s.name);
    w.str(l.id, "type", s.type);
    w.strings(l.id, "inputs", s.inputs, false);
    for (const auto& [d, dims] : s.datasets) w.floats(l.id, d.c_str(), dims);
    for (const auto& [a, v] : s.pairs) w.ints(l.id, a.c_str(), v);
    if (s.type == "batchnorm") w.real(l.id, "eps", 1e-5);
  }
}

// The seed models: 0 an MLP, 1 a CNN with batch norm and both poolings, 2 a residual MLP.
inline constexpr const char* kSeedModels[] = {"mlp", "cnn", "residual"};

inline void write_seed_model(hid_t f, int which, bool fixed_strings = true) {
  const std::string name = kSeedModels[which];
  const std::vector<LayerSpec> mlp = {
      {"fc1", "dense", {"input"}, {{"weight", {3, 4}}, {"bias", {3}}}, {}},
      {"act1", "relu", {"fc1"}, {}, {}},
      {"fc2", "dense", {"act1"}, {{"weight", {2, 3}}, {"bias", {2}}}, {}}};
  if (which == 0) return write_model(f, fixed_strings, name, {4}, 2, mlp);
  const std::vector<std::pair<std::string, std::vector<long long>>> same = {{"stride", {1, 1}},
                                                                            {"padding", {1, 1}}};
  if (which == 1)
    return write_model(
        f, fixed_strings, name, {1, 6, 6}, 2,
        {{"conv1", "conv2d", {"input"}, {{"weight", {2, 1, 3, 3}}, {"bias", {2}}}, same},
         {"bn1",
          "batchnorm",
          {"conv1"},
          {{"gamma", {2}}, {"beta", {2}}, {"running_mean", {2}}, {"running_var", {2}}},
          {}},
         {"pool1",
          "maxpool2d",
          {"bn1"},
          {},
          {{"kernel", {2, 2}}, {"stride", {2, 2}}, {"padding", {0, 0}}}},
         {"pool2",
          "avgpool2d",
          {"pool1"},
          {},
          {{"kernel", {3, 3}}, {"stride", {1, 1}}, {"padding", {0, 0}}}},
         {"flat", "flatten", {"pool2"}, {}, {}},
         {"fc", "dense", {"flat"}, {{"weight", {2, 2}}, {"bias", {2}}}, {}}});
  write_model(f, fixed_strings, name, {4}, 3,
              {{"fc1", "dense", {"input"}, {{"weight", {4, 4}}, {"bias", {4}}}, {}},
               {"act1", "relu", {"fc1"}, {}, {}},
               {"sum", "add", {"act1", "input"}, {}, {}},
               {"fc2", "dense", {"sum"}, {{"weight", {3, 4}}, {"bias", {3}}}, {}}});
}

// ---- data sets (docs/datasets.md) ----

// The seed data sets: 0 uint8 (N, C, H, W) with num_classes, 1 float32 (N, F), 2 float64
// (N, H, W) with uint8 labels.
inline constexpr const char* kSeedDatasets[] = {"uint8_nchw", "float32_flat", "float64_nhw"};

inline void write_seed_dataset(hid_t f, int which) {
  const Writer w;
  if (which == 0) {
    std::vector<unsigned char> px(3 * 16);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 5);
    w.data(f, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {3, 1, 4, 4}, px);
    w.data(f, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {3}, std::vector<long long>{0, 1, 1});
    w.int1(f, "num_classes", 2);
    return;
  }
  if (which == 1) {
    w.floats(f, "images", {2, 5});
    w.data(f, "labels", H5T_STD_I32LE, H5T_NATIVE_INT, {2}, std::vector<int>{2, 0});
    return;
  }
  if (which == 2) {
    w.data(f, "images", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {2, 2, 3}, std::vector<double>(12, 0.5));
    w.data(f, "labels", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {2}, std::vector<unsigned char>{1, 0});
    return;
  }
}

// ---- result files (as src/experiment/result_layout.cpp lays them out) ----

inline void write_seed_result(hid_t f) {
  const Writer w;
  w.int1(f, "schema_version", xbarsim::kResultSchemaVersion);
  w.str(f, "kind", "sweep");
  w.int1(f, "points", 2);
  w.int1(f, "trials", 1);
  Handle results(H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  for (const char* name : {"accuracy_mean", "accuracy_std", "accuracy_ci95",
                           "energy_per_inference_j_analog", "energy_per_inference_j_digital"})
    w.data(results.id, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {2}, std::vector<double>{0.5, 1});
  w.data(results.id, "accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {2, 1},
         std::vector<double>{0.5, 1});
  Handle points(H5Gcreate2(f, "points", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  for (const char* name : {"00000", "00001"}) {
    Handle p(H5Gcreate2(points.id, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    w.str(p.id, "label", std::string("adc.bits=") + name);
  }
}

}  // namespace xbarsim::fuzz
