// The real Fashion-MNIST files of Debian's dataset-fashion-mnist package (CI installs it).
// Xiao, Rasul, Vollgraf 2017 (arXiv:1708.07747): 60000 training and 10000 test images of 28x28
// pixels in 10 classes; both splits are balanced (6000 / 1000 images per class).
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

#include "xbarsim/io/dataset.hpp"

namespace xbarsim::test {
namespace {

void require_installed() {
  REQUIRE_MESSAGE(std::filesystem::is_directory(kFashionMnistDir),
                  kFashionMnistDir << " is missing: install the data with `apt-get install "
                                      "dataset-fashion-mnist` (.ci/install-deps does)");
}

void check_split(const Dataset& ds, Index n, int per_class) {
  CHECK(ds.size() == n);
  CHECK(ds.shape == std::array<Index, 3>{1, 28, 28});
  CHECK(ds.images.rows() == 784);
  CHECK(ds.images.cols() == n);
  REQUIRE(ds.labels.size() == static_cast<std::size_t>(n));
  CHECK(ds.num_classes == 10);
  std::array<int, 10> counts{};
  for (int label : ds.labels) {
    REQUIRE(label >= 0);
    REQUIRE(label < 10);
    ++counts[static_cast<std::size_t>(label)];
  }
  for (int c = 0; c < 10; ++c) {
    CAPTURE(c);
    CHECK(counts[static_cast<std::size_t>(c)] == per_class);
  }
  CHECK(ds.images.minCoeff() == 0.0f);
  CHECK(ds.images.maxCoeff() == 1.0f);  // every split has saturated pixels
}

TEST_CASE("Fashion-MNIST test split: 10000 balanced samples of 1x28x28 in [0, 1]") {
  require_installed();
  const auto start = std::chrono::steady_clock::now();
  const Dataset ds = load_fashion_mnist(kFashionMnistDir, Split::kTest);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("loading the 10000-image Fashion-MNIST test split took " << seconds * 1e3 << " ms");
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)  // optimised, uninstrumented builds
  CHECK(seconds < 1.0);
#endif
  CHECK(ds.name == "fashion-mnist (test)");
  check_split(ds, 10000, 1000);

  const Dataset first = load_fashion_mnist(kFashionMnistDir, Split::kTest, 100);
  CHECK(first.size() == 100);
  CHECK(first.num_classes == 10);
  CHECK(first.images == ds.images.leftCols(100));
  CHECK(std::vector<int>(ds.labels.begin(), ds.labels.begin() + 100) == first.labels);
}

TEST_CASE("Fashion-MNIST train split: 60000 balanced samples") {
  require_installed();
  const Dataset ds = load_fashion_mnist(kFashionMnistDir, Split::kTrain);
  CHECK(ds.name == "fashion-mnist (train)");
  check_split(ds, 60000, 6000);
}

}  // namespace
}  // namespace xbarsim::test
