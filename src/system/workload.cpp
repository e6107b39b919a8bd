// Workloads: the layer shapes of a network without its weights (docs/workloads.md). Built from
// a loaded model, or read from a workload YAML file with the same shape rules as model files
// (src/nn/model_reader.cpp); every error names the file and the layer.
#include "xbarsim/system/workload.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <utility>

#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"
#include "xbarsim/nn/batchnorm_folding.hpp"
#include "xbarsim/nn/shape_rules.hpp"

namespace xbarsim {

double LayerWork::macs_per_sample() const {
  if (!uses_crossbar()) return 0.0;
  return static_cast<double>(matrix_rows) * static_cast<double>(matrix_cols) *
         static_cast<double>(vectors_per_sample);
}

namespace {

// Operations per element of the digital units that evaluate nonlinear functions and norms
// (docs/energy_model.md#digital-work). Assumptions, not measurements: a piecewise-linear
// function unit spends a table lookup (priced as one add), one multiply and one add per
// element on sigmoid, tanh, GELU and exp.
constexpr double kOpsPerFunction = 3;
// Layer norm: mean (1 add), centring (1), square (1), variance sum (1), normalise (1 multiply),
// weight (1) and bias (1); the per-vector square root is neglected.
constexpr double kOpsPerLayerNormElement = 7;
// Softmax: running max (1 compare), subtract (1), exp (kOpsPerFunction), sum (1), divide (1).
constexpr double kOpsPerSoftmaxElement = 4 + kOpsPerFunction;
// LSTM per hidden unit and step: x_t + U h + b for 4 gates (8 adds), 3 sigmoids and 2 tanh,
// c = f c + i g (2 multiplies, 1 add), h = o tanh(c) (1 multiply).
constexpr double kOpsPerLstmUnitStep = 8 + 5 * kOpsPerFunction + 4;

}  // namespace

double LayerWork::activation_macs_per_sample() const {
  if (type != LayerType::kAttention) return 0.0;
  // Each query meets its own and the cached keys (a causal mask still computes the full
  // product in a blocked schedule; counted in full), once for Q K^T and once for A V.
  const double t = static_cast<double>(in_shape.channels);
  const double keys = t + static_cast<double>(cached_tokens);
  return 2.0 * t * keys * static_cast<double>(in_shape.width);
}

double LayerWork::kv_cache_reads_per_sample() const {
  if (type != LayerType::kAttention) return 0.0;
  return 2.0 * static_cast<double>(cached_tokens) * static_cast<double>(in_shape.width);
}

double LayerWork::kv_cache_writes_per_sample() const {
  if (type != LayerType::kAttention || !store_kv) return 0.0;
  return 2.0 * static_cast<double>(in_shape.size());
}

double LayerWork::digital_ops_per_sample() const {
  const double out = static_cast<double>(out_shape.size());
  const double in = static_cast<double>(in_shape.size());
  const double window = static_cast<double>(this->window.kernel_h * this->window.kernel_w);
  switch (type) {
    case LayerType::kDense:
    case LayerType::kConv2d:
      return out;  // one bias add per output
    case LayerType::kLstm:
      return static_cast<double>(in_shape.channels) * static_cast<double>(out_shape.width) *
             kOpsPerLstmUnitStep;
    case LayerType::kAttention: {
      // Scaling and softmax of every score.
      const double t = static_cast<double>(in_shape.channels);
      const double keys = t + static_cast<double>(cached_tokens);
      return static_cast<double>(heads) * t * keys * (1.0 + kOpsPerSoftmaxElement);
    }
    case LayerType::kLayerNorm:
      return in * kOpsPerLayerNormElement;
    case LayerType::kGelu:
    case LayerType::kSigmoid:
    case LayerType::kTanh:
      return in * kOpsPerFunction;
    case LayerType::kSoftmax:
      return in * kOpsPerSoftmaxElement;
    case LayerType::kAddConstant:
    case LayerType::kTokenMean:
      return in;  // one add per element (and one divide per output for the mean, neglected)
    case LayerType::kReshape:
    case LayerType::kToTokens:
    case LayerType::kPrependToken:
    case LayerType::kSelectToken:
    case LayerType::kEmbedding:
      return 0.0;  // data movement only
    case LayerType::kMaxPool2d:
      return out * (window - 1);  // k_h k_w - 1 comparisons per output
    case LayerType::kAvgPool2d:
      return out * window;  // k_h k_w - 1 additions and one division per output
    case LayerType::kRelu:
      return static_cast<double>(in_shape.size());  // one comparison per element
    case LayerType::kAdd:
      return out;
    case LayerType::kBatchNorm:
      return 2.0 * out;  // scale and shift (only where it could not be folded)
    case LayerType::kFlatten:
      return 0.0;
  }
  return 0.0;
}

double Workload::macs_per_sample() const {
  double macs = 0;
  for (const LayerWork& l : layers) macs += l.macs_per_sample();
  return macs;
}

double Workload::weights() const {
  double w = 0;
  for (const LayerWork& l : layers)
    if (l.uses_crossbar())
      w += static_cast<double>(l.matrix_rows) * static_cast<double>(l.matrix_cols);
  return w;
}

Workload workload_from_network(const Network& net) {
  Workload w;
  w.name = net.name;
  w.source = net.file;
  w.input_shape = net.input_shape;
  w.num_classes = net.num_classes;
  w.layers.reserve(net.layers.size());
  for (const Layer& l : net.layers) {
    LayerWork lw;
    lw.name = l.name;
    lw.type = l.type;
    lw.inputs = l.inputs;
    lw.in_shape = l.in_shape;
    lw.out_shape = l.out_shape;
    lw.window = l.window;
    if (l.uses_crossbar()) {
      lw.matrix_rows = l.weight.cols();
      lw.matrix_cols = l.weight.rows();
      lw.vectors_per_sample = l.vectors_per_sample();
    }
    lw.heads = l.heads;
    lw.causal = l.causal;
    w.layers.push_back(std::move(lw));
  }
  return w;
}

namespace {

// Reads one YAML node: a scalar integer without leading zeros (YAML 1.1 would read 010 as
// octal), in [min, max].
bool read_int(const YAML::Node& node, std::int64_t min, std::int64_t max, std::int64_t& out) {
  if (!node.IsScalar()) return false;
  const std::string& text = node.Scalar();
  const bool sign = !text.empty() && (text[0] == '-' || text[0] == '+');
  const std::string digits = text.substr(sign ? 1 : 0);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
      (digits.size() > 1 && digits[0] == '0'))
    return false;
  if (!YAML::convert<std::int64_t>::decode(node, out)) return false;
  return out >= min && out <= max;
}

// Typed values of one YAML mapping of a workload file. Every error goes through fail(), which
// each kind of node words in its own terms (the key, or the layer entry and its name).
class NodeReader {
 public:
  NodeReader(std::string file, YAML::Node node) : file_(std::move(file)), node_(std::move(node)) {}
  virtual ~NodeReader() = default;

