// Malformed workload files (src/system/workload.cpp): every mistake is a ConfigError (keys,
// types, values) or a ShapeError (shapes that do not fit), and its message names the file and
// the layer. The files are written to a temporary directory at test time.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;

using ErrorTempDir = xbarsim::test::TempDir;

// A valid header for a [1, 8, 8] input and 4 classes, followed by `layers`.
std::string workload_text(const std::string& layers) {
  return "name: broken\nsource: \"test\"\ninput: [1, 8, 8]\nnum_classes: 4\nlayers:\n" + layers;
}

enum class Kind { kConfig, kShape };

// Loads `text` written to a file; it must throw the error of `kind` whose message contains the
// file name and every fragment. Returns the message.
std::string expect_error(const std::string& text, Kind kind,
                         const std::vector<std::string>& fragments) {
  ErrorTempDir dir;
  const std::string path = dir.write("workload.yaml", text);
  std::string what;
  try {
    load_workload(path);
    FAIL_CHECK("expected an error for:\n" << text);
    return {};
  } catch (const ConfigError& e) {
    what = e.what();
    CHECK_MESSAGE(kind == Kind::kConfig, "got a ConfigError: " << what);
    CHECK(e.file() == path);
  } catch (const ShapeError& e) {
    what = e.what();
    CHECK_MESSAGE(kind == Kind::kShape, "got a ShapeError: " << what);
  }
  INFO("message: " << what);
  CHECK(what.find(path) != std::string::npos);
  for (const std::string& f : fragments) {
    INFO("expected fragment: " << f);
    CHECK(what.find(f) != std::string::npos);
  }
  return what;
}

const std::string kConv = "  - {name: c1, type: conv2d, out_channels: 4, kernel: [3, 3]}\n";
const std::string kTail =
    "  - {name: flat, type: flatten}\n  - {name: fc, type: dense, out_features: 4}\n";

TEST_CASE("unknown key in a layer") {
  expect_error(workload_text("  - {name: c1, type: conv2d, out_channels: 4, kernel: [3, 3], "
                             "strides: [1, 1]}\n" +
                             kTail),
               Kind::kConfig, {"layers[0].strides", "layer 'c1'", "unknown key", "stride"});
  // A key of another layer type.
  expect_error(workload_text(kConv + "  - {name: r, type: relu, kernel: [2, 2]}\n" + kTail),
               Kind::kConfig, {"layers[1].kernel", "layer 'r'", "unknown key for a relu layer"});
}

TEST_CASE("unknown layer type") {
  expect_error(
      workload_text(kConv + "  - {name: act, type: swish}\n" + kTail), Kind::kConfig,
      {"layers[1].type", "layer 'act'", "unknown layer type 'swish'", "conv2d", "attention"});
}

TEST_CASE("add of different shapes") {
  // c2 has 8 channels, c1 4.
  expect_error(workload_text(kConv +
                             "  - {name: c2, type: conv2d, out_channels: 8, kernel: [1, 1]}\n"
                             "  - {name: sum, type: add, inputs: [c2, c1]}\n" +
                             kTail),
               Kind::kShape, {"layer 'sum'", "layers[2]", "[8, 6, 6]", "[4, 6, 6]", "differ"});
  // A stride-2 branch against a stride-1 one.
  expect_error(workload_text(
                   kConv +
                   "  - {name: c2, type: conv2d, out_channels: 4, kernel: [1, 1], stride: [2, 2]}\n"
                   "  - {name: sum, type: add, inputs: [c2, c1]}\n" +
                   kTail),
               Kind::kShape, {"layer 'sum'", "[4, 3, 3]", "[4, 6, 6]"});
}

TEST_CASE("dense on an unflattened input") {
  expect_error(workload_text(kConv + "  - {name: fc, type: dense, out_features: 4}\n"),
               Kind::kShape, {"layer 'fc'", "layers[1]", "flat input", "flatten", "[4, 6, 6]"});
}

