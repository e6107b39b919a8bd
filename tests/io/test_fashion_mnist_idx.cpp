// load_fashion_mnist and load_dataset on small gzip IDX files written at test time.
#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>

#include "io_fixtures.hpp"
#include "xbarsim/io/dataset.hpp"

namespace xbarsim::test {
namespace {

constexpr int kRows = 4;
constexpr int kCols = 5;
const std::vector<std::uint8_t> kTestLabels = {3, 0, 7, 1, 1, 2};
const std::vector<std::uint8_t> kTrainLabels = {5, 4};

std::string images_file(const TempDir& d, const std::string& prefix = "t10k") {
  return d.file(prefix + "-images-idx3-ubyte.gz");
}
std::string labels_file(const TempDir& d, const std::string& prefix = "t10k") {
  return d.file(prefix + "-labels-idx1-ubyte.gz");
}

// Sets an environment variable for the lifetime of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_CASE("IDX: shape, labels and exact pixel values in H, W order") {
  TempDir d;
  write_idx_split(d.path(), "t10k", kTestLabels, kRows, kCols);
  write_idx_split(d.path(), "train", kTrainLabels, kRows, kCols);

  const Dataset ds = load_fashion_mnist(d.path().string(), Split::kTest);
  CHECK(ds.name == "fashion-mnist (test)");
  CHECK(ds.shape == std::array<Index, 3>{1, kRows, kCols});
  CHECK(ds.size() == 6);
  REQUIRE(ds.images.rows() == kRows * kCols);
  REQUIRE(ds.images.cols() == 6);
  CHECK(ds.labels == std::vector<int>{3, 0, 7, 1, 1, 2});
  CHECK(ds.num_classes == 8);
  for (int n = 0; n < 6; ++n)
    for (int h = 0; h < kRows; ++h)
      for (int w = 0; w < kCols; ++w) {
        CAPTURE(n);
        CAPTURE(h);
        CAPTURE(w);
        const float expected = static_cast<float>(idx_pixel(n, h, w, kRows, kCols)) / 255.0f;
        CHECK(ds.images(h * kCols + w, n) == expected);  // exact: same float division
      }
  CHECK(ds.images.minCoeff() == 0.0f);  // idx_pixel(0, 0, 0) = 0
  CHECK(ds.images.maxCoeff() <= 1.0f);