  [[noreturn]] virtual void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(file_, key, what);
  }
  bool has(const char* key) const { return node_[key].IsDefined(); }
  YAML::Node required(const char* key) const {
    const YAML::Node n = node_[key];
    if (!n.IsDefined() || n.IsNull()) fail(key, "missing required key");
    return n;
  }
  std::string string(const char* key) const {
    const YAML::Node n = required(key);
    if (!n.IsScalar() || n.Scalar().empty()) fail(key, "expected a non-empty string");
    return n.Scalar();
  }
  Index positive_int(const char* key) const {
    std::int64_t v = 0;
    if (!read_int(required(key), 1, INT32_MAX, v)) fail(key, "expected a positive integer");
    return static_cast<Index>(v);
  }

 protected:
  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }

 private:
  std::string file_;
  YAML::Node node_;
};

// The top level of a workload file; errors name the file and the key.
using TopReader = NodeReader;

// One entry of `layers`; errors name the file, the entry (layers[i]) and the layer.
class LayerReader : public NodeReader {
 public:
  LayerReader(std::string file, YAML::Node node, std::size_t index)
      : NodeReader(std::move(file), std::move(node)),
        where_("layers[" + std::to_string(index) + "]") {}

  void set_name(std::string name) { name_ = std::move(name); }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const override {
    std::string path = where_;
    if (!key.empty()) path += "." + key;
    throw ConfigError(file(), path, name_.empty() ? what : "layer '" + name_ + "': " + what);
  }
  [[noreturn]] void shape_fail(const std::string& what) const {
    throw ShapeError(file() + ": layer '" + name_ + "' (" + where_ + "): " + what);
  }

