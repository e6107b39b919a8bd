#pragma once
// Self-describing HDF5 result files, written atomically: everything goes to a temporary file
// that is renamed over the target only by commit(), so an interrupted or failed run never
// leaves a half-written result behind.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xbarsim/core/types.hpp"

namespace xbarsim {

// Version of the HDF5 layout (docs/result_format.md#hdf5); raised when a dataset or attribute
// changes meaning, shape or place, or goes away. 2: accuracy as points x trials, typed /axes,
// units from key suffixes, `per` and `batch` on energies, eval laid out as a sweep of one point.
inline constexpr std::int64_t kResultSchemaVersion = 2;

// The unit of a quantity from the suffix of its key, one rule for every numeric dataset of a
// result file: a trailing side (`_analog`, `_digital`) and a trailing `_by_<what>` (a group of
// per-name datasets) are dropped, then `_j` is "J", `_s` "s", `_w` "W", `_m2` "m^2", `_v` "V",
// `_a` "A", `_hz` "Hz", `_siemens` "S", `_ohm` "Ohm", and anything else "1" (a count or a
// fraction). So "cell_read_energy_j" is "J" and "energy_j_by_category_analog" is "J".
std::string unit_of_key(std::string_view key);

// Throws IoError naming `path` when an existing `path` may not be replaced by a new file: it
// is a folder, a device, a FIFO or a socket, or a symbolic link (unless `force`, which then
// replaces the link itself, never what it points to). Nothing existing is fine.
void check_output_target(const std::string& path, bool force);

class ResultFile {
 public:
  // Checks the target (check_output_target) and creates the temporary file next to it at once,
  // so that an unwritable folder is found before any work: construct it before simulating.
  explicit ResultFile(std::string path, bool force = false);
  // Removes the temporary file unless committed, or kept because the final rename failed.
  ~ResultFile();
  ResultFile(const ResultFile&) = delete;
  ResultFile& operator=(const ResultFile&) = delete;

  // Attributes on an object ("/" or a group path); groups are created on demand.
  void attr(const std::string& object, const std::string& name, const std::string& value);
  void attr(const std::string& object, const std::string& name, double value);
  void attr(const std::string& object, const std::string& name, std::int64_t value);
  // 1-D float64 dataset with its unit ("1" for dimensionless, "J", "s", ...).
  void dataset(const std::string& path, const std::vector<double>& values, const std::string& unit);
  // 2-D float64 dataset of rows x cols, `values` row-major, with its unit.
  void matrix(const std::string& path, const std::vector<double>& values, std::size_t rows,
              std::size_t cols, const std::string& unit);
  // 1-D int64 dataset with its unit.
  void int_dataset(const std::string& path, const std::vector<std::int64_t>& values,
                   const std::string& unit);
  // 1-D dataset of fixed-length UTF-8 strings, each as long as the longest plus its null.
  void string_dataset(const std::string& path, const std::vector<std::string>& values);
  // A text document (YAML, JSON) stored verbatim as a string dataset.
  void text(const std::string& path, const std::string& content);
  // Root provenance: schema_version, xbarsim_version, git_sha1, command_line, master_seed,
  // date_and_time_utc, host.
  void provenance(const std::string& command_line, std::uint64_t master_seed);

  // Closes the file and renames it over the target. When that fails, the temporary file is
  // kept and the IoError names it, so that the results are never lost.
  void commit();
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  std::int64_t ensure_group(const std::string& path);
  void numeric_dataset(const std::string& path, const std::vector<std::uint64_t>& dims,
                       bool integer, const void* data, const std::string& unit);
  std::string path_;
  std::string temp_path_;
  std::int64_t file_ = -1;
  bool force_ = false;
  bool committed_ = false;
  bool kept_ = false;
};

}  // namespace xbarsim
