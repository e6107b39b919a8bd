#pragma once
// Fixture files for the io tests, written at test time into a fresh temporary directory:
// gzip IDX files (with zlib) and HDF5 data set files (with the HDF5 C API).
#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim::test {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

using TempDir = xbarsim::test::TempDir;

// ---- IDX ----

constexpr std::uint32_t kLabelsMagic = 0x00000801;
constexpr std::uint32_t kImagesMagic = 0x00000803;

// Big-endian magic and dimensions, as the IDX format has them.
inline Bytes idx_header(std::uint32_t magic, const std::vector<std::uint32_t>& dims) {
  Bytes out;
  auto put = [&out](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  put(magic);
  for (std::uint32_t d : dims) put(d);
  return out;
}

inline Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile g = gzopen(path.c_str(), "wb");
  REQUIRE(g != nullptr);
  if (!bytes.empty())
    REQUIRE(gzwrite(g, bytes.data(), static_cast<unsigned>(bytes.size())) ==
            static_cast<int>(bytes.size()));
  REQUIRE(gzclose(g) == Z_OK);
}

inline void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline Bytes read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A distinct pixel value for every (sample, row, col) of a small image set (0 and 255 included).
inline std::uint8_t idx_pixel(int n, int h, int w, int rows, int cols) {
  return static_cast<std::uint8_t>(((n * rows + h) * cols + w) * 7 % 256);
}

// A Fashion-MNIST-like directory: {prefix}-images-idx3-ubyte.gz and {prefix}-labels-idx1-ubyte.gz
// with labels.size() images of rows x cols pixels given by idx_pixel.
inline void write_idx_split(const fs::path& dir, const std::string& prefix,
                            const std::vector<std::uint8_t>& labels, int rows, int cols) {
  const auto n = static_cast<std::uint32_t>(labels.size());
  Bytes pixels;
  for (int i = 0; i < static_cast<int>(n); ++i)
    for (int h = 0; h < rows; ++h)
      for (int w = 0; w < cols; ++w) pixels.push_back(idx_pixel(i, h, w, rows, cols));
  write_gz((dir / (prefix + "-images-idx3-ubyte.gz")).string(),
           concat(idx_header(kImagesMagic, {n, static_cast<std::uint32_t>(rows),
                                            static_cast<std::uint32_t>(cols)}),
                  pixels));
  write_gz((dir / (prefix + "-labels-idx1-ubyte.gz")).string(),
           concat(idx_header(kLabelsMagic, {n}), labels));
}

// ---- HDF5 ----

struct H5 {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5() {
    if (id >= 0) close(id);
  }
};

// Writes dataset `name` of shape `dims` and on-disk type `file_type` from `data` (mem_type).
inline void write_h5(hid_t file, const std::string& name, hid_t file_type, hid_t mem_type,
                     const std::vector<hsize_t>& dims, const void* data) {
  H5 space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
  H5 d{H5Dcreate2(file, name.c_str(), file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
       H5Dclose};
  REQUIRE(d.id >= 0);
  REQUIRE(H5Dwrite(d.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
}

inline void write_h5_int_attr(hid_t file, const std::string& name, long long value) {
  H5 space{H5Screate(H5S_SCALAR), H5Sclose};
  H5 a{H5Acreate2(file, name.c_str(), H5T_STD_I64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  REQUIRE(a.id >= 0);
  REQUIRE(H5Awrite(a.id, H5T_NATIVE_LLONG, &value) >= 0);
}

// Runs f, which must throw an IoError naming `file` whose message contains `fragment`.
template <class F>
void check_io_error(F&& f, const std::string& file, const std::string& fragment) {
  try {
    f();
    FAIL("expected an IoError about '" << fragment << "' for " << file);
  } catch (const IoError& e) {
    const std::string what = e.what();
    INFO("message: " << what);
    CHECK(e.file() == file);
    CHECK(what.find(file) != std::string::npos);
    CHECK(what.find(fragment) != std::string::npos);
  }
}

}  // namespace xbarsim::test
