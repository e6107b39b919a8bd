// The summary `xbarsim inspect` prints (result_summary.hpp).
#include "result_summary.hpp"

#include <cstdio>
#include <optional>
#include <vector>

#include "../io/hdf5_reader.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim::app {

namespace {

using detail::Handle;

// No sweep has more points than this; a larger `points` attribute is a damaged file.
constexpr std::int64_t kMaxPoints = 10000000;

// A 1-D result dataset, empty when absent; an error when it is not a 1-D numeric array.
std::vector<double> read_vec(const detail::Hdf5Object& root, const std::string& path) {
  if (H5Lexists(root.id(), "/results", H5P_DEFAULT) <= 0 ||
      H5Lexists(root.id(), path.c_str(), H5P_DEFAULT) <= 0)
    return {};
  return root.double_dataset(path.c_str(), 1, 1);
}

}  // namespace

void print_result_summary(std::int64_t file, const std::string& path, std::ostream& out) {
  detail::silence_hdf5();
  const auto fid = static_cast<hid_t>(file);
  const detail::Hdf5Object root(path, fid, "root");
  const auto schema = root.scalar_attr_text("schema_version");
  if (!schema) throw IoError(path, "no schema_version attribute: not an xbarsim result file");
  if (*schema != std::to_string(kResultSchemaVersion))
    throw IoError(path, "schema_version " + *schema + " is not supported (this xbarsim reads " +
                            std::to_string(kResultSchemaVersion) + ")");
  // Everything is read and checked before anything is printed.
  std::vector<std::pair<const char*, std::string>> provenance;
  for (const char* k : {"schema_version",
                        "kind",
                        "xbarsim_version",
                        "git_sha1",
                        "command_line",
                        "master_seed",
                        "date_and_time_utc",
                        "host",
                        "experiment_name",
                        "question",
                        "experiment_file",
                        "sweep_mode",
                        "quick",
                        "points",
                        "trials",
                        "dataset",
                        "limit",
                        "model_file",
                        "images",
                        "calibration_dataset",
                        "calibration_images"})
    if (auto v = root.scalar_attr_text(k)) provenance.emplace_back(k, *v);
  out << path << "\n";
  for (const auto& [k, v] : provenance) out << "  " << k << ": " << v << "\n";
  if (!root.has_attr("points")) return;
  const std::int64_t points = root.int_scalar("points");
  if (points < 0 || points > kMaxPoints)
    root.fail("attribute 'points' = " + std::to_string(points) + " is outside [0, " +
              std::to_string(kMaxPoints) + "]");
  const auto n = static_cast<std::size_t>(points);
  const auto mean = read_vec(root, "/results/accuracy_mean");
  const auto ci = read_vec(root, "/results/accuracy_ci95");
  const auto ea = read_vec(root, "/results/energy_j_analog");
  const auto ed = read_vec(root, "/results/energy_j_digital");
  out << "\n  point  " << (mean.empty() ? "" : "accuracy (95 % CI)      ")
      << (ea.empty() ? "" : "energy analog   energy digital  ") << "axes\n";
  const bool has_points = H5Lexists(fid, "/points", H5P_DEFAULT) > 0;
  for (std::size_t i = 0; i < n; ++i) {
    char g[32];
    std::snprintf(g, sizeof(g), "/points/%05zu", i);
    std::string label;
    if (has_points && H5Lexists(fid, g, H5P_DEFAULT) > 0) {
      Handle grp{H5Gopen2(fid, g, H5P_DEFAULT), H5Gclose};
      if (grp.id < 0) root.fail(std::string("'") + g + "' is not a group");
      label = detail::Hdf5Object(path, grp.id, g).scalar_attr_text("label").value_or("");
    }
    char line[200];
    std::snprintf(line, sizeof(line), "  %5zu  ", i);
    out << line;
    if (i < mean.size()) {
      std::snprintf(line, sizeof(line), "%.4f +- %-12.4f ", mean[i], i < ci.size() ? ci[i] : 0.0);
      out << line;
    }
    if (i < ea.size()) {
      std::snprintf(line, sizeof(line), "%-14.4g  %-14.4g  ", ea[i], i < ed.size() ? ed[i] : 0.0);
      out << line;
    }
    out << label << "\n";
  }
}

}  // namespace xbarsim::app
