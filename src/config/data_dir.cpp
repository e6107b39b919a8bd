// Finds the shipped data at run time from the location of the binary holding the library, so
// that an installed tree can be moved and a build never compiles its source path in.
#include "xbarsim/config/data_dir.hpp"

#include <dlfcn.h>
#include <link.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "xbarsim/core/error.hpp"

#ifndef XBARSIM_RELATIVE_DATA_DIR
#error "XBARSIM_RELATIVE_DATA_DIR (bin folder to data folder) comes from src/CMakeLists.txt"
#endif

namespace fs = std::filesystem;

namespace xbarsim {
namespace {

// constinit: set_relative_data_dir() runs during the static initialisation of other files,
// which may come before this file's dynamic initialisation.
constinit std::atomic<const char*> g_relative{nullptr};

// Any object of this library: the loader knows which binary's mapping holds its address.
constinit const char g_anchor = 0;

std::string locate_library_binary() noexcept {
  try {
    Dl_info info{};
    link_map* map = nullptr;
    if (dladdr1(&g_anchor, &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) == 0 ||
        map == nullptr)
      return {};
    std::error_code ec;
    fs::path file;
    // glibc gives the main program an empty name in its link map (dladdr then reports argv[0],
    // which may be relative or a bare name found on PATH): the kernel knows the real file.
    if (map->l_name == nullptr || map->l_name[0] == '\0')
      file = fs::read_symlink("/proc/self/exe", ec);
    else
      file = map->l_name;
    if (ec || file.empty()) return {};
    const fs::path canonical = fs::weakly_canonical(fs::absolute(file, ec), ec);
    return ec ? std::string() : canonical.string();
  } catch (...) {
    return {};
  }
}

// Located while the binary loads: a module opened through a relative path (Python imports
// from a relative sys.path entry) must be resolved before the working directory changes.
[[maybe_unused]] const std::string& g_binary_at_load = detail::library_binary();

bool is_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// The first line of a marker file, trailing whitespace removed; empty if unreadable.
std::string read_marker(const fs::path& marker) {
  std::ifstream in(marker);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

}  // namespace

bool set_relative_data_dir(const char* relative) noexcept {
  g_relative.store(relative);
  return true;
}

namespace detail {

const std::string& library_binary() {
  static const std::string binary = locate_library_binary();
  return binary;
}

std::string relative_data_dir() {
  const char* set = g_relative.load();
  return set ? set : XBARSIM_RELATIVE_DATA_DIR;
}

DataDirResult search_data_dir(const DataDirSearch& s) {
  DataDirResult r;
  if (s.env) {
    if (is_folder(*s.env)) {
      r.dir = *s.env;
    } else {
      r.looked.push_back("$XBARSIM_DATA_DIR = " + *s.env + ": not a folder");
      r.env_invalid = true;
    }
    return r;
  }
  r.looked.push_back("$XBARSIM_DATA_DIR: not set");
  if (s.binary.empty()) {
    r.looked.push_back("the binary holding the xbarsim library: cannot be located");
    return r;
  }
  const fs::path folder = fs::path(s.binary).parent_path();
  const fs::path marker = s.binary + kDataDirMarkerSuffix;
  if (std::error_code ec; fs::exists(marker, ec)) {
    const std::string named = read_marker(marker);
    // A relative path in the marker is relative to the marker's folder, like the install's.
    const fs::path dir = named.empty() ? fs::path() : (folder / named).lexically_normal();
    if (!named.empty() && is_folder(dir)) {
      r.dir = dir.string();
      return r;
    }
    r.looked.push_back(marker.string() + " (build tree marker): " +
                       (named.empty() ? std::string("empty or unreadable")
                                      : "names " + dir.string() + ", which is not a folder"));
  } else {
    r.looked.push_back(marker.string() + " (build tree marker): absent");
  }
  const fs::path installed = (folder / s.relative).lexically_normal();
  if (is_folder(installed)) {
    r.dir = installed.string();
    return r;
  }
  r.looked.push_back(installed.string() + " (installed layout, " + s.relative + " from " +
                     folder.string() + "): absent");
  return r;
}

std::string data_dir_error(const DataDirResult& r) {
  constexpr const char* kHolds = "arch/, cards/, workloads/, models/ and validation/";
  if (r.env_invalid) return r.looked.front() + "; it must name the folder holding " + kHolds;
  std::string looked;
  for (const std::string& l : r.looked) looked += "\n  " + l;
  return std::string("not found; looked in:") + looked +
         "\nset XBARSIM_DATA_DIR to the folder holding " + kHolds +
         " (the source tree's data/, or share/xbarsim in the install prefix)";
}

}  // namespace detail

namespace {

detail::DataDirResult search_here() {
  detail::DataDirSearch s;
  if (const char* env = std::getenv("XBARSIM_DATA_DIR"); env && *env) s.env = env;
  s.binary = detail::library_binary();
  s.relative = detail::relative_data_dir();
  return detail::search_data_dir(s);
}

}  // namespace

std::optional<std::string> find_data_dir() {
  return search_here().dir;
}

std::string data_dir() {
  detail::DataDirResult r = search_here();
  if (!r.dir) throw IoError("xbarsim data folder", detail::data_dir_error(r));
  return *r.dir;
}

}  // namespace xbarsim
