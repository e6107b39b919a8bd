// Fuzz harness: a gzip IDX file (detail::IdxFile, the Fashion-MNIST reader). The first byte
// of the input chooses labels (even) or images (odd); the rest is the file.
#include <algorithm>
#include <vector>

#include "../../src/io/idx_reader.hpp"
#include "fuzz_support.hpp"

namespace {

// load_fashion_mnist sizes its image matrix from the header before decompressing; the harness
// reads at most this many pixels so that a header's count does not decide its memory use.
constexpr xbarsim::Index kMaxPixels = xbarsim::Index{1} << 22;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xbarsim;
  if (size == 0) return 0;
  const bool images = data[0] & 1;
  const std::string path = fuzz::scratch_file("idx.gz", fuzz::as_text(data + 1, size - 1));
  fuzz::expect_only_xbarsim_errors([&] {
    detail::IdxFile f(path, images ? detail::IdxKind::kImages : detail::IdxKind::kLabels);
    if (!images) {
      // As load_fashion_mnist does: every label, however many the header claims.
      f.read(f.count());
      return;
    }
    const Index pixels = f.dims()[1] * f.dims()[2];
    const Index n = std::min(f.count(), std::max<Index>(1, kMaxPixels / pixels));
    if (n * pixels <= kMaxPixels) {
      std::vector<float> dst(static_cast<std::size_t>(n * pixels));
      f.read_scaled(n, dst.data());
    } else {
      f.read(n);
    }
  });
  return 0;
}
