#include "xbarsim/io/dataset.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string_view>

#include "idx_reader.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {

constexpr std::string_view kFashionMnistSpec = "fashion-mnist";

}  // namespace

Dataset load_fashion_mnist(const std::string& dir, Split split, Index limit) {
  namespace fs = std::filesystem;
  detail::check_sample_limit(dir, limit);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw IoError(dir,
                  "Fashion-MNIST directory not found; install the data with `apt-get install "
                  "dataset-fashion-mnist` (Debian), or set XBARSIM_FASHION_MNIST_DIR to a "
                  "directory holding its four IDX .gz files");
  const bool train = split == Split::kTrain;
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = (fs::path(dir) / (prefix + "-images-idx3-ubyte.gz")).string();
  const std::string labels_path = (fs::path(dir) / (prefix + "-labels-idx1-ubyte.gz")).string();

  // Headers first, so that a mismatch is reported before anything is decompressed.
  detail::IdxFile labels_file(labels_path, detail::IdxKind::kLabels);
  detail::IdxFile images_file(images_path, detail::IdxKind::kImages);
  if (labels_file.count() != images_file.count())
    throw IoError(labels_path, "labels file has " + std::to_string(labels_file.count()) +
                                   " items but images file " + images_path + " has " +
                                   std::to_string(images_file.count()));
  const Index n = limit > 0 ? std::min(limit, images_file.count()) : images_file.count();

  // All labels (a few kB) are read, so num_classes does not depend on the limit.
  const std::vector<std::uint8_t> labels = labels_file.read(labels_file.count());

  Dataset ds;
  ds.name = std::string("fashion-mnist (") + (train ? "train" : "test") + ")";
  ds.shape = {1, images_file.dims()[1], images_file.dims()[2]};
  // IDX stores each image row-major and images one after another: exactly the column-major
  // layout of a (H*W) x N matrix. Its pages are only touched as pixels arrive, so a header
  // advertising more images than the file holds costs no memory before the truncation error.
  try {
    ds.images.resize(ds.shape[1] * ds.shape[2], n);
  } catch (const std::bad_alloc&) {
    throw IoError(images_path, "IDX header advertises " + std::to_string(n) + " images of " +
                                   std::to_string(ds.shape[1]) + "x" + std::to_string(ds.shape[2]) +
                                   ", too many to hold in memory");
  }
  images_file.read_scaled(n, ds.images.data());
  ds.labels.assign(labels.begin(), labels.begin() + n);
  ds.num_classes = *std::max_element(labels.begin(), labels.end()) + 1;
  return ds;
}

namespace {

Dataset load_any_dataset(const std::string& spec, Split split, Index limit) {
  const std::string_view s = spec;
  if (s.substr(0, kFashionMnistSpec.size()) != kFashionMnistSpec ||
      (s.size() > kFashionMnistSpec.size() && s[kFashionMnistSpec.size()] != ':'))
    return load_hdf5_dataset(spec, limit);
  if (s.size() > kFashionMnistSpec.size()) {
    const std::string_view name = s.substr(kFashionMnistSpec.size() + 1);
    if (name == "train")
      split = Split::kTrain;
    else if (name == "test")
      split = Split::kTest;
    else
      throw IoError(spec, "unknown Fashion-MNIST split '" + std::string(name) +
                              "' (expected fashion-mnist, fashion-mnist:train or "
                              "fashion-mnist:test)");
  }
  const char* env = std::getenv("XBARSIM_FASHION_MNIST_DIR");
  const std::string dir = env != nullptr && *env != '\0' ? env : kFashionMnistDir;
  return load_fashion_mnist(dir, split, limit);
}

}  // namespace

Dataset load_dataset(const std::string& spec, Split split, Index limit) {
  Dataset ds = load_any_dataset(spec, split, limit);
  spdlog::debug("dataset {}: {} samples of {} x {} x {}, {} classes", ds.name, ds.size(),
                ds.shape[0], ds.shape[1], ds.shape[2], ds.num_classes);
  return ds;
}

}  // namespace xbarsim
