#pragma once
// Where the shipped data (arch/, cards/, workloads/, models/, validation/) is found at run time.
// No path is compiled in: an installed binary finds the data relative to its own file, a binary
// in a build tree through a marker file beside it (docs/install.md#data-lookup).
#include <optional>
#include <string>
#include <vector>

namespace xbarsim {

// The marker file that the CMake function xbarsim_target_data_dir() writes beside a binary in
// a build tree is the binary's file name with this suffix (build/xbarsim.xbarsim-data-dir); its
// first line names the data folder. One per binary: binaries sharing a folder may be built by
// different projects.
inline constexpr const char* kDataDirMarkerSuffix = ".xbarsim-data-dir";

// The data folder, the first of:
//  1. $XBARSIM_DATA_DIR, when set and not empty (it must name a folder: no fallback);
//  2. the folder named by the marker file <binary>.xbarsim-data-dir beside the binary holding
//     this library (the executable, or the shared object such as a Python extension module);
//  3. the binary's folder joined with the installed data folder's path relative to it.
// Throws IoError naming every place looked when none of them is a folder.
std::string data_dir();

// As data_dir(), but empty instead of throwing, for callers that can do without the data.
std::optional<std::string> find_data_dir();

// Records the installed data folder's path relative to the folder the binary holding this
// library is installed in. The source file that the CMake function xbarsim_target_data_dir()
// adds to a binary calls it while the binary loads; without it, the path from the install's
// bin folder applies. Returns true, so that a namespace-scope constant can call it.
bool set_relative_data_dir(const char* relative) noexcept;

namespace detail {

// The inputs of the lookup, apart so that tests can run it on folders of their own.
struct DataDirSearch {
  std::optional<std::string> env;  // $XBARSIM_DATA_DIR when set and not empty
  std::string binary;              // file of the binary holding the library; empty if unknown
  std::string relative;            // installed data folder relative to the binary's folder
};

struct DataDirResult {
  std::optional<std::string> dir;   // the data folder, if found
  std::vector<std::string> looked;  // every place looked, in order, with what was there
  bool env_invalid = false;         // $XBARSIM_DATA_DIR names no folder (nothing else looked)
};

DataDirResult search_data_dir(const DataDirSearch& search);

// The error data_dir() throws for a failed search: every place looked, and how to fix it.
std::string data_dir_error(const DataDirResult& result);

// The file of the binary (executable or shared object) holding this library, as located when
// it was loaded; empty when it cannot be told.
const std::string& library_binary();

// The relative path set by set_relative_data_dir(), or the compiled-in default.
std::string relative_data_dir();

}  // namespace detail
}  // namespace xbarsim
