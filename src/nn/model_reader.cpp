// Reads model files (docs/model_format.md): strict about versions, shapes and layer types;
// every error names the file, the layer and the dataset or attribute.

#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>

#include "../io/hdf5_reader.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/nn/batchnorm_folding.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/nn/shape_rules.hpp"

namespace xbarsim {

namespace {

// The HDF5 handle RAII shared with the other readers.
using H5 = detail::Handle;

// Bounds on counts read from a file, so that none drives a loop or an overflow unchecked.
constexpr hsize_t kMaxLayers = 100000;
constexpr std::int64_t kMaxDimension = 1 << 20;  // one dimension of a shape or a window

// Reads one object (the root or a layer group) and names it in every error. Every read is
// checked for class, rank and element count first (src/io/hdf5_reader.hpp).
class Reader : public detail::Hdf5Object {
 public:
  using Hdf5Object::Hdf5Object;

  // No layer has more inputs than this, and no shape attribute more values.
  static constexpr std::size_t kMaxInputs = 64;
  static constexpr std::size_t kMaxShapeValues = 8;

  std::vector<std::string> string_array_attr(const char* name) const {
    return Hdf5Object::string_array_attr(name, kMaxInputs);
  }
  std::vector<std::int64_t> int_attr(const char* name) const {
    return Hdf5Object::int_attr(name, kMaxShapeValues);
  }
  double double_attr(const char* name) const { return number_attr(name); }

  std::array<Index, 2> int_pair(const char* name) const {
    const auto v = int_attr(name);
    if (v.size() != 2) fail("attribute '" + std::string(name) + "' must hold 2 integers");
    return {static_cast<Index>(v[0]), static_cast<Index>(v[1])};
  }

  // A numeric dataset of exactly the expected shape, flattened in row-major order.
  std::vector<float> dataset(const char* name, const std::vector<Index>& expected) const {
    const std::vector<hsize_t> dims = dataset_dims(name, 0, 8);
    bool match = dims.size() == expected.size();
    for (std::size_t i = 0; match && i < dims.size(); ++i)
      match = expected[i] >= 0 && dims[i] == static_cast<hsize_t>(expected[i]);
    if (!match)
      fail("dataset '" + std::string(name) + "' has shape " + detail::dims_text(dims) +
           ", expected " + dims_str(expected));
    return float_dataset(name, 0, 8);
  }

  // Length of a dataset's first dimension, to learn a layer's size before checking the rest.
  Index leading_dim(const char* name) const {
    const std::vector<hsize_t> dims = dataset_dims(name, 1, 8);
    return static_cast<Index>(dims[0]);
  }
  std::vector<Index> dims_of(const char* name) const {
    const std::vector<hsize_t> dims = dataset_dims(name, 1, 8);
    return std::vector<Index>(dims.begin(), dims.end());
  }

 private:
  static std::string dims_str(const std::vector<Index>& dims) {
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) {
      if (i) s += ", ";
      s += std::to_string(dims[i]);
    }
    return s + "]";
  }
};

LayerType parse_type(const std::string& t, const Reader& r) {
  static const std::map<std::string, LayerType> types = {
      {"dense", LayerType::kDense},         {"conv2d", LayerType::kConv2d},
      {"maxpool2d", LayerType::kMaxPool2d}, {"avgpool2d", LayerType::kAvgPool2d},
      {"relu", LayerType::kRelu},           {"batchnorm", LayerType::kBatchNorm},
      {"flatten", LayerType::kFlatten},     {"add", LayerType::kAdd}};
  auto it = types.find(t);
  if (it == types.end())
    r.fail("unknown layer type '" + t +
           "' (supported: dense, conv2d, maxpool2d, avgpool2d, relu, batchnorm, flatten, add)");
  return it->second;
}

Matrix row_major(const std::vector<float>& v, Index rows, Index cols) {
  return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      v.data(), rows, cols);
}

