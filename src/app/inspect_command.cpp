// `xbarsim inspect`: provenance and a per-point summary of a sweep's results.h5.
#include "inspect_command.hpp"

#include <filesystem>
#include <iostream>

#include "../io/hdf5_handle.hpp"
#include "common.hpp"
#include "result_summary.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim::app {

CLI::App* add_inspect_command(CLI::App& app, InspectOptions& o) {
  CLI::App* cmd = app.add_subcommand("inspect",
                                     "Print the provenance and a per-point summary of "
                                     "a result file written by sweep or eval");
  cmd->add_option("file", o.file, "HDF5 result file")->required();
  return cmd;
}

int run_inspect(const InspectOptions& o) {
  detail::silence_hdf5();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(o.file, ec)) throw IoError(o.file, "file not found");
  detail::Handle f{H5Fopen(o.file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (f.id < 0) throw IoError(o.file, "cannot open as HDF5");
  print_result_summary(f.id, o.file, std::cout);
  return 0;
}

}  // namespace xbarsim::app
