// Reads model files (docs/model_format.md): strict about versions, shapes and layer types;
// every error names the file, the layer and the dataset or attribute.

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "../io/hdf5_reader.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/nn/batchnorm_folding.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/nn/onnx_conversion.hpp"
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

// Layer types by their name in the file, and the format version that introduced each.
struct TypeInfo {
  LayerType type;
  std::int64_t since_version;
};

LayerType parse_type(const std::string& t, std::int64_t version, const Reader& r) {
  static const std::map<std::string, TypeInfo> types = {
      {"dense", {LayerType::kDense, 1}},
      {"conv2d", {LayerType::kConv2d, 1}},
      {"maxpool2d", {LayerType::kMaxPool2d, 1}},
      {"avgpool2d", {LayerType::kAvgPool2d, 1}},
      {"relu", {LayerType::kRelu, 1}},
      {"batchnorm", {LayerType::kBatchNorm, 1}},
      {"flatten", {LayerType::kFlatten, 1}},
      {"add", {LayerType::kAdd, 1}},
      {"reshape", {LayerType::kReshape, 2}},
      {"to_tokens", {LayerType::kToTokens, 2}},
      {"prepend_token", {LayerType::kPrependToken, 2}},
      {"add_constant", {LayerType::kAddConstant, 2}},
      {"embedding", {LayerType::kEmbedding, 2}},
      {"layernorm", {LayerType::kLayerNorm, 2}},
      {"gelu", {LayerType::kGelu, 2}},
      {"sigmoid", {LayerType::kSigmoid, 2}},
      {"tanh", {LayerType::kTanh, 2}},
      {"softmax", {LayerType::kSoftmax, 2}},
      {"select_token", {LayerType::kSelectToken, 2}},
      {"token_mean", {LayerType::kTokenMean, 2}},
      {"attention", {LayerType::kAttention, 2}},
      {"lstm", {LayerType::kLstm, 2}}};
  auto it = types.find(t);
  if (it == types.end()) {
    std::string names;
    for (const auto& kv : types) names += (names.empty() ? "" : ", ") + kv.first;
    r.fail("unknown layer type '" + t + "' (supported: " + names + ")");
  }
  if (it->second.since_version > version)
    r.fail("layer type '" + t + "' needs format_version " +
           std::to_string(it->second.since_version) + ", but the file says " +
           std::to_string(version));
  return it->second.type;
}

Matrix row_major(const std::vector<float>& v, Index rows, Index cols) {
  return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      v.data(), rows, cols);
}

// The dimensions of a per-sample shape as a model file writes them.
std::vector<Index> dims_of_shape(const TensorShape& s) {
  if (s.flat) return {s.channels};
  if (s.tokens) return {s.channels, s.width};
  return {s.channels, s.height, s.width};
}

// A reshape keeps the data; only the element count must match.
TensorShape read_reshape(const Reader& rn, const TensorShape& in) {
  const auto dims = rn.int_attr("shape");
  for (std::int64_t d : dims)
    if (d < 1 || d > kMaxDimension)
      rn.fail("attribute 'shape' holds " + std::to_string(d) + ", outside [1, " +
              std::to_string(kMaxDimension) + "]");
  TensorShape out;
  if (dims.size() == 1)
    out = TensorShape::vector(dims[0]);
  else if (dims.size() == 2)
    out = TensorShape::sequence(dims[0], dims[1]);
  else if (dims.size() == 3)
    out = {dims[0], dims[1], dims[2], false, false};
  else
    rn.fail("attribute 'shape' must hold 1 to 3 sizes");
  if (out.size() != in.size())
    rn.fail("reshapes " + in.str() + " (" + std::to_string(in.size()) + " values) to " + out.str() +
            " (" + std::to_string(out.size()) + " values)");
  return out;
}