  const Dataset train = load_fashion_mnist(d.path().string(), Split::kTrain);
  CHECK(train.name == "fashion-mnist (train)");
  CHECK(train.size() == 2);
  CHECK(train.labels == std::vector<int>{5, 4});
  CHECK(train.num_classes == 6);
}

TEST_CASE("IDX: limit keeps the first samples, num_classes still counts every label") {
  TempDir d;
  write_idx_split(d.path(), "t10k", kTestLabels, kRows, kCols);
  const Dataset all = load_fashion_mnist(d.path().string(), Split::kTest);
  const Dataset two = load_fashion_mnist(d.path().string(), Split::kTest, 2);
  CHECK(two.size() == 2);
  CHECK(two.shape == all.shape);
  CHECK(two.labels == std::vector<int>{3, 0});
  CHECK(two.num_classes == 8);  // label 7 is in sample 2, beyond the limit
  CHECK(two.images == all.images.leftCols(2));
  CHECK(load_fashion_mnist(d.path().string(), Split::kTest, 100).size() == 6);
  check_io_error([&] { load_fashion_mnist(d.path().string(), Split::kTest, -1); },
                 d.path().string(), "limit must be >= 0");
}

TEST_CASE("IDX: with a limit, only the needed images are decompressed") {
  // The header advertises 6 images but the payload stops after 2.5: a limit of 2 never reaches
  // the missing bytes, while loading everything reports the truncation.
  TempDir d;
  write_gz(labels_file(d), concat(idx_header(kLabelsMagic, {6}), kTestLabels));
  const Bytes pixels(kRows * kCols * 5 / 2, 9);
  write_gz(images_file(d), concat(idx_header(kImagesMagic, {6, kRows, kCols}), pixels));
  const Dataset two = load_fashion_mnist(d.path().string(), Split::kTest, 2);
  CHECK(two.size() == 2);
  CHECK(two.images(0, 0) == 9.0f / 255.0f);
  check_io_error([&] { load_fashion_mnist(d.path().string(), Split::kTest, 3); }, images_file(d),
                 "truncated: expected 60 bytes of pixel data, got 50");
  check_io_error([&] { load_fashion_mnist(d.path().string(), Split::kTest); }, images_file(d),
                 "truncated: expected 120 bytes of pixel data, got 50");
}

TEST_CASE("IDX: malformed files are IoErrors naming the file") {
  TempDir d;
  const std::string dir = d.path().string();
  auto load = [&] { load_fashion_mnist(dir, Split::kTest); };
  const Bytes good_labels = concat(idx_header(kLabelsMagic, {6}), kTestLabels);
  const Bytes good_pixels(kRows * kCols * 6, 1);
  write_gz(labels_file(d), good_labels);

  SUBCASE("bad magic in the images file") {
    write_gz(images_file(d), concat(idx_header(kLabelsMagic, {6, kRows, kCols}), good_pixels));
    check_io_error(load, images_file(d),
                   "bad magic 0x00000801 (expected 0x00000803 for images); this is an IDX "
                   "labels file");
  }
  SUBCASE("bad magic in the labels file") {
    write_idx_split(d.path(), "t10k", kTestLabels, kRows, kCols);
    write_gz(labels_file(d), concat(idx_header(0x12345678, {6}), kTestLabels));
    check_io_error(load, labels_file(d), "bad magic 0x12345678 (expected 0x00000801 for labels)");
  }
  SUBCASE("truncated pixel data") {
    write_gz(images_file(d), concat(idx_header(kImagesMagic, {6, kRows, kCols}),
                                    Bytes(good_pixels.begin(), good_pixels.end() - 7)));
    check_io_error(load, images_file(d), "truncated: expected 120 bytes of pixel data, got 113");
  }
  SUBCASE("truncated label data") {
    write_idx_split(d.path(), "t10k", kTestLabels, kRows, kCols);
    write_gz(labels_file(d), concat(idx_header(kLabelsMagic, {6}), {3, 0, 7}));
    check_io_error(load, labels_file(d), "truncated: expected 6 bytes of label data, got 3");
  }
  SUBCASE("truncated header") {
    write_gz(images_file(d), Bytes{0, 0, 8, 3, 0, 0, 0, 6, 0});  // magic + 5 of 12 bytes
    check_io_error(load, images_file(d),
                   "truncated: expected 12 bytes of dimensions after the magic number, got 5");
  }
  SUBCASE("more bytes than the header advertises") {
    write_gz(images_file(d),
             concat(idx_header(kImagesMagic, {6, kRows, kCols}), concat(good_pixels, {1, 2, 3})));
    check_io_error(load, images_file(d), "expected exactly 120 bytes of pixel data");
  }
  SUBCASE("image and label counts differ") {
    write_gz(labels_file(d), concat(idx_header(kLabelsMagic, {5}), {3, 0, 7, 1, 1}));
    write_gz(images_file(d), concat(idx_header(kImagesMagic, {6, kRows, kCols}), good_pixels));
    check_io_error(load, labels_file(d),
                   "labels file has 5 items but images file " + images_file(d) + " has 6");
  }
  SUBCASE("an uncompressed IDX file is not a gzip IDX file") {
    write_raw(images_file(d), concat(idx_header(kImagesMagic, {6, kRows, kCols}), good_pixels));
    check_io_error(load, images_file(d), "not a gzip IDX file");
  }
  SUBCASE("a text file is not a gzip IDX file") {
    write_raw(images_file(d), Bytes{'h', 'e', 'l', 'l', 'o', '\n'});
    check_io_error(load, images_file(d), "not a gzip IDX file");
  }
  SUBCASE("an empty file") {
    write_raw(images_file(d), {});
    check_io_error(load, images_file(d), "empty file");
  }
  SUBCASE("a gzip stream cut short") {
    write_gz(images_file(d), concat(idx_header(kImagesMagic, {6, kRows, kCols}), good_pixels));
    Bytes gz = read_raw(images_file(d));
    gz.resize(gz.size() - 12);  // drop the end of the deflate stream and the gzip trailer
    write_raw(images_file(d), gz);
    check_io_error(load, images_file(d), "truncated: expected 120 bytes of pixel data");
  }
  SUBCASE("corrupt gzip data") {
    write_gz(images_file(d), concat(idx_header(kImagesMagic, {6, kRows, kCols}), good_pixels));
    Bytes gz = read_raw(images_file(d));
    gz[gz.size() - 6] ^= 0xFF;  // the CRC-32 in the gzip trailer
    write_raw(images_file(d), gz);
    check_io_error(load, images_file(d), "corrupt gzip data (zlib: incorrect data check)");
  }
  SUBCASE("zero images") {
    write_gz(images_file(d), idx_header(kImagesMagic, {0, kRows, kCols}));
    check_io_error(load, images_file(d), "IDX header advertises 0 images");
  }
  SUBCASE("zero-sized images") {
    write_gz(images_file(d), idx_header(kImagesMagic, {6, 0, kCols}));
    check_io_error(load, images_file(d), "implausible image size 0x5");
  }
  SUBCASE("missing images file") {
    check_io_error(load, images_file(d), "file not found");
  }
}

TEST_CASE("IDX: a missing Fashion-MNIST directory suggests installing the package") {
  TempDir d;
  const std::string missing = d.file("no-such-dir");
  check_io_error([&] { load_fashion_mnist(missing, Split::kTest); }, missing,
                 "apt-get install dataset-fashion-mnist");
}

TEST_CASE("load_dataset: fashion-mnist specs, the directory variable and HDF5 paths") {
  TempDir d;
  write_idx_split(d.path(), "t10k", kTestLabels, kRows, kCols);
  write_idx_split(d.path(), "train", kTrainLabels, kRows, kCols);
  const ScopedEnv env("XBARSIM_FASHION_MNIST_DIR", d.path().string());

  CHECK(load_dataset("fashion-mnist", Split::kTest).size() == 6);
  CHECK(load_dataset("fashion-mnist", Split::kTrain).size() == 2);
  CHECK(load_dataset("fashion-mnist:train", Split::kTest).name == "fashion-mnist (train)");
  CHECK(load_dataset("fashion-mnist:test", Split::kTrain).name == "fashion-mnist (test)");
  CHECK(load_dataset("fashion-mnist", Split::kTest, 4).size() == 4);
  check_io_error([] { load_dataset("fashion-mnist:val", Split::kTest); }, "fashion-mnist:val",
                 "unknown Fashion-MNIST split 'val'");
  // Anything else is an HDF5 path, even when it starts like the built-in name.
  const std::string h5 = d.file("fashion-mnist.h5");
  check_io_error([&] { load_dataset(h5, Split::kTest); }, h5, "file not found");
  check_io_error([] { load_dataset("fashion-mnist-mine.h5", Split::kTest); },
                 "fashion-mnist-mine.h5", "file not found");
}

}  // namespace
}  // namespace xbarsim::test
