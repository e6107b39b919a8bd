#pragma once
// Labelled image data sets for inference: Fashion-MNIST (IDX files) and users' own HDF5 files.
// See docs/datasets.md for the formats, the scaling of values and the error behaviour.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "xbarsim/core/types.hpp"

namespace xbarsim {

enum class Split { kTrain, kTest };

struct Dataset {
  // "fashion-mnist (test)" / "fashion-mnist (train)", or the HDF5 file's path.
  std::string name;
  // Per-sample C, H, W (Fashion-MNIST: 1, 28, 28); flat (N, F) data: (F, 1, 1).
  std::array<Index, 3> shape{0, 0, 0};
  // (C*H*W) x N, one sample per column, flattened in C, H, W order (row-major within a sample,
  // as PyTorch and numpy do). uint8 pixels are scaled to [0, 1] (p / 255); float data is taken
  // as stored. The model's own input normalisation is applied later, by the network.
  Matrix images;
  // N class indices, each in [0, num_classes).
  std::vector<int> labels;
  // Fashion-MNIST: max(label) + 1 (= 10). HDF5: root attribute num_classes if present, else
  // max(label) + 1. Computed over all labels in the file, whatever the limit.
  int num_classes = 0;

  Index size() const { return images.cols(); }
};

// Where Debian's dataset-fashion-mnist package installs the data.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Reads the gzip IDX files {train,t10k}-images-idx3-ubyte.gz and {train,t10k}-labels-idx1-ubyte.gz
// of `dir`. limit > 0: the first `limit` samples only (fewer if the split is smaller); only
// those images are decompressed. limit = 0: all samples. Errors are IoError naming the file.
Dataset load_fashion_mnist(const std::string& dir, Split split, Index limit = 0);

// Reads an HDF5 file with dataset "images" shaped (N, C, H, W), (N, H, W) or (N, F) of type
// uint8 (scaled by 1/255) or float32/float64 (taken as is), dataset "labels" (N) of any integer
// type and an optional integer root attribute num_classes. limit as for load_fashion_mnist.
// Errors are IoError naming the file and the dataset.
Dataset load_hdf5_dataset(const std::string& path, Index limit = 0);
// The same for a file already open: `file` is an HDF5 file id (hid_t), e.g. of an in-memory
// image (the fuzz harnesses); `path` names it in errors.
Dataset read_hdf5_dataset(std::int64_t file, const std::string& path, Index limit = 0);

// "fashion-mnist" -> load_fashion_mnist(dir, split); "fashion-mnist:train" or
// "fashion-mnist:test" choose the split themselves. dir is $XBARSIM_FASHION_MNIST_DIR if set and
// non-empty, else kFashionMnistDir. Any other spec is an HDF5 path (split is then ignored).
Dataset load_dataset(const std::string& spec, Split split, Index limit = 0);

}  // namespace xbarsim
