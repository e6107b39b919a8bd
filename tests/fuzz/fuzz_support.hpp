#pragma once
// What the fuzz harnesses share: the rule for which exceptions are expected, an in-memory HDF5
// file image, and a private scratch folder for the readers that only take paths.
#include <hdf5.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "xbarsim/core/error.hpp"

namespace xbarsim::fuzz {

// Runs one input through a reader. The project's own error types are the expected outcome of
// bad input; anything else (another exception type, a crash, a sanitizer report) escapes to
// libFuzzer, or to std::terminate in the replay driver, and is a finding.
// XBARSIM_FUZZ_VERBOSE=1 prints each input's outcome (to see what a seed or a regression
// exercises).
template <class F>
void expect_only_xbarsim_errors(F&& read) {
  static const bool verbose = std::getenv("XBARSIM_FUZZ_VERBOSE") != nullptr;
  try {
    read();
    if (verbose) std::fprintf(stderr, "  read: ok\n");
  } catch (const Error& e) {
    if (verbose) std::fprintf(stderr, "  error: %s\n", e.what());
  }
}

// An HDF5 file opened read-only from the bytes of one input, held in memory by the core driver
// (no backing store), so that no temporary file is written per input. Negative id: HDF5 refused
// the image (not HDF5, or a damaged superblock), which is an expected outcome.
class Hdf5Image {
 public:
  Hdf5Image(const std::uint8_t* data, std::size_t size) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (size == 0) return;
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return;
    if (H5Pset_fapl_core(fapl, 1 << 16, /*backing_store=*/0) >= 0 &&
        H5Pset_file_image(fapl, const_cast<std::uint8_t*>(data), size) >= 0)
      id_ = H5Fopen("fuzz-input.h5", H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
  }
  ~Hdf5Image() {
    if (id_ >= 0) H5Fclose(id_);
  }
  Hdf5Image(const Hdf5Image&) = delete;
  Hdf5Image& operator=(const Hdf5Image&) = delete;
  hid_t id() const { return id_; }

 private:
  hid_t id_ = -1;
};

// One scratch folder per process under $TMPDIR, removed at normal exit; readers that take a
// path get the input rewritten there under a fixed name, so files do not pile up across inputs.
// (An input that crashes leaves its folder behind, with the input that crashed in it.) The path
// lives on the heap, never destroyed: the exit handler runs after static destructors would.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path* dir = [] {
    auto* d = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                        ("xbarsim_fuzz_" + std::to_string(::getpid())));
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch_dir(), ignored);
    });
    return d;
  }();
  return *dir;
}

// Writes `bytes` to `name` inside the scratch folder and returns the file's path.
inline std::string scratch_file(const std::string& name, std::string_view bytes) {
  const std::filesystem::path p = scratch_dir() / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  return p.string();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace xbarsim::fuzz
