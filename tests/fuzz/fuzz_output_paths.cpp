// Fuzz harness: the output rules under fuzzed paths (docs/reliability.md#writing-outputs). A
// fresh scratch tree holds what users keep near their outputs: a regular file, a folder with a
// file in it, a FIFO, a symbolic link to the file, a dangling link, a link to the folder and a
// foreign non-empty folder. The input's first byte picks the writer (an `eval -o` result file,
// a sweep claiming its folder, a checked durable text file) and --force; the rest is a relative
// path inside the tree. Whatever the path, afterwards: the FIFO and the folders are what they
// were, the link still points where it did unless --force replaced the link itself, and no
// file changed except the one the path names. A violation aborts, which libFuzzer reports.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz_support.hpp"
#include "xbarsim/experiment/task_result.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/io/text_file.hpp"

namespace fs = std::filesystem;

namespace {

std::string contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_output_paths: invariant broken: %s\n", what);
  std::abort();
}

// The scratch tree, rebuilt for every input.
fs::path fresh_tree() {
  const fs::path root = xbarsim::fuzz::scratch_dir() / "out";
  fs::remove_all(root);
  fs::create_directories(root / "dir");
  fs::create_directories(root / "foreign");
  std::ofstream(root / "file") << "user file";
  std::ofstream(root / "dir" / "keep") << "kept";
  std::ofstream(root / "foreign" / "data.txt") << "foreign data";
  ::mkfifo((root / "fifo").c_str(), 0600);
  fs::create_symlink("file", root / "link");
  fs::create_symlink("missing", root / "dangling");
  fs::create_directory_symlink("dir", root / "dirlink");
  return root;
}

// A relative path with no ".." and no NUL stays inside the tree (links inside it point inside).
bool inside(const std::string& path) {
  if (path.empty() || path.size() > 200 || path[0] == '/') return false;
  if (path.find('\0') != std::string::npos) return false;
  for (const fs::path& part : fs::path(path))
    if (part == "..") return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool force = data[0] & 1;
  const int writer = (data[0] >> 1) % 3;
  const std::string path(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!inside(path)) return 0;
  const fs::path root = fresh_tree();
  const std::string target = (root / path).string();
  xbarsim::fuzz::expect_only_xbarsim_errors([&] {
    switch (writer) {
      case 0: {
        xbarsim::ResultFile out(target, force);
        out.attr("/", "fuzz", 1.0);
        out.commit();
        break;
      }
      case 1:
        xbarsim::claim_sweep_folder(target, "fuzz");
        break;
      default:
        xbarsim::check_output_target(target, force);
        xbarsim::write_file_durably(target, "new text");
    }
  });
  // The path names at most one file; lexically, since the tree has no ".." to resolve.
  const fs::path named = fs::path(path).lexically_normal();
  auto may_change = [&](const char* a, const char* b = nullptr) {
    return named == a || (b && named == b);
  };
  std::error_code ec;
  require(fs::is_fifo(fs::symlink_status(root / "fifo", ec)), "the FIFO was replaced");
  require(fs::is_directory(fs::symlink_status(root / "dir", ec)), "a folder was replaced");
  require(fs::is_directory(fs::symlink_status(root / "foreign", ec)), "a folder was replaced");
  require(
      contents(root / "foreign" / "data.txt") == "foreign data" || may_change("foreign/data.txt"),
      "a foreign folder's file changed");
  require(contents(root / "dir" / "keep") == "kept" || may_change("dir/keep", "dirlink/keep"),
          "a file in a folder changed");
  // The link's target is never written through the link: only a path naming the file itself.
  require(contents(root / "file") == "user file" || may_change("file"),
          "a file was written through a link or another name");
  if (!(force && may_change("link")))
    require(fs::is_symlink(fs::symlink_status(root / "link", ec)) &&
                fs::read_symlink(root / "link", ec) == "file",
            "a link was replaced without --force");
  return 0;
}
