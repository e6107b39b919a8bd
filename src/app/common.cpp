#include "common.hpp"

#include <sstream>

#include "xbarsim/config/arch_config.hpp"

namespace xbarsim::app {

std::string resolve_arch_path(const std::string& arch) {
  return resolve_shipped(arch, "arch", "architecture");
}

std::string resolve_workload_path(const std::string& workload) {
  return resolve_shipped(workload, "workloads", "workload");
}

std::string fmt_num(double v, int digits) {
  std::ostringstream out;
  out.precision(digits);
  out << v;
  return out.str();
}

}  // namespace xbarsim::app