// Reads one layer group, checks it against its input shape, and fills its output shape.
Layer read_layer(const std::string& file, hid_t group, const std::string& where,
                 const std::map<std::string, int>& names, const std::vector<Layer>& done,
                 const TensorShape& input_shape, std::int64_t version) {
  Reader r(file, group, where);
  Layer l;
  l.name = r.string_attr("name");
  Reader rn(file, group, "layer '" + l.name + "' (" + where + ")");
  l.type = parse_type(rn.string_attr("type"), version, rn);
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
  const std::size_t want_inputs =
      l.type == LayerType::kAdd ? 2 : (l.type == LayerType::kAttention ? 3 : 1);
  if (l.inputs.size() != want_inputs)
    rn.fail("has " + std::to_string(l.inputs.size()) + " inputs, expected " +
            std::to_string(want_inputs));
  auto shape_of = [&](int i) { return i == kNetworkInput ? input_shape : done[i].out_shape; };
  l.in_shape = shape_of(l.inputs[0]);
  const TensorShape& in = l.in_shape;
  auto need_image = [&] {
    if (in.flat || in.tokens) rn.fail("needs a [C, H, W] input, got " + in.str());
  };
  auto need_tokens = [&] {
    if (!in.tokens) rn.fail("needs a token sequence [T, D] input, got " + in.str());
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
      if (!in.flat && !in.tokens)
        rn.fail("needs a flat input (add a flatten layer) or a token sequence, got " + in.str());
      const Index features = in.last_axis();
      const Index out = rn.leading_dim("weight");
      l.weight = row_major(rn.dataset("weight", {out, features}), out, features);
      const auto b = rn.dataset("bias", {out});
      l.bias = Eigen::Map<const Vector>(b.data(), out);
      l.out_shape = in.tokens ? TensorShape::sequence(in.channels, out) : TensorShape::vector(out);
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
    case LayerType::kGelu:
    case LayerType::kSigmoid:
    case LayerType::kTanh:
    case LayerType::kSoftmax:
      if (l.type == LayerType::kGelu) {
        const std::string form = rn.string_attr("approximate");
        if (form != "none" && form != "tanh")
          rn.fail("attribute 'approximate' is '" + form + "', expected 'none' or 'tanh'");
        l.gelu_tanh = form == "tanh";
      }
      l.out_shape = in;
      break;
    case LayerType::kFlatten:
      l.out_shape = TensorShape::vector(in.size());
      break;
    case LayerType::kReshape:
      l.out_shape = read_reshape(rn, in);
      break;
    case LayerType::kToTokens:
      need_image();
      l.out_shape = TensorShape::sequence(in.height * in.width, in.channels);
      break;
    case LayerType::kPrependToken: {
      need_tokens();
      const auto t = rn.dataset("token", {in.width});
      l.table = Eigen::Map<const Matrix>(t.data(), in.width, 1);
      l.out_shape = TensorShape::sequence(in.channels + 1, in.width);
      break;
    }
    case LayerType::kAddConstant: {
      const auto v = rn.dataset("value", dims_of_shape(in));
      l.table = Eigen::Map<const Matrix>(v.data(), in.size(), 1);
      l.out_shape = in;
      break;
    }
    case LayerType::kEmbedding: {
      if (!in.flat) rn.fail("needs a [T] input of token ids, got " + in.str());
      const auto dims = rn.dims_of("weight");
      if (dims.size() != 2) rn.fail("dataset 'weight' must be [V, D]");
      const auto w = rn.dataset("weight", {dims[0], dims[1]});
      // Row-major [V, D] is column-major D x V: one column per token id.
      l.table = Eigen::Map<const Matrix>(w.data(), dims[1], dims[0]);
      l.out_shape = TensorShape::sequence(in.channels, dims[1]);
      break;
    }
    case LayerType::kLayerNorm: {
      const Index d = in.last_axis();
      const auto w = rn.dataset("weight", {d});
      const auto b = rn.dataset("bias", {d});
      l.scale = Eigen::Map<const Vector>(w.data(), d);
      l.shift = Eigen::Map<const Vector>(b.data(), d);
      l.eps = rn.double_attr("eps");
      if (!(l.eps >= 0) || !std::isfinite(l.eps)) rn.fail("attribute 'eps' must be >= 0");
      l.out_shape = in;
      break;
    }
    case LayerType::kSelectToken: {
      need_tokens();
      const std::int64_t index = rn.int_scalar("index");
      const std::int64_t t = in.channels;
      if (index < -t || index >= t)
        rn.fail("attribute 'index' is " + std::to_string(index) + ", outside [-" +
                std::to_string(t) + ", " + std::to_string(t) + ") for " + in.str());
      l.token_index = static_cast<Index>(index < 0 ? index + t : index);
      l.out_shape = TensorShape::vector(in.width);
      break;
    }
    case LayerType::kTokenMean:
      need_tokens();
      l.out_shape = TensorShape::vector(in.width);
      break;
    case LayerType::kAttention: {
      need_tokens();
      if (const std::string problem =
              attention_problem(in, shape_of(l.inputs[1]), shape_of(l.inputs[2]));
          !problem.empty())
        rn.fail(problem);
      const std::int64_t heads = rn.int_scalar("heads");
      if (heads < 1 || heads > in.width || in.width % heads != 0)
        rn.fail("attribute 'heads' is " + std::to_string(heads) + ": it must divide the " +
                std::to_string(in.width) + " features");
      l.heads = static_cast<Index>(heads);
      if (rn.has_attr("causal")) {
        const std::int64_t causal = rn.int_scalar("causal");
        if (causal != 0 && causal != 1) rn.fail("attribute 'causal' must be 0 or 1");
        l.causal = causal == 1;
      }
      l.out_shape = in;
      break;
    }
    case LayerType::kLstm: {
      need_tokens();
      if (in.width % 4 != 0)
        rn.fail("input has " + std::to_string(in.width) +
                " features per step: the 4 gate pre-activations need a multiple of 4");
      const Index hidden = in.width / 4;
      l.weight = row_major(rn.dataset("weight", {4 * hidden, hidden}), 4 * hidden, hidden);
      const auto b = rn.dataset("bias", {4 * hidden});
      l.bias = Eigen::Map<const Vector>(b.data(), 4 * hidden);
      l.out_shape = TensorShape::sequence(in.channels, hidden);
      break;
    }
    case LayerType::kAdd: {
      if (const std::string problem = add_problem(in, shape_of(l.inputs[1])); !problem.empty())
        rn.fail(problem);
      l.out_shape = in;
      break;
    }
    case LayerType::kBatchNorm: {
      if (in.tokens) rn.fail("batch norm over a token sequence is not in the format");
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
  if (!l.weight.allFinite() || !l.bias.allFinite() || !l.scale.allFinite() ||
      !l.shift.allFinite() || !l.table.allFinite())
    rn.fail("weights or normalisation parameters contain NaN or infinity");
  return l;
}

}  // namespace

Network load_network(const std::string& path) {
  if (is_onnx_path(path)) return load_onnx_network(path, load_network);
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
  if (version != 1 && version != 2)
    r.fail("format_version " + std::to_string(version) +
           " is not supported (this xbarsim reads versions 1 and 2)");
  net.name = r.string_attr("name");
  const auto shape = r.int_attr("input_shape");
  for (std::int64_t e : shape)
    if (e > kMaxDimension)
      r.fail("attribute 'input_shape' holds " + std::to_string(e) + ", larger than " +
             std::to_string(kMaxDimension));
  if (shape.size() == 3 && shape[0] > 0 && shape[1] > 0 && shape[2] > 0)
    net.input_shape = {shape[0], shape[1], shape[2], false};
  else if (shape.size() == 2 && version >= 2 && shape[0] > 0 && shape[1] > 0)
    net.input_shape = TensorShape::sequence(shape[0], shape[1]);
  else if (shape.size() == 1 && shape[0] > 0)
    net.input_shape = TensorShape::vector(shape[0]);
  else
    r.fail(
        "attribute 'input_shape' must be [C, H, W], [F] or (format_version 2) [T, D], with "
        "positive sizes");
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
    Layer l = read_layer(path, g.id, where, names, raw, net.input_shape, version);
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
