// `xbarsim inspect`: provenance and a per-point summary of a sweep's results.h5.
#include "inspect_command.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include "../io/hdf5_reader.hpp"
#include "common.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim::app {

CLI::App* add_inspect_command(CLI::App& app, InspectOptions& o) {
  CLI::App* cmd = app.add_subcommand("inspect",
                                     "Print the provenance and a per-point summary of "
                                     "a result file written by sweep or eval");
  cmd->add_option("file", o.file, "HDF5 result file")->required();
  return cmd;
}

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

int run_inspect(const InspectOptions& o) {
  detail::silence_hdf5();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(o.file, ec)) throw IoError(o.file, "file not found");
  Handle f{H5Fopen(o.file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (f.id < 0) throw IoError(o.file, "cannot open as HDF5");
  const detail::Hdf5Object root(o.file, f.id, "root");
  const auto schema = root.scalar_attr_text("schema_version");
  if (!schema) throw IoError(o.file, "no schema_version attribute: not an xbarsim result file");
  if (*schema != std::to_string(kResultSchemaVersion))
    throw IoError(o.file, "schema_version " + *schema + " is not supported (this xbarsim reads " +
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
  std::cout << o.file << "\n";
  for (const auto& [k, v] : provenance) std::cout << "  " << k << ": " << v << "\n";
  if (!root.has_attr("points")) return 0;
  const std::int64_t points = root.int_scalar("points");
  if (points < 0 || points > kMaxPoints)
    root.fail("attribute 'points' = " + std::to_string(points) + " is outside [0, " +
              std::to_string(kMaxPoints) + "]");
  const auto n = static_cast<std::size_t>(points);
  const auto mean = read_vec(root, "/results/accuracy_mean");
  const auto ci = read_vec(root, "/results/accuracy_ci95");
  const auto ea = read_vec(root, "/results/energy_j_analog");
  const auto ed = read_vec(root, "/results/energy_j_digital");
  std::cout << "\n  point  " << (mean.empty() ? "" : "accuracy (95 % CI)      ")
            << (ea.empty() ? "" : "energy analog   energy digital  ") << "axes\n";
  const bool has_points = H5Lexists(f.id, "/points", H5P_DEFAULT) > 0;
  for (std::size_t i = 0; i < n; ++i) {
    char g[32];
    std::snprintf(g, sizeof(g), "/points/%05zu", i);
    std::string label;
    if (has_points && H5Lexists(f.id, g, H5P_DEFAULT) > 0) {
      Handle grp{H5Gopen2(f.id, g, H5P_DEFAULT), H5Gclose};
      if (grp.id < 0) root.fail(std::string("'") + g + "' is not a group");
      label = detail::Hdf5Object(o.file, grp.id, g).scalar_attr_text("label").value_or("");
    }
    char line[200];
    std::snprintf(line, sizeof(line), "  %5zu  ", i);
    std::cout << line;
    if (i < mean.size()) {
      std::snprintf(line, sizeof(line), "%.4f +- %-12.4f ", mean[i], i < ci.size() ? ci[i] : 0.0);
      std::cout << line;
    }
    if (i < ea.size()) {
      std::snprintf(line, sizeof(line), "%-14.4g  %-14.4g  ", ea[i], i < ed.size() ? ed[i] : 0.0);
      std::cout << line;
    }
    std::cout << label << "\n";
  }
  return 0;
}

}  // namespace xbarsim::app