// Reads one layer group, checks it against its input shape, and fills its output shape.
Layer read_layer(const std::string& file, hid_t group, const std::string& where,
                 const std::map<std::string, int>& names, const std::vector<Layer>& done,
                 const TensorShape& input_shape) {
  Reader r(file, group, where);
  Layer l;
  l.name = r.string_attr("name");
  Reader rn(file, group, "layer '" + l.name + "' (" + where + ")");
  l.type = parse_type(rn.string_attr("type"), rn);
  if (l.name == "input") rn.fail("the name 'input' is reserved for the network input");
  if (names.count(l.name)) rn.fail("duplicate layer name");
  for (const std::string& in : rn.string_array_attr("inputs")) {
    if (in == "input") {
      l.inputs.push_back(kNetworkInput);
      continue;
    }
    auto it = names.find(in);
    if (it == names.end()) rn.fail("input '" + in + "' is not an earlier layer");
    l.inputs.push_back(it->second);
  }
  const std::size_t want_inputs = l.type == LayerType::kAdd ? 2 : 1;
  if (l.inputs.size() != want_inputs)
    rn.fail("has " + std::to_string(l.inputs.size()) + " inputs, expected " +
            std::to_string(want_inputs));
  auto shape_of = [&](int i) { return i == kNetworkInput ? input_shape : done[i].out_shape; };
  l.in_shape = shape_of(l.inputs[0]);
  const TensorShape& in = l.in_shape;
  auto need_image = [&] {
    if (in.flat) rn.fail("needs a [C, H, W] input, got a flat vector of " + in.str());
  };
  auto read_window = [&](bool kernel_from_attr) {
    if (kernel_from_attr) {
      const auto k = rn.int_pair("kernel");
      l.window.kernel_h = k[0];
      l.window.kernel_w = k[1];
    }
    const auto s = rn.int_pair("stride");
    const auto p = rn.int_pair("padding");
    l.window.stride_h = s[0];
    l.window.stride_w = s[1];
    l.window.pad_h = p[0];
    l.window.pad_w = p[1];
    const Window2d& w = l.window;
    if (w.kernel_h < 1 || w.kernel_w < 1 || w.stride_h < 1 || w.stride_w < 1 || w.pad_h < 0 ||
        w.pad_w < 0)
      rn.fail("kernel and stride must be >= 1 and padding >= 0");
    for (Index v : {w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.pad_h, w.pad_w})
      if (v > kMaxDimension)
        rn.fail("kernel, stride and padding must be at most " + std::to_string(kMaxDimension));
    if (w.out_h(in.height) < 1 || w.out_w(in.width) < 1)
      rn.fail("window larger than its " + in.str() + " input");
    l.out_shape = window_output(in, w);
  };
  switch (l.type) {
    case LayerType::kDense: {
      if (!in.flat) rn.fail("needs a flat input (add a flatten layer), got " + in.str());
      const Index out = rn.leading_dim("weight");
      l.weight = row_major(rn.dataset("weight", {out, in.size()}), out, in.size());
      const auto b = rn.dataset("bias", {out});
      l.bias = Eigen::Map<const Vector>(b.data(), out);
      l.out_shape = {out, 1, 1, true};
      break;
    }
    case LayerType::kConv2d: {
      need_image();
      const auto dims = rn.dims_of("weight");
      if (dims.size() != 4) rn.fail("dataset 'weight' must be [C_out, C_in, K_h, K_w]");
      const Index cout = dims[0];
      l.window.kernel_h = dims[2];
      l.window.kernel_w = dims[3];
      const Index k = in.channels * dims[2] * dims[3];
      l.weight = row_major(rn.dataset("weight", {cout, in.channels, dims[2], dims[3]}), cout, k);
      const auto b = rn.dataset("bias", {cout});
      l.bias = Eigen::Map<const Vector>(b.data(), cout);
      read_window(false);
      l.out_shape.channels = cout;
      break;
    }
    case LayerType::kMaxPool2d:
    case LayerType::kAvgPool2d:
      need_image();
      read_window(true);
      if (const std::string problem = pool_padding_problem(l.window); !problem.empty())
        rn.fail(problem);
      break;
    case LayerType::kRelu:
      l.out_shape = in;
      break;
    case LayerType::kFlatten:
      l.out_shape = {in.size(), 1, 1, true};
      break;
    case LayerType::kAdd: {
      if (const std::string problem = add_problem(in, shape_of(l.inputs[1])); !problem.empty())
        rn.fail(problem);
      l.out_shape = in;
      break;
    }
    case LayerType::kBatchNorm: {
      const Index c = in.channels;
      const auto gamma = rn.dataset("gamma", {c});
      const auto beta = rn.dataset("beta", {c});
      const auto mean = rn.dataset("running_mean", {c});
      const auto var = rn.dataset("running_var", {c});
      const double eps = rn.double_attr("eps");
      l.scale.resize(c);
      l.shift.resize(c);
      for (Index i = 0; i < c; ++i) {
        if (!(var[i] + eps > 0)) rn.fail("running_var + eps must be positive");
        const double s = gamma[i] / std::sqrt(static_cast<double>(var[i]) + eps);
        l.scale(i) = static_cast<float>(s);
        l.shift(i) = static_cast<float>(beta[i] - mean[i] * s);
      }
      l.out_shape = in;
      break;
    }
  }
  if (!l.weight.allFinite() || !l.bias.allFinite() || !l.scale.allFinite() || !l.shift.allFinite())
    rn.fail("weights or batch norm parameters contain NaN or infinity");
  return l;
}

}  // namespace

