// The summary `xbarsim inspect` prints (result_summary.hpp).
#include "result_summary.hpp"

#include <cstdio>
#include <iomanip>
#include <optional>
#include <sstream>
#include <vector>

#include "../io/hdf5_reader.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim::app {

namespace {

using detail::Handle;

// No sweep has more points than this; a larger `points` attribute is a damaged file.
constexpr std::int64_t kMaxPoints = 10000000;

// A per-point result dataset, empty when absent; an error when it is not a 1-D numeric array
// of one value per point.
std::vector<double> read_per_point(const detail::Hdf5Object& root, const std::string& path,
                                   std::size_t points) {
  if (H5Lexists(root.id(), "/results", H5P_DEFAULT) <= 0 ||
      H5Lexists(root.id(), path.c_str(), H5P_DEFAULT) <= 0)
    return {};
  std::vector<double> v = root.double_dataset(path.c_str(), 1, 1);
  if (v.size() != points)
    root.fail("dataset '" + path + "' holds " + std::to_string(v.size()) +
              " values, expected one per point (" + std::to_string(points) + ")");
  return v;
}

std::string format(const char* f, double a, double b = 0) {
  char text[64];
  std::snprintf(text, sizeof(text), f, a, b);
  return text;
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
                        "calibration_images",
                        "inferences_per_load"})
    if (auto v = root.scalar_attr_text(k)) provenance.emplace_back(k, *v);
  // Everything is read and checked before anything is printed: the text is built here first.
  std::ostringstream text;
  text << path << "\n";
  for (const auto& [k, v] : provenance) text << "  " << k << ": " << v << "\n";
  if (!root.has_attr("points")) {
    out << text.str();
    return;
  }
  const std::int64_t points = root.int_scalar("points");
  if (points < 0 || points > kMaxPoints)
    root.fail("attribute 'points' = " + std::to_string(points) + " is outside [0, " +
              std::to_string(kMaxPoints) + "]");
  const auto n = static_cast<std::size_t>(points);
  const auto mean = read_per_point(root, "/results/accuracy_mean", n);
  const auto sd = read_per_point(root, "/results/accuracy_std", n);
  const auto ci = read_per_point(root, "/results/accuracy_ci95", n);
  const auto fp = read_per_point(root, "/results/accuracy_float", n);
  const auto i8 = read_per_point(root, "/results/accuracy_int8", n);
  const auto ea = read_per_point(root, "/results/energy_per_inference_j_analog", n);
  const auto ed = read_per_point(root, "/results/energy_per_inference_j_digital", n);
  std::string trials;
  if (H5Lexists(fid, "/results", H5P_DEFAULT) > 0 &&
      H5Lexists(fid, "/results/accuracy", H5P_DEFAULT) > 0) {
    const auto dims = root.dataset_dims("/results/accuracy", 2, 2);
    if (dims[0] != n)
      root.fail("dataset '/results/accuracy' has shape " + detail::dims_text(dims) + ", expected " +
                std::to_string(n) + " points x trials");
    trials = std::to_string(dims[1]) + (dims[1] == 1 ? " trial" : " trials");
  }
  // Columns of fixed width, so that a sweep's table lines up; a value is printed as it is
  // stored (4 decimals for accuracy, 4 significant digits for energy).
  constexpr int kAccuracyWidth = 22, kCiWidth = 19, kAnalogWidth = 20, kDigitalWidth = 14;
  text << "\n  point  " << std::left;
  if (!mean.empty()) {
    text << std::left << std::setw(kAccuracyWidth) << "accuracy mean +- std";
    if (!ci.empty()) text << std::setw(kCiWidth) << "95 % CI";
  }
  if (!ea.empty() || !ed.empty())
    text << std::setw(kAnalogWidth) << "energy/inf analog" << std::setw(kDigitalWidth) << "digital";
  text << "axes\n";
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
    char line[32];
    std::snprintf(line, sizeof(line), "  %5zu  ", i);
    text << line << std::left;
    if (!mean.empty()) {
      text << std::setw(kAccuracyWidth)
           << format("%.4f +- %.4f", mean[i], sd.empty() ? 0.0 : sd[i]);
      if (!ci.empty())
        text << std::setw(kCiWidth) << format("[%.4f, %.4f]", mean[i] - ci[i], mean[i] + ci[i]);
    }
    if (!ea.empty() || !ed.empty())
      text << std::setw(kAnalogWidth) << (ea.empty() ? "-" : format("%.4g J", ea[i]))
           << std::setw(kDigitalWidth) << (ed.empty() ? "-" : format("%.4g J", ed[i]));
    text << label << "\n";
  }
  if (!trials.empty()) text << "\n  accuracy: analog, mean +- std over " << trials << "\n";
  // The references an eval run measures (float32 and int8 on the same images).
  for (std::size_t i = 0; i < n && !fp.empty() && !i8.empty(); ++i)
    text << "  references" << (n > 1 ? " of point " + std::to_string(i) : std::string())
         << ": float32 " << format("%.4f", fp[i]) << ", int8 " << format("%.4f", i8[i]) << "\n";
  if (!ea.empty() || !ed.empty())
    text << "  energy per inference: the batch's energy / its inferences (docs/result_format.md)\n";
  out << text.str();
}

}  // namespace xbarsim::app
