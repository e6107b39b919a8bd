#include "idx_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "xbarsim/core/error.hpp"

namespace xbarsim::detail {

namespace {

constexpr std::uint32_t kLabelsMagic = 0x00000801;
constexpr std::uint32_t kImagesMagic = 0x00000803;
// Largest image the reader accepts (rows * cols); keeps count * rows * cols far from overflow.
constexpr Index kMaxImagePixels = Index{1} << 28;
// Decompressed bytes per chunk: small enough to stay in cache between inflating and converting.
constexpr std::size_t kChunkBytes = std::size_t{1} << 18;
// The most read() reserves before data has arrived.
constexpr std::size_t kMaxReserve = std::size_t{1} << 26;

std::string hex32(std::uint32_t v) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%08X", static_cast<unsigned>(v));
  return buf.data();
}

std::uint32_t big_endian32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

IdxFile::IdxFile(std::string path, IdxKind kind) : path_(std::move(path)), kind_(kind) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path_, ec)) throw IoError(path_, "file not found");
  if (fs::file_size(path_, ec) == 0) throw IoError(path_, "empty file, not a gzip IDX file");
  gz_.reset(gzopen(path_.c_str(), "rb"));
  if (!gz_) throw IoError(path_, "cannot open file");
  gzbuffer(gz_.get(), 1u << 17);

  const bool images = kind_ == IdxKind::kImages;
  const std::uint32_t expected = images ? kImagesMagic : kLabelsMagic;
  const char* what = images ? "images" : "labels";
  std::array<std::uint8_t, 4> magic{};
  const std::size_t got = read_some(magic.data(), magic.size());
  if (gzdirect(gz_.get())) throw IoError(path_, "not a gzip IDX file (no gzip header)");
  if (got < magic.size())
    throw IoError(path_, "truncated: expected a 4-byte IDX magic number, got " +
                             std::to_string(got) + " bytes");
  const std::uint32_t m = big_endian32(magic.data());
  if (m != expected) {
    std::string msg =
        "bad magic " + hex32(m) + " (expected " + hex32(expected) + " for " + what + ")";
    if (m == (images ? kLabelsMagic : kImagesMagic))
      msg += "; this is an IDX " + std::string(images ? "labels" : "images") + " file";
    throw IoError(path_, msg);
  }

  const std::size_t rank = images ? 3 : 1;
  std::vector<std::uint8_t> header(4 * rank);
  const std::size_t got_dims = read_some(header.data(), header.size());
  if (got_dims < header.size())
    throw IoError(path_, "truncated: expected " + std::to_string(header.size()) +
                             " bytes of dimensions after the magic number, got " +
                             std::to_string(got_dims));
  for (std::size_t i = 0; i < rank; ++i) dims_.push_back(big_endian32(&header[4 * i]));
  if (dims_[0] == 0) throw IoError(path_, std::string("IDX header advertises 0 ") + what);
  if (images) {
    if (dims_[1] == 0 || dims_[2] == 0 || dims_[1] > kMaxImagePixels ||
        dims_[2] > kMaxImagePixels || dims_[1] * dims_[2] > kMaxImagePixels)
      throw IoError(path_, "implausible image size " + std::to_string(dims_[1]) + "x" +
                               std::to_string(dims_[2]) + " in the IDX header");
    item_bytes_ = dims_[1] * dims_[2];
  }
}

void IdxFile::GzClose::operator()(gzFile_s* f) const {
  gzclose(f);
}

const char* IdxFile::payload_name() const {
  return kind_ == IdxKind::kImages ? "pixel data" : "label data";
}

std::size_t IdxFile::read_some(std::uint8_t* dst, std::size_t n) {
  std::size_t total = 0;
  while (total < n) {
    const auto chunk = static_cast<unsigned>(std::min(n - total, kChunkBytes));
    const int got = gzread(gz_.get(), dst + total, chunk);
    if (got < 0) {
      int errnum = Z_OK;
      std::string msg = gzerror(gz_.get(), &errnum);
      if (msg.rfind(path_ + ": ", 0) == 0) msg.erase(0, path_.size() + 2);  // zlib adds the path
      throw IoError(path_, "corrupt gzip data (zlib: " + msg + ")");
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return total;
}

template <class Sink>
void IdxFile::read_items(Index n, Sink&& sink) {
  const auto want = static_cast<std::size_t>(n * item_bytes_);
  std::vector<std::uint8_t> chunk(std::min(want, kChunkBytes));
  std::size_t done = 0;
  while (done < want) {
    const std::size_t size = std::min(want - done, chunk.size());
    const std::size_t got = read_some(chunk.data(), size);
    sink(chunk.data(), done, got);
    done += got;
    if (got < size) break;
  }
  if (done < want) {
    int errnum = Z_OK;
    gzerror(gz_.get(), &errnum);
    throw IoError(path_, "truncated: expected " + std::to_string(want) + " bytes of " +
                             payload_name() + ", got " + std::to_string(done) +
                             (errnum == Z_BUF_ERROR ? " (the gzip stream is cut short)" : ""));
  }
  if (n == count()) {
    std::uint8_t extra = 0;
    if (read_some(&extra, 1) != 0)
      throw IoError(path_, "expected exactly " + std::to_string(want) + " bytes of " +
                               payload_name() + " (as the header advertises), but the file " +
                               "holds more");
  }
}

std::vector<std::uint8_t> IdxFile::read(Index n) {
  // Grown as data arrives, so a header advertising an absurd count cannot trigger a huge
  // allocation before the file is found truncated.
  std::vector<std::uint8_t> data;
  data.reserve(std::min(static_cast<std::size_t>(n * item_bytes_), kMaxReserve));
  read_items(n, [&data](const std::uint8_t* chunk, std::size_t, std::size_t size) {
    data.insert(data.end(), chunk, chunk + size);
  });
  return data;
}

void IdxFile::read_scaled(Index n, float* dst) {
  read_items(n, [dst](const std::uint8_t* chunk, std::size_t offset, std::size_t size) {
    scale_pixels(chunk, dst + offset, size);
  });
}

void scale_pixels(const std::uint8_t* src, float* dst, std::size_t n) {
  // A division, not a multiplication by 1/255: x * (1/255) is off by one ulp for some x.
  // GCC vectorises this loop (zero-extend, convert, divide) at -O2 and above.
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
}

void check_sample_limit(const std::string& file, Index limit) {
  if (limit < 0)
    throw IoError(file,
                  "sample limit must be >= 0 (0 = all samples), got " + std::to_string(limit));
}

}  // namespace xbarsim::detail
