// load_hdf5_dataset on small HDF5 files written at test time with the HDF5 C API.
#include <doctest/doctest.h>

#include "io_fixtures.hpp"
#include "xbarsim/io/dataset.hpp"

namespace xbarsim::test {
namespace {

constexpr hsize_t kN = 3, kC = 2, kH = 3, kW = 4;

// A distinct uint8 value for every (n, c, h, w).
std::uint8_t nchw_value(hsize_t n, hsize_t c, hsize_t h, hsize_t w) {
  return static_cast<std::uint8_t>(((n * kC + c) * kH + h) * kW + w + 100);
}

Bytes nchw_pixels() {
  Bytes v;  // row-major (N, C, H, W), as numpy and h5py store it
  for (hsize_t n = 0; n < kN; ++n)
    for (hsize_t c = 0; c < kC; ++c)
      for (hsize_t h = 0; h < kH; ++h)
        for (hsize_t w = 0; w < kW; ++w) v.push_back(nchw_value(n, c, h, w));
  return v;
}

H5 create(const std::string& path) {
  H5 f{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
  REQUIRE(f.id >= 0);
  return f;
}

// A valid uint8 NCHW file with int64 labels, plus whatever `extra` adds.
template <class Extra>
std::string write_nchw(const TempDir& d, const std::string& name, Extra&& extra) {
  const std::string path = d.file(name);
  const H5 f = create(path);
  const Bytes pixels = nchw_pixels();
  write_h5(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {kN, kC, kH, kW}, pixels.data());
  const std::vector<long long> labels = {2, 0, 1};
  write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {kN}, labels.data());
  extra(f.id);
  return path;
}

TEST_CASE("HDF5: uint8 (N, C, H, W) keeps C, H, W order and scales by 1/255") {
  TempDir d;
  const std::string path = write_nchw(d, "nchw.h5", [](hid_t) {});
  const Dataset ds = load_hdf5_dataset(path);
  CHECK(ds.name == path);
  CHECK(ds.shape == std::array<Index, 3>{kC, kH, kW});
  REQUIRE(ds.images.rows() == static_cast<Index>(kC * kH * kW));
  REQUIRE(ds.images.cols() == static_cast<Index>(kN));
  CHECK(ds.labels == std::vector<int>{2, 0, 1});
  CHECK(ds.num_classes == 3);
  for (hsize_t n = 0; n < kN; ++n)
    for (hsize_t c = 0; c < kC; ++c)
      for (hsize_t h = 0; h < kH; ++h)
        for (hsize_t w = 0; w < kW; ++w) {
          const auto row = static_cast<Index>((c * kH + h) * kW + w);
          CAPTURE(n);
          CAPTURE(row);
          CHECK(ds.images(row, static_cast<Index>(n)) ==
                static_cast<float>(nchw_value(n, c, h, w)) / 255.0f);
        }

  const Dataset one = load_hdf5_dataset(path, 1);
  CHECK(one.size() == 1);
  CHECK(one.labels == std::vector<int>{2});
  CHECK(one.num_classes == 3);  // from all labels, not just the first
  CHECK(one.images == ds.images.leftCols(1));
  CHECK(load_hdf5_dataset(path, 2).images == ds.images.leftCols(2));
  CHECK(load_hdf5_dataset(path, 50).size() == static_cast<Index>(kN));
}

TEST_CASE("HDF5: float32 (N, H, W) is taken as stored, labels of another integer type") {
  TempDir d;
  const std::string path = d.file("nhw.h5");
  {
    const H5 f = create(path);
    const std::vector<float> x = {-1.5f, 0.25f, 3.0f, 1e-7f, 255.0f, -0.0f,  // sample 0 (3x2)
                                  7.0f,  8.0f,  9.0f, 10.0f, 11.0f,  0.1f};
    write_h5(f.id, "images", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {2, 3, 2}, x.data());
    const std::vector<std::uint8_t> labels = {4, 1};
    write_h5(f.id, "labels", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {2}, labels.data());
  }
  const Dataset ds = load_hdf5_dataset(path);
  CHECK(ds.shape == std::array<Index, 3>{1, 3, 2});
  REQUIRE(ds.images.rows() == 6);
  REQUIRE(ds.images.cols() == 2);
  CHECK(ds.images(0, 0) == -1.5f);
  CHECK(ds.images(1, 0) == 0.25f);  // (h=0, w=1)
  CHECK(ds.images(2, 0) == 3.0f);   // (h=1, w=0)
  CHECK(ds.images(3, 0) == 1e-7f);
  CHECK(ds.images(4, 0) == 255.0f);
  CHECK(ds.images(5, 1) == 0.1f);
  CHECK(ds.images(0, 1) == 7.0f);
  CHECK(ds.labels == std::vector<int>{4, 1});
  CHECK(ds.num_classes == 5);
}

TEST_CASE("HDF5: float64 (N, F) is flat data of shape (F, 1, 1), with a num_classes attribute") {
  TempDir d;
  const std::string path = d.file("flat.h5");
  {
    const H5 f = create(path);
    const std::vector<double> x = {0.5, -2.0, 4.25, 1.0, 2.0, 3.0};  // (2, 3)
    write_h5(f.id, "images", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {2, 3}, x.data());
    const std::vector<int> labels = {0, 3};
    write_h5(f.id, "labels", H5T_STD_I32BE, H5T_NATIVE_INT, {2}, labels.data());
    write_h5_int_attr(f.id, "num_classes", 10);
  }
  const Dataset ds = load_hdf5_dataset(path);
  CHECK(ds.shape == std::array<Index, 3>{3, 1, 1});
  REQUIRE(ds.images.rows() == 3);
  REQUIRE(ds.images.cols() == 2);
  CHECK(ds.images(0, 0) == 0.5f);
  CHECK(ds.images(1, 0) == -2.0f);
  CHECK(ds.images(2, 0) == 4.25f);
  CHECK(ds.images(0, 1) == 1.0f);
  CHECK(ds.labels == std::vector<int>{0, 3});
  CHECK(ds.num_classes == 10);
  CHECK(load_dataset(path, Split::kTrain).images == ds.images);  // split is ignored for HDF5
}

TEST_CASE("HDF5: malformed files are IoErrors naming the file and the dataset") {
  TempDir d;
  const Bytes pixels = nchw_pixels();
  const std::vector<long long> labels3 = {2, 0, 1};

  SUBCASE("missing labels") {
    const std::string path = d.file("no_labels.h5");
    {
      const H5 f = create(path);
      write_h5(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {kN, kC, kH, kW}, pixels.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path, "dataset 'labels' not found");
  }
  SUBCASE("missing images") {
    const std::string path = d.file("no_images.h5");
    {
      const H5 f = create(path);
      write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {kN}, labels3.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path, "dataset 'images' not found");
  }
  SUBCASE("wrong N") {
    const std::string path = d.file("wrong_n.h5");
    {
      const H5 f = create(path);
      write_h5(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {kN, kC, kH, kW}, pixels.data());
      write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {2}, labels3.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "dataset 'images' has N = 3 samples but dataset 'labels' has 2");
  }
  SUBCASE("images of rank 1") {
    const std::string path = d.file("rank1.h5");
    {
      const H5 f = create(path);
      write_h5(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {kN}, pixels.data());
      write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {kN}, labels3.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path, "dataset 'images' has rank 1 (3)");
  }
  SUBCASE("images of rank 5") {
    const std::string path = d.file("rank5.h5");
    {
      const H5 f = create(path);
      write_h5(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {kN, 1, kC, kH, kW}, pixels.data());
      write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {kN}, labels3.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path, "dataset 'images' has rank 5");
  }
  SUBCASE("string images") {
    const std::string path = d.file("strings.h5");
    {
      const H5 f = create(path);
      const H5 type{H5Tcopy(H5T_C_S1), H5Tclose};
      H5Tset_size(type.id, 4);
      const char text[] = "abcdefghijkl";
      write_h5(f.id, "images", type.id, type.id, {kN, 1}, text);
      write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {kN}, labels3.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "dataset 'images' has unsupported type string");
  }
  SUBCASE("int16 images") {
    const std::string path = d.file("int16.h5");
    {
      const H5 f = create(path);
      const std::vector<short> x(kN * 4, 1);
      write_h5(f.id, "images", H5T_STD_I16LE, H5T_NATIVE_SHORT, {kN, 4}, x.data());
      write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {kN}, labels3.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "dataset 'images' has unsupported type int16, expected uint8, float32 or "
                   "float64");
  }
  SUBCASE("float labels") {
    const std::string path = write_nchw(d, "float_labels.h5", [](hid_t) {});
    {
      const H5 f{H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose};
      REQUIRE(H5Ldelete(f.id, "labels", H5P_DEFAULT) >= 0);
      const std::vector<float> labels = {2, 0, 1};
      write_h5(f.id, "labels", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {kN}, labels.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "dataset 'labels' has unsupported type float32, expected an integer type");
  }
  SUBCASE("2-D labels") {
    const std::string path = d.file("labels2d.h5");
    {
      const H5 f = create(path);
      write_h5(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {kN, kC, kH, kW}, pixels.data());
      write_h5(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {kN, 1}, labels3.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "dataset 'labels' has shape (3, 1), expected (N)");
  }
  SUBCASE("negative labels") {
    const std::string path = d.file("negative.h5");
    {
      const H5 f = create(path);
      write_h5(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {kN, kC, kH, kW}, pixels.data());
      const std::vector<int> labels = {2, -3, 1};
      write_h5(f.id, "labels", H5T_STD_I32LE, H5T_NATIVE_INT, {kN}, labels.data());
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "dataset 'labels' holds negative label -3 at sample 1");
  }
  SUBCASE("num_classes attribute smaller than the labels") {
    const std::string path =
        write_nchw(d, "few_classes.h5", [](hid_t f) { write_h5_int_attr(f, "num_classes", 2); });
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "root attribute num_classes = 2 but dataset 'labels' holds label 2");
  }
  SUBCASE("num_classes attribute that is not an integer") {
    const std::string path = write_nchw(d, "float_classes.h5", [](hid_t f) {
      const H5 space{H5Screate(H5S_SCALAR), H5Sclose};
      const H5 a{H5Acreate2(f, "num_classes", H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose};
      const double ten = 10.0;
      REQUIRE(H5Awrite(a.id, H5T_NATIVE_DOUBLE, &ten) >= 0);
    });
    check_io_error([&] { load_hdf5_dataset(path); }, path,
                   "root attribute num_classes must be a single integer, found float64");
  }
  SUBCASE("not an HDF5 file") {
    const std::string path = d.file("text.h5");
    write_raw(path, Bytes{'n', 'o', 'p', 'e'});
    check_io_error([&] { load_hdf5_dataset(path); }, path, "not a readable HDF5 file");
  }
  SUBCASE("missing file") {
    const std::string path = d.file("missing.h5");
    check_io_error([&] { load_hdf5_dataset(path); }, path, "file not found");
  }
  SUBCASE("negative limit") {
    const std::string path = write_nchw(d, "ok.h5", [](hid_t) {});
    check_io_error([&] { load_hdf5_dataset(path, -5); }, path, "limit must be >= 0");
  }
}

// A chunked dataset whose chunks were never written: a few bytes on disk whatever its extent.
void write_unallocated(hid_t file, const std::string& name, hid_t type,
                       const std::vector<hsize_t>& dims) {
  std::vector<hsize_t> chunk(dims.size(), 1);
  const H5 space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
  const H5 dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  REQUIRE(H5Pset_chunk(dcpl.id, static_cast<int>(chunk.size()), chunk.data()) >= 0);
  const H5 d{H5Dcreate2(file, name.c_str(), type, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT),
             H5Dclose};
  REQUIRE(d.id >= 0);
}

TEST_CASE("HDF5: counts declared by the file are bounded before anything is allocated") {
  TempDir d;
  SUBCASE("2^40 samples declared, none stored") {
    const std::string path = d.file("huge_n.h5");
    {
      const H5 f = create(path);
      write_unallocated(f.id, "images", H5T_STD_U8LE, {hsize_t{1} << 40, 4});
      write_unallocated(f.id, "labels", H5T_STD_I64LE, {hsize_t{1} << 40});
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path, "dataset 'images' has shape");
  }
  SUBCASE("an extent whose product overflows 64 bits") {
    const std::string path = d.file("overflow.h5");
    {
      const H5 f = create(path);
      write_unallocated(f.id, "images", H5T_STD_U8LE, {hsize_t{1} << 33, hsize_t{1} << 33});
      write_unallocated(f.id, "labels", H5T_STD_I64LE, {hsize_t{1} << 33});
    }
    check_io_error([&] { load_hdf5_dataset(path); }, path, "elements");
  }
  SUBCASE("num_classes as an array of 16 integers") {
    const std::string path = write_nchw(d, "classes_array.h5", [](hid_t f) {
      const hsize_t n = 16;
      const H5 space{H5Screate_simple(1, &n, nullptr), H5Sclose};
      const H5 a{H5Acreate2(f, "num_classes", H5T_STD_I64LE, space.id, H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose};
      const std::vector<long long> v(16, 10);
      REQUIRE(H5Awrite(a.id, H5T_NATIVE_LLONG, v.data()) >= 0);
    });
    check_io_error([&] { load_hdf5_dataset(path); }, path, "num_classes");
  }
}

}  // namespace
}  // namespace xbarsim::test