TEST_CASE("missing required keys") {
  expect_error(workload_text("  - {name: c1, type: conv2d, kernel: [3, 3]}\n" + kTail),
               Kind::kConfig, {"layers[0].out_channels", "layer 'c1'", "missing required key"});
  expect_error(workload_text(kConv + "  - {name: flat, type: flatten}\n  - {name: fc, type: "
                                     "dense}\n"),
               Kind::kConfig, {"layers[2].out_features", "layer 'fc'", "missing"});
  expect_error(workload_text("  - {name: c1, type: conv2d, out_channels: 4}\n" + kTail),
               Kind::kConfig, {"layers[0].kernel", "layer 'c1'", "missing"});
  expect_error(workload_text("  - {type: relu}\n" + kTail), Kind::kConfig,
               {"layers[0].name", "missing"});
  expect_error(workload_text("  - {name: r}\n" + kTail), Kind::kConfig,
               {"layers[0].type", "layer 'r'", "missing"});
  // Pooling needs an explicit stride (PyTorch's default, the kernel, would be a silent guess).
  expect_error(workload_text("  - {name: p, type: maxpool2d, kernel: [2, 2]}\n" + kTail),
               Kind::kConfig, {"layers[0].stride", "layer 'p'", "missing"});
}

TEST_CASE("bad values") {
  expect_error(
      workload_text("  - {name: c1, type: conv2d, out_channels: 0, kernel: [3, 3]}\n" + kTail),
      Kind::kConfig, {"layers[0].out_channels", "layer 'c1'", "positive integer"});
  expect_error(
      workload_text("  - {name: c1, type: conv2d, out_channels: 4.5, kernel: [3, 3]}\n" + kTail),
      Kind::kConfig, {"layers[0].out_channels", "positive integer"});
  expect_error(
      workload_text("  - {name: c1, type: conv2d, out_channels: 010, kernel: [3, 3]}\n" + kTail),
      Kind::kConfig, {"layers[0].out_channels", "positive integer"});
  expect_error(workload_text("  - {name: c1, type: conv2d, out_channels: 4, kernel: 3}\n" + kTail),
               Kind::kConfig, {"layers[0].kernel", "layer 'c1'", "[h, w]"});
  expect_error(
      workload_text("  - {name: c1, type: conv2d, out_channels: 4, kernel: [3, 3], padding: "
                    "[-1, 0]}\n" +
                    kTail),
      Kind::kConfig, {"layers[0].padding", ">= 0"});
  expect_error(workload_text("  - {name: p, type: avgpool2d, global: maybe}\n" + kTail),
               Kind::kConfig, {"layers[0].global", "layer 'p'", "true or false"});
  expect_error(workload_text("  - {name: p, type: maxpool2d, kernel: [2, 2], stride: [2, 2], "
                             "padding: [2, 2]}\n" +
                             kTail),
               Kind::kConfig, {"layers[0].padding", "layer 'p'", "half the kernel"});
  expect_error(
      workload_text("  - {name: p, type: avgpool2d, global: true, kernel: [2, 2]}\n" + kTail),
      Kind::kConfig, {"layers[0].kernel", "layer 'p'", "global"});
}

TEST_CASE("inputs that do not resolve") {
  expect_error(workload_text(kConv + "  - {name: r, type: relu, inputs: [c9]}\n" + kTail),
               Kind::kConfig, {"layers[1].inputs", "layer 'r'", "'c9' is not an earlier layer"});
  // A later layer is not an earlier layer either.
  expect_error(workload_text(kConv + "  - {name: r, type: relu, inputs: [flat]}\n" + kTail),
               Kind::kConfig, {"layer 'r'", "'flat' is not an earlier layer"});
  expect_error(workload_text(kConv + "  - {name: sum, type: add}\n" + kTail), Kind::kConfig,
               {"layers[1].inputs", "layer 'sum'", "1 inputs, expected 2"});
  expect_error(workload_text(kConv + "  - {name: r, type: relu, inputs: [c1, input]}\n" + kTail),
               Kind::kConfig, {"layer 'r'", "2 inputs, expected 1"});
  expect_error(workload_text(kConv + "  - {name: r, type: relu, inputs: c1}\n" + kTail),
               Kind::kConfig, {"layers[1].inputs", "list of layer names"});
  expect_error(workload_text(kConv + "  - {name: c1, type: relu}\n" + kTail), Kind::kConfig,
               {"layers[1].name", "layer 'c1'", "duplicate"});
  expect_error(workload_text("  - {name: input, type: relu}\n" + kTail), Kind::kConfig,
               {"layer 'input'", "reserved"});
}