  // [h, w] with both entries >= min.
  std::pair<Index, Index> pair(const char* key, std::int64_t min) const {
    const YAML::Node n = required(key);
    std::int64_t a = 0, b = 0;
    if (!n.IsSequence() || n.size() != 2 || !read_int(n[0], min, INT32_MAX, a) ||
        !read_int(n[1], min, INT32_MAX, b))
      fail(key, "expected [h, w]: two integers >= " + std::to_string(min));
    return {static_cast<Index>(a), static_cast<Index>(b)};
  }
  bool boolean(const char* key) const {
    bool v = false;
    const YAML::Node n = required(key);
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(key, "expected true or false");
    return v;
  }
  std::vector<std::string> strings(const char* key) const {
    const YAML::Node n = required(key);
    std::vector<std::string> out;
    if (n.IsSequence())
      for (const YAML::Node& e : n)
        if (e.IsScalar() && !e.Scalar().empty()) out.push_back(e.Scalar());
    if (!n.IsSequence() || out.size() != n.size() || out.empty())
      fail(key, "expected a list of layer names, e.g. [conv2, pool1]");
    return out;
  }
  void check_keys(const std::vector<const char*>& allowed, const std::string& type) const {
    if (!node().IsMap()) fail("", "expected a mapping {name: ..., type: ..., ...}");
    for (const auto& kv : node()) {
      const std::string key = kv.first.Scalar();
      bool ok = false;
      for (const char* a : allowed) ok = ok || key == a;
      if (ok) continue;
      std::string list;
      for (const char* a : allowed) append_item(list, a, ", ");
      fail(key, "unknown key for a " + type + " layer; expected one of: " + list);
    }
  }

 private:
  std::string where_;
  std::string name_;
};

LayerType parse_type(const LayerReader& r) {
  static const std::map<std::string, LayerType> types = {
      {"dense", LayerType::kDense},
      {"conv2d", LayerType::kConv2d},
      {"maxpool2d", LayerType::kMaxPool2d},
      {"avgpool2d", LayerType::kAvgPool2d},
      {"relu", LayerType::kRelu},
      {"batchnorm", LayerType::kBatchNorm},
      {"flatten", LayerType::kFlatten},
      {"add", LayerType::kAdd},
      {"reshape", LayerType::kReshape},
      {"to_tokens", LayerType::kToTokens},
      {"prepend_token", LayerType::kPrependToken},
      {"add_constant", LayerType::kAddConstant},
      {"layernorm", LayerType::kLayerNorm},
      {"gelu", LayerType::kGelu},
      {"sigmoid", LayerType::kSigmoid},
      {"tanh", LayerType::kTanh},
      {"softmax", LayerType::kSoftmax},
      {"select_token", LayerType::kSelectToken},
      {"token_mean", LayerType::kTokenMean},
      {"attention", LayerType::kAttention},
      {"lstm", LayerType::kLstm}};
  const std::string t = r.string("type");
  auto it = types.find(t);
  if (it == types.end()) {
    std::string names;
    for (const auto& kv : types) append_item(names, kv.first, ", ");
    r.fail("type", "unknown layer type '" + t + "' (supported: " + names + ")");
  }
  return it->second;
}