Network load_network(const std::string& path) {
  detail::silence_hdf5();
  if (!std::filesystem::is_regular_file(path)) throw IoError(path, "model file not found");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "not an HDF5 file");
  H5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (f.id < 0) throw IoError(path, "cannot open the HDF5 file (truncated or corrupt?)");
  Network net = read_network(f.id, path);
  spdlog::debug("model {} ({}): {} layers, {} classes", net.name, path, net.layers.size(),
                net.num_classes);
  return net;
}

Network read_network(std::int64_t file, const std::string& path) {
  detail::silence_hdf5();
  const auto fid = static_cast<hid_t>(file);
  H5 root(H5Gopen2(fid, "/", H5P_DEFAULT), H5Gclose);
  if (root.id < 0) throw IoError(path, "cannot open the root group (truncated or corrupt?)");
  Reader r(path, root.id, "root");
  Network net;
  net.file = path;
  if (r.string_attr("format") != "xbarsim.model")
    r.fail("attribute 'format' is not \"xbarsim.model\"; not an xbarsim model file");
  const std::int64_t version = r.int_scalar("format_version");
  if (version != 1)
    r.fail("format_version " + std::to_string(version) +
           " is not supported (this xbarsim reads version 1)");
  net.name = r.string_attr("name");
  const auto shape = r.int_attr("input_shape");
  for (std::int64_t e : shape)
    if (e > kMaxDimension)
      r.fail("attribute 'input_shape' holds " + std::to_string(e) + ", larger than " +
             std::to_string(kMaxDimension));
  if (shape.size() == 3 && shape[0] > 0 && shape[1] > 0 && shape[2] > 0)
    net.input_shape = {shape[0], shape[1], shape[2], false};
  else if (shape.size() == 1 && shape[0] > 0)
    net.input_shape = {shape[0], 1, 1, true};
  else
    r.fail("attribute 'input_shape' must be [C, H, W] or [F] with positive sizes");
  net.num_classes = static_cast<int>(r.int_scalar("num_classes"));
  net.input_mean = r.double_attr("input_mean");
  net.input_std = r.double_attr("input_std");
  if (net.num_classes < 1) r.fail("num_classes must be positive");
  if (!(net.input_std > 0)) r.fail("input_std must be positive");

  if (H5Lexists(fid, "/layers", H5P_DEFAULT) <= 0) r.fail("missing group '/layers'");
  H5 layers(H5Gopen2(fid, "/layers", H5P_DEFAULT), H5Gclose);
  if (layers.id < 0) r.fail("'/layers' is not a group");
  H5G_info_t info;
  if (H5Gget_info(layers.id, &info) < 0) r.fail("cannot list group '/layers'");
  if (info.nlinks == 0) r.fail("'/layers' is empty");
  if (info.nlinks > kMaxLayers)
    r.fail("'/layers' holds " + std::to_string(info.nlinks) + " links, more than the " +
           std::to_string(kMaxLayers) + " layers a model may have");
  std::vector<Layer> raw;
  std::map<std::string, int> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char name[256] = {0};
    H5Lget_name_by_idx(layers.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof(name) - 1,
                       H5P_DEFAULT);
    const std::string where = "/layers/" + std::string(name);
    const std::string expected = std::to_string(i);
    const std::string given(name);
    // Digits only, equal to i after leading zeros (compared as text: no overflow).
    const std::size_t first = std::min(given.find_first_not_of('0'), given.size());
    const std::string value = i == 0 ? std::string() : expected;
    const bool numbered = given.size() >= expected.size() &&
                          given.find_first_not_of("0123456789") == std::string::npos &&
                          given.substr(first) == value;
    if (!numbered)
      r.fail("layer groups must be numbered 0, 1, 2, ...; found '" + where + "' at position " +
             std::to_string(i));
    H5 g(H5Gopen2(layers.id, name, H5P_DEFAULT), H5Gclose);
    if (g.id < 0) r.fail("'" + where + "' is not a group");
    Layer l = read_layer(path, g.id, where, names, raw, net.input_shape);
    names[l.name] = static_cast<int>(raw.size());
    raw.push_back(std::move(l));
  }
  const TensorShape& out = raw.back().out_shape;
  if (out.size() != net.num_classes)
    throw IoError(path, "the last layer '" + raw.back().name + "' produces " + out.str() +
                            ", expected num_classes = " + std::to_string(net.num_classes) +
                            " logits");
  // Folding keeps the crossbar weights equal to what the network computes and removes a
  // digital layer.
  net.layers = fold_batchnorm(std::move(raw), [](Layer& producer, const Layer& bn) {
    producer.weight = bn.scale.asDiagonal() * producer.weight;
    producer.bias = producer.bias.cwiseProduct(bn.scale) + bn.shift;
  });
  return net;
}

}  // namespace xbarsim
