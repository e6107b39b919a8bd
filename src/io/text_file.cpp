// Whole-file text I/O (include/xbarsim/io/text_file.hpp).
#include "xbarsim/io/text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError(path, "read error");
  return ss.str();
}

void write_file_durably(const std::string& path, const std::string& text) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) throw IoError(parent.string(), "cannot create the folder: " + ec.message());
  }
  // Only a regular file (or nothing) is ever replaced: never a folder, a device, a FIFO.
  const fs::file_status target = fs::symlink_status(path, ec);
  if (fs::exists(target) && !fs::is_regular_file(target))
    throw IoError(path, "exists and is not a regular file; refusing to replace it");
  const std::string tmp = path + ".tmp";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw IoError(tmp, std::string("cannot write: ") + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                    std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    std::fclose(f);
    if (!ok) {
      fs::remove(tmp, ec);
      throw IoError(tmp, "cannot write");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    throw IoError(path, "cannot move the finished file into place: " + why);
  }
  // The rename is durable only once the folder's entry is on disk too.
  const std::string folder = parent.empty() ? std::string(".") : parent.string();
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) throw IoError(folder, std::string("cannot open: ") + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw IoError(folder, std::string("cannot sync: ") + std::strerror(errno));
}

}  // namespace xbarsim