std::vector<const char*> allowed_keys(LayerType type) {
  std::vector<const char*> keys = {"name", "type", "inputs"};
  switch (type) {
    case LayerType::kConv2d:
      keys.insert(keys.end(), {"out_channels", "kernel", "stride", "padding"});
      break;
    case LayerType::kDense:
      keys.push_back("out_features");
      break;
    case LayerType::kMaxPool2d:
    case LayerType::kAvgPool2d:
      keys.insert(keys.end(), {"kernel", "stride", "padding", "global"});
      break;
    case LayerType::kReshape:
      keys.push_back("shape");
      break;
    case LayerType::kSelectToken:
      keys.push_back("index");
      break;
    case LayerType::kAttention:
      keys.insert(keys.end(), {"heads", "causal", "cached_tokens", "store_kv"});
      break;
    default:
      break;
  }
  return keys;
}

// Reads one layer entry, checks it against its input shape, and fills its output shape.
LayerWork read_layer(const std::string& file, const YAML::Node& node, std::size_t index,
                     const std::map<std::string, int>& names, const std::vector<LayerWork>& done,
                     const TensorShape& input_shape) {
  LayerReader r(file, node, index);
  if (!node.IsMap()) r.fail("", "expected a mapping {name: ..., type: ..., ...}");
  LayerWork l;
  l.name = r.string("name");
  r.set_name(l.name);
  l.type = parse_type(r);
  r.check_keys(allowed_keys(l.type), to_string(l.type));
  if (l.name == "input") r.fail("name", "the name 'input' is reserved for the network input");
  if (names.count(l.name)) r.fail("name", "duplicate layer name");

  // Inputs: named earlier layers, "input", or by default the previous layer.
  if (r.has("inputs")) {
    for (const std::string& in : r.strings("inputs")) {
      if (in == "input") {
        l.inputs.push_back(kNetworkInput);
        continue;
      }
      auto it = names.find(in);
      if (it == names.end()) r.fail("inputs", "input '" + in + "' is not an earlier layer");
      l.inputs.push_back(it->second);
    }
  } else {
    l.inputs.push_back(done.empty() ? kNetworkInput : static_cast<int>(done.size()) - 1);
  }
  const std::size_t want_inputs =
      l.type == LayerType::kAdd ? 2 : (l.type == LayerType::kAttention ? 3 : 1);
  if (l.inputs.size() != want_inputs)
    r.fail("inputs", "has " + std::to_string(l.inputs.size()) + " inputs, expected " +
                         std::to_string(want_inputs) +
                         (l.type == LayerType::kAdd ? " (write inputs: [a, b])" : "") +
                         (l.type == LayerType::kAttention ? " (write inputs: [q, k, v])" : ""));

  auto shape_of = [&](int i) { return i == kNetworkInput ? input_shape : done[i].out_shape; };
  l.in_shape = shape_of(l.inputs[0]);
  const TensorShape& in = l.in_shape;
  auto need_image = [&] {
    if (in.flat || in.tokens) r.shape_fail("needs a [C, H, W] input, got " + in.str());
  };
  auto need_tokens = [&] {
    if (!in.tokens) r.shape_fail("needs a token sequence [T, D] input, got " + in.str());
  };
  // Kernel, stride and padding; padding defaults to [0, 0], stride to
  // [1, 1] for convolutions and is required for pooling (PyTorch's default there is the
  // kernel, a silent trap either way).
  auto read_window = [&](bool stride_required) {
    std::tie(l.window.kernel_h, l.window.kernel_w) = r.pair("kernel", 1);
    if (stride_required || r.has("stride"))
      std::tie(l.window.stride_h, l.window.stride_w) = r.pair("stride", 1);
    if (r.has("padding")) std::tie(l.window.pad_h, l.window.pad_w) = r.pair("padding", 0);
    const Window2d& w = l.window;
    if (w.out_h(in.height) < 1 || w.out_w(in.width) < 1 || w.kernel_h > in.height + 2 * w.pad_h ||
        w.kernel_w > in.width + 2 * w.pad_w)
      r.shape_fail("window " + std::to_string(w.kernel_h) + "x" + std::to_string(w.kernel_w) +
                   " larger than its " + in.str() + " input");
    l.out_shape = window_output(in, w);
  };

  switch (l.type) {
    case LayerType::kDense: {
      if (!in.flat && !in.tokens)
        r.shape_fail("needs a flat input (add a flatten layer) or a token sequence, got " +
                     in.str());
      const Index out = r.positive_int("out_features");
      l.matrix_rows = in.last_axis();
      l.matrix_cols = out;
      l.vectors_per_sample = in.vectors();
      l.out_shape = in.tokens ? TensorShape::sequence(in.channels, out) : TensorShape::vector(out);
      break;
    }
    case LayerType::kLstm:
      need_tokens();
      if (in.width % 4 != 0)
        r.shape_fail("input has " + std::to_string(in.width) +
                     " features per step: the 4 gate pre-activations need a multiple of 4");
      l.matrix_rows = in.width / 4;
      l.matrix_cols = in.width;
      l.vectors_per_sample = in.channels;
      l.out_shape = TensorShape::sequence(in.channels, in.width / 4);
      break;
    case LayerType::kReshape: {
      const YAML::Node n = r.required("shape");
      std::vector<Index> dims;
      if (n.IsSequence())
        for (const YAML::Node& d : n) {
          std::int64_t v = 0;
          if (!read_int(d, 1, INT32_MAX, v)) break;
          dims.push_back(static_cast<Index>(v));
        }
      if (!n.IsSequence() || dims.size() != n.size() || dims.empty() || dims.size() > 3)
        r.fail("shape", "expected 1 to 3 positive integers, e.g. [28, 28]");
      l.out_shape = dims.size() == 1   ? TensorShape::vector(dims[0])
                    : dims.size() == 2 ? TensorShape::sequence(dims[0], dims[1])
                                       : TensorShape{dims[0], dims[1], dims[2], false, false};
      if (l.out_shape.size() != in.size())
        r.shape_fail("reshapes " + in.str() + " to " + l.out_shape.str() +
                     ": the element counts differ");
      break;
    }
    case LayerType::kToTokens:
      need_image();
      l.out_shape = TensorShape::sequence(in.height * in.width, in.channels);
      break;
    case LayerType::kPrependToken:
      need_tokens();
      l.out_shape = TensorShape::sequence(in.channels + 1, in.width);
      break;
    case LayerType::kSelectToken: {
      need_tokens();
      std::int64_t index = 0;
      if (r.has("index") && !read_int(r.required("index"), -in.channels, in.channels - 1, index))
        r.fail("index", "expected an integer in [-" + std::to_string(in.channels) + ", " +
                            std::to_string(in.channels) + ") for " + in.str());
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
        r.shape_fail(problem);
      l.heads = r.positive_int("heads");
      if (in.width % l.heads != 0)
        r.fail("heads", std::to_string(l.heads) + " heads do not divide the " +
                            std::to_string(in.width) + " features");
      if (r.has("causal")) l.causal = r.boolean("causal");
      if (r.has("store_kv")) l.store_kv = r.boolean("store_kv");
      if (r.has("cached_tokens")) {
        std::int64_t v = 0;
        if (!read_int(r.required("cached_tokens"), 0, INT32_MAX, v))
          r.fail("cached_tokens", "expected an integer >= 0");
        l.cached_tokens = static_cast<Index>(v);
      }
      l.out_shape = in;
      break;
    }
    case LayerType::kEmbedding:
      r.fail("type", "embedding layers are not part of workload files");
    case LayerType::kLayerNorm:
    case LayerType::kGelu:
    case LayerType::kSigmoid:
    case LayerType::kTanh:
    case LayerType::kSoftmax:
    case LayerType::kAddConstant:
      l.out_shape = in;
      break;
    case LayerType::kConv2d: {
      need_image();
      const Index cout = r.positive_int("out_channels");
      read_window(false);
      l.out_shape.channels = cout;
      l.matrix_rows = in.channels * l.window.kernel_h * l.window.kernel_w;
      l.matrix_cols = cout;
      l.vectors_per_sample = l.out_shape.height * l.out_shape.width;
      break;
    }
    case LayerType::kMaxPool2d:
    case LayerType::kAvgPool2d: {
      need_image();
      const bool global = r.has("global") && r.boolean("global");
      if (global) {
        for (const char* k : {"kernel", "stride", "padding"})
          if (r.has(k)) r.fail(k, "a global pooling layer takes no kernel, stride or padding");
        l.window = {in.height, in.width, in.height, in.width, 0, 0};
        l.out_shape = {in.channels, 1, 1, false};
      } else {
        read_window(true);
        if (const std::string problem = pool_padding_problem(l.window); !problem.empty())
          r.fail("padding", problem);
      }
      break;
    }
    case LayerType::kRelu:
    case LayerType::kBatchNorm:
      l.out_shape = in;
      break;
    case LayerType::kFlatten:
      l.out_shape = TensorShape::vector(in.size());
      break;
    case LayerType::kAdd: {
      if (const std::string problem = add_problem(in, shape_of(l.inputs[1])); !problem.empty())
        r.shape_fail(problem);
      l.out_shape = in;
      break;
    }
  }
  return l;
}

}  // namespace