TEST_CASE("shapes that do not fit") {
  // A 9x9 kernel on an 8x8 input.
  expect_error(
      workload_text("  - {name: c1, type: conv2d, out_channels: 4, kernel: [9, 9]}\n" + kTail),
      Kind::kShape, {"layer 'c1'", "larger than its [1, 8, 8] input"});
  // Convolution of a flat vector.
  expect_error(workload_text("  - {name: flat, type: flatten}\n" + kConv + kTail), Kind::kShape,
               {"layer 'c1'", "[C, H, W]"});
  // The last layer must produce num_classes outputs.
  expect_error(workload_text(kConv + "  - {name: flat, type: flatten}\n"
                                     "  - {name: fc, type: dense, out_features: 5}\n"),
               Kind::kShape, {"layer 'fc'", "num_classes = 4"});
}

TEST_CASE("top-level mistakes name the file and the key") {
  expect_error("name: x\nsource: s\ninput: [1, 8, 8]\nnum_classes: 4\nlayer:\n" + kConv + kTail,
               Kind::kConfig, {"'layer'", "unknown key"});
  expect_error("name: x\ninput: [1, 8, 8]\nnum_classes: 4\nlayers:\n" + kConv + kTail,
               Kind::kConfig, {"'source'", "missing"});
  expect_error("name: x\nsource: s\ninput: [1, 8, 8, 2]\nnum_classes: 4\nlayers:\n" + kConv + kTail,
               Kind::kConfig, {"'input'", "[C, H, W], [T, D]"});
  // A token sequence is a valid input, but not for a convolution.
  expect_error("name: x\nsource: s\ninput: [1, 8]\nnum_classes: 4\nlayers:\n" + kConv + kTail,
               Kind::kShape, {"layer 'c1'", "[C, H, W] input", "[1, 8]"});
  expect_error("name: x\nsource: s\ninput: [1, 8, 8]\nnum_classes: 4\nlayers: []\n", Kind::kConfig,
               {"'layers'", "non-empty"});
  expect_error("name: x\nsource: s\ninput: [1, 8, 8]\nnum_classes: -1\nlayers:\n" + kConv + kTail,
               Kind::kConfig, {"'num_classes'", "positive"});
  expect_error("name: x\nsource: s\ninput: [1, 8, 8\n", Kind::kConfig, {"malformed YAML"});
  expect_error("name: x\nsource: s\ninput: [1, 8, 8]\nnum_classes: 4\nlayers:\n  - relu\n",
               Kind::kConfig, {"layers[0]", "mapping"});
}

TEST_CASE("a missing workload file is a ConfigError naming it") {
  const std::string path = "/nonexistent/xbarsim/workload.yaml";
  try {
    load_workload(path);
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
}

TEST_CASE("sequence layers: attention heads, inputs and KV cache, LSTM widths") {
  const std::string head = "name: x\nsource: s\ninput: [4, 6]\nnum_classes: 6\nlayers:\n";
  const std::string qkv =
      "  - {name: q, type: dense, out_features: 6, inputs: [input]}\n"
      "  - {name: k, type: dense, out_features: 6, inputs: [input]}\n"
      "  - {name: v, type: dense, out_features: 6, inputs: [input]}\n";
  const std::string tail = "  - {name: last, type: select_token, index: -1}\n";
  expect_error(head + qkv + "  - {name: a, type: attention, heads: 4, inputs: [q, k, v]}\n" + tail,
               Kind::kConfig, {"layers[3].heads", "layer 'a'", "4 heads", "6 features"});
  expect_error(head + qkv + "  - {name: a, type: attention, heads: 2, inputs: [q, k]}\n" + tail,
               Kind::kConfig, {"layers[3].inputs", "expected 3", "[q, k, v]"});
  expect_error(
      head + qkv +
          "  - {name: a, type: attention, heads: 2, cached_tokens: -1, inputs: [q, k, v]}\n" + tail,
      Kind::kConfig, {"layers[3].cached_tokens", ">= 0"});
  expect_error(head + "  - {name: l, type: lstm}\n" + tail, Kind::kShape,
               {"layer 'l'", "6 features", "multiple of 4"});
  expect_error(head + "  - {name: last, type: select_token, index: 4}\n", Kind::kConfig,
               {"layers[0].index", "[-4, 4)"});
}

}  // namespace
}  // namespace xbarsim
