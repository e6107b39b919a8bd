#pragma once
// Private to src/io: reading gzip-compressed IDX files (the MNIST / Fashion-MNIST format), and
// the helpers all data set readers share.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xbarsim/core/types.hpp"

struct gzFile_s;  // zlib's gzFile is a gzFile_s*

namespace xbarsim::detail {

enum class IdxKind {
  kLabels,  // magic 0x00000801: 1-D ubyte (count)
  kImages,  // magic 0x00000803: 3-D ubyte (count, rows, cols)
};

// A gzip IDX file, opened and with its big-endian header read and validated: magic number,
// dimensions (all > 0). The payload is read on demand, so a caller that needs only the first
// items decompresses only those. Every error is an IoError naming the file.
class IdxFile {
 public:
  IdxFile(std::string path, IdxKind kind);
  IdxFile(const IdxFile&) = delete;
  IdxFile& operator=(const IdxFile&) = delete;

  const std::string& path() const { return path_; }
  // The dimensions the header advertises: {count} for labels, {count, rows, cols} for images.
  const std::vector<Index>& dims() const { return dims_; }
  Index count() const { return dims_[0]; }

  // Reads the first n items (0 < n <= count()) as raw bytes. Throws if the file holds fewer
  // bytes, and, when n == count(), if it holds more than the header advertises. Call once.
  std::vector<std::uint8_t> read(Index n);
  // The same, for images, scaled by scale_pixels into dst (n * rows * cols floats): one pass,
  // decompressing in cache-sized chunks, without an intermediate buffer of the whole payload.
  void read_scaled(Index n, float* dst);

 private:
  // Decompresses the first n items chunk by chunk, calling sink(chunk, offset, size); then the
  // checks of read().
  template <class Sink>
  void read_items(Index n, Sink&& sink);
  std::size_t read_some(std::uint8_t* dst, std::size_t n);  // < n only at end of data
  const char* payload_name() const;

  struct GzClose {
    void operator()(gzFile_s* f) const;
  };

  std::string path_;
  IdxKind kind_;
  std::unique_ptr<gzFile_s, GzClose> gz_;  // closed also when the constructor throws
  std::vector<Index> dims_;
  Index item_bytes_ = 1;
};

// dst[i] = src[i] / 255 (exactly the float quotient, as numpy's x / 255 in float32 gives).
void scale_pixels(const std::uint8_t* src, float* dst, std::size_t n);

// Throws IoError(file, ...) unless limit >= 0 (0 = all samples).
void check_sample_limit(const std::string& file, Index limit);

}  // namespace xbarsim::detail