Workload load_workload(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  if (!root.IsMap())
    throw ConfigError(path, "",
                      "expected a mapping with name, source, input, num_classes and layers");
  check_keys(root, {"name", "source", "input", "num_classes", "layers"}, path, "");
  const TopReader r(path, root);
  Workload w;
  w.name = r.string("name");
  w.source = r.string("source");
  const YAML::Node input = r.required("input");
  std::vector<Index> dims;
  if (input.IsSequence())
    for (const YAML::Node& d : input) {
      std::int64_t v = 0;
      if (!read_int(d, 1, INT32_MAX, v)) break;
      dims.push_back(static_cast<Index>(v));
    }
  if (!input.IsSequence() || dims.size() != input.size() || dims.empty() || dims.size() > 3)
    r.fail("input",
           "expected [C, H, W], [T, D] (a token sequence) or [F] with positive integer "
           "sizes");
  w.input_shape = dims.size() == 3   ? TensorShape{dims[0], dims[1], dims[2], false, false}
                  : dims.size() == 2 ? TensorShape::sequence(dims[0], dims[1])
                                     : TensorShape::vector(dims[0]);
  w.num_classes = static_cast<int>(r.positive_int("num_classes"));
  const YAML::Node layers = r.required("layers");
  if (!layers.IsSequence() || layers.size() == 0)
    r.fail("layers", "expected a non-empty list of layers");

  std::vector<LayerWork> raw;
  raw.reserve(layers.size());
  std::map<std::string, int> names;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    LayerWork l = read_layer(path, layers[i], i, names, raw, w.input_shape);
    names[l.name] = static_cast<int>(raw.size());
    raw.push_back(std::move(l));
  }
  const LayerWork& last = raw.back();
  if (last.out_shape.size() != w.num_classes)
    throw ShapeError(path + ": layer '" + last.name + "' (layers[" +
                     std::to_string(raw.size() - 1) + "]), the last layer, produces " +
                     last.out_shape.str() +
                     ", expected num_classes = " + std::to_string(w.num_classes) + " outputs");
  // Folded exactly where the model reader folds (shapes only: nothing to update).
  w.layers = fold_batchnorm(std::move(raw), [](LayerWork&, const LayerWork&) {});
  return w;
}

}  // namespace xbarsim
