// `xbarsim inspect`: provenance and a per-point summary of a sweep's results.h5.
#include "inspect_command.hpp"

#include <hdf5.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <vector>

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

struct H {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H() {
    if (id >= 0) close(id);
  }
};

// An attribute as text (strings, integers, floats); nullopt when absent.
std::optional<std::string> attr_text(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return std::nullopt;
  H a{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  H t{H5Aget_type(a.id), H5Tclose};
  const H5T_class_t c = H5Tget_class(t.id);
  if (c == H5T_STRING) {
    if (H5Tis_variable_str(t.id) > 0) {
      char* s = nullptr;
      if (H5Aread(a.id, t.id, &s) < 0 || !s) return std::string();
      std::string out(s);
      H5free_memory(s);
      return out;
    }
    std::string buf(H5Tget_size(t.id), '\0');
    H5Aread(a.id, t.id, buf.data());
    return buf.substr(0, buf.find('\0'));
  }
  if (c == H5T_INTEGER) {
    long long v = 0;
    H5Aread(a.id, H5T_NATIVE_LLONG, &v);
    return std::to_string(v);
  }
  if (c == H5T_FLOAT) {
    double v = 0;
    H5Aread(a.id, H5T_NATIVE_DOUBLE, &v);
    return fmt_num(v, 6);
  }
  return std::string("?");
}

std::vector<double> read_vec(hid_t file, const std::string& path) {
  if (H5Lexists(file, "/results", H5P_DEFAULT) <= 0 ||
      H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0)
    return {};
  H d{H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose};
  H s{H5Dget_space(d.id), H5Sclose};
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s.id)));
  if (!v.empty()) H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  return v;
}

}  // namespace

int run_inspect(const InspectOptions& o) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  H f{H5Fopen(o.file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (f.id < 0) throw IoError(o.file, "cannot open as HDF5");
  const auto schema = attr_text(f.id, "schema_version");
  if (!schema) throw IoError(o.file, "no schema_version attribute: not an xbarsim result file");
  if (*schema != std::to_string(kResultSchemaVersion))
    throw IoError(o.file, "schema_version " + *schema + " is not supported (this xbarsim reads " +
                              std::to_string(kResultSchemaVersion) + ")");
  std::cout << o.file << "\n";
  for (const char* k :
       {"schema_version", "kind", "xbarsim_version", "git_sha1", "command_line", "master_seed",
        "date_and_time_utc", "host", "experiment_name", "question", "experiment_file", "sweep_mode",
        "quick", "points", "trials", "dataset", "limit", "model_file", "images"})
    if (auto v = attr_text(f.id, k)) std::cout << "  " << k << ": " << *v << "\n";
  const auto npoints = attr_text(f.id, "points");
  if (!npoints) return 0;
  const std::size_t n = std::stoul(*npoints);
  const auto mean = read_vec(f.id, "/results/accuracy_mean");
  const auto ci = read_vec(f.id, "/results/accuracy_ci95");
  const auto ea = read_vec(f.id, "/results/energy_j_analog");
  const auto ed = read_vec(f.id, "/results/energy_j_digital");
  std::cout << "\n  point  " << (mean.empty() ? "" : "accuracy (95 % CI)      ")
            << (ea.empty() ? "" : "energy analog   energy digital  ") << "axes\n";
  for (std::size_t i = 0; i < n; ++i) {
    char g[32];
    std::snprintf(g, sizeof(g), "/points/%05zu", i);
    std::string label;
    if (H5Lexists(f.id, "/points", H5P_DEFAULT) > 0 && H5Lexists(f.id, g, H5P_DEFAULT) > 0) {
      H grp{H5Gopen2(f.id, g, H5P_DEFAULT), H5Gclose};
      label = attr_text(grp.id, "label").value_or("");
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
