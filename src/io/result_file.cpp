#include "xbarsim/io/result_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <utility>

#include "hdf5_handle.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/json.hpp"
#include "xbarsim/version.hpp"

namespace xbarsim {

using detail::Handle;

namespace fs = std::filesystem;

namespace {

// "a folder", "a FIFO", ...: what an existing path is, for error messages.
std::string kind_of(const fs::file_status& st) {
  switch (st.type()) {
    case fs::file_type::directory:
      return "a folder";
    case fs::file_type::symlink:
      return "a symbolic link";
    case fs::file_type::block:
    case fs::file_type::character:
      return "a device";
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

}  // namespace

// Why an existing `path` may not be replaced; empty when it may.
static std::string target_problem(const std::string& path, bool force) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (!fs::exists(st) || fs::is_regular_file(st)) return {};
  if (fs::is_symlink(st))
    return force ? std::string()
                 : "is a symbolic link; refusing to replace it (pass --force to replace the link "
                   "itself; the file it points to is never written)";
  return "exists and is " + kind_of(st) +
         "; refusing to replace it with a result file. Choose another -o path";
}

void check_output_target(const std::string& path, bool force) {
  if (const std::string problem = target_problem(path, force); !problem.empty())
    throw IoError(path, problem);
}

ResultFile::ResultFile(std::string path, bool force) : path_(std::move(path)), force_(force) {
  detail::silence_hdf5();
  check_output_target(path_, force_);
  temp_path_ = path_ + ".tmp." + std::to_string(::getpid());
  std::error_code ec;
  if (fs::exists(fs::symlink_status(temp_path_, ec)))
    throw IoError(temp_path_, "exists already; remove it (a leftover of an earlier run?)");
  Handle fapl(detail::checksummed_file_access(), H5Pclose);
  file_ = H5Fcreate(temp_path_.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.id);
  if (file_ < 0)
    throw IoError(path_, "cannot create the result file's temporary " + temp_path_ +
                             " (does the folder exist, and is it writable?)");
}

ResultFile::~ResultFile() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
  if (!committed_ && !kept_) {
    std::error_code ignored;
    std::filesystem::remove(temp_path_, ignored);
  }
}

std::int64_t ResultFile::ensure_group(const std::string& path) {
  // Opens any existing object (group or dataset); creates missing groups on the way.
  if (path == "/" || path.empty()) return H5Oopen(static_cast<hid_t>(file_), "/", H5P_DEFAULT);
  std::string partial;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    partial = path.substr(0, slash);
    if (H5Lexists(static_cast<hid_t>(file_), partial.c_str(), H5P_DEFAULT) <= 0) {
      Handle g(H5Gcreate2(static_cast<hid_t>(file_), partial.c_str(), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT),
               H5Gclose);
      if (g.id < 0) throw IoError(temp_path_, "cannot create group '" + partial + "'");
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  const hid_t object = H5Oopen(static_cast<hid_t>(file_), path.c_str(), H5P_DEFAULT);
  if (object < 0) throw IoError(temp_path_, "cannot open '" + path + "'");
  return object;
}

namespace {
std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}
void write_attr(hid_t object, const std::string& name, hid_t type, const void* data,
                const std::string& file) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle a(H5Acreate2(object, name.c_str(), type, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (a.id < 0 || H5Awrite(a.id, type, data) < 0)
    throw IoError(file, "cannot write attribute '" + name + "'");
}
// A fixed-length UTF-8 string type that holds `value` and its terminating null: fixed-length
// strings live in the (checksummed) object header, not in the unchecksummed global heap that
// variable-length strings use.
hid_t string_type(const std::string& value) {
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, value.size() + 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}
}  // namespace

void ResultFile::attr(const std::string& object, const std::string& name,
                      const std::string& value) {
  Handle g(ensure_group(object), H5Oclose);
  Handle t(string_type(value), H5Tclose);
  write_attr(g.id, name, t.id, value.c_str(), temp_path_);
}
void ResultFile::attr(const std::string& object, const std::string& name, double value) {
  Handle g(ensure_group(object), H5Oclose);
  write_attr(g.id, name, H5T_NATIVE_DOUBLE, &value, temp_path_);
}
void ResultFile::attr(const std::string& object, const std::string& name, std::int64_t value) {
  Handle g(ensure_group(object), H5Oclose);
  write_attr(g.id, name, H5T_NATIVE_INT64, &value, temp_path_);
}

namespace {
// Creates dataset `path` of `file_type` and shape `dims`, writes `data` (in `mem_type`) into it.
void write_dataset(hid_t file, const std::string& path, hid_t file_type,
                   const std::vector<hsize_t>& dims, hid_t mem_type, const void* data,
                   const std::string& temp_path) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle d(
      H5Dcreate2(file, path.c_str(), file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  hsize_t n = 1;
  for (hsize_t k : dims) n *= k;
  if (d.id < 0 || (n && H5Dwrite(d.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    throw IoError(temp_path, "cannot write dataset '" + path + "'");
}
}  // namespace

std::string unit_of_key(std::string_view key) {
  for (std::string_view side : {"_analog", "_digital"})
    if (key.size() > side.size() && key.ends_with(side)) key.remove_suffix(side.size());
  if (const auto by = key.rfind("_by_"); by != std::string_view::npos) key = key.substr(0, by);
  static constexpr std::pair<std::string_view, const char*> kSuffixes[] = {
      {"_j", "J"}, {"_s", "s"},   {"_w", "W"},       {"_m2", "m^2"}, {"_v", "V"},
      {"_a", "A"}, {"_hz", "Hz"}, {"_siemens", "S"}, {"_ohm", "Ohm"}};
  for (const auto& [suffix, unit] : kSuffixes)
    if (key.size() > suffix.size() && key.ends_with(suffix)) return unit;
  return "1";
}

void ResultFile::numeric_dataset(const std::string& path, const std::vector<std::uint64_t>& dims,
                                 bool integer, const void* data, const std::string& unit) {
  Handle parent(ensure_group(parent_of(path)), H5Oclose);
  write_dataset(static_cast<hid_t>(file_), path, integer ? H5T_STD_I64LE : H5T_IEEE_F64LE,
                std::vector<hsize_t>(dims.begin(), dims.end()),
                integer ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, data, temp_path_);
  attr(path, "unit", unit);
}

void ResultFile::dataset(const std::string& path, const std::vector<double>& values,
                         const std::string& unit) {
  numeric_dataset(path, {values.size()}, false, values.data(), unit);
}

void ResultFile::matrix(const std::string& path, const std::vector<double>& values,
                        std::size_t rows, std::size_t cols, const std::string& unit) {
  if (values.size() != rows * cols)
    throw Error("result file: dataset '" + path + "' of " + std::to_string(rows) + " x " +
                std::to_string(cols) + " given " + std::to_string(values.size()) + " values");
  numeric_dataset(path, {rows, cols}, false, values.data(), unit);
}

void ResultFile::int_dataset(const std::string& path, const std::vector<std::int64_t>& values,
                             const std::string& unit) {
  numeric_dataset(path, {values.size()}, true, values.data(), unit);
}

void ResultFile::string_dataset(const std::string& path, const std::vector<std::string>& values) {
  Handle parent(ensure_group(parent_of(path)), H5Oclose);
  std::size_t width = 0;
  for (const std::string& v : values) width = std::max(width, v.size());
  // One fixed-length type for every element, as string_type() for the longest.
  Handle t(string_type(std::string(width, ' ')), H5Tclose);
  std::vector<char> packed(values.size() * (width + 1), '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i].copy(packed.data() + i * (width + 1), values[i].size());
  write_dataset(static_cast<hid_t>(file_), path, t.id, {values.size()}, t.id, packed.data(),
                temp_path_);
}

void ResultFile::text(const std::string& path, const std::string& content) {
  Handle parent(ensure_group(parent_of(path)), H5Oclose);
  Handle t(string_type(content), H5Tclose);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle d(H5Dcreate2(static_cast<hid_t>(file_), path.c_str(), t.id, space.id, H5P_DEFAULT,
                      H5P_DEFAULT, H5P_DEFAULT),
           H5Dclose);
  if (d.id < 0 || H5Dwrite(d.id, t.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, content.c_str()) < 0)
    throw IoError(temp_path_, "cannot write text dataset '" + path + "'");
}

void ResultFile::provenance(const std::string& command_line, std::uint64_t master_seed) {
  const Provenance p = make_provenance(command_line, master_seed, kResultSchemaVersion);
  attr("/", "schema_version", p.schema_version);
  attr("/", "xbarsim_version", p.xbarsim_version);
  attr("/", "git_sha1", p.git_sha1);
  attr("/", "command_line", p.command_line);
  attr("/", "master_seed", static_cast<std::int64_t>(p.master_seed));
  attr("/", "date_and_time_utc", p.date_and_time_utc);
  attr("/", "host", p.host);
}

void ResultFile::commit() {
  if (H5Fclose(static_cast<hid_t>(file_)) < 0) throw IoError(temp_path_, "cannot close file");
  file_ = -1;
  // The target may have changed while the work ran: check it again, and keep the results in
  // the temporary file whatever goes wrong.
  kept_ = true;
  if (const std::string problem = target_problem(path_, force_); !problem.empty())
    throw IoError(path_, problem + "; the results are kept in " + temp_path_);
  std::error_code ec;
  fs::rename(temp_path_, path_, ec);
  if (ec)
    throw IoError(path_, "cannot rename the finished result into place (" + ec.message() +
                             "); the results are kept in " + temp_path_);
  kept_ = false;
  committed_ = true;
}

}  // namespace xbarsim
