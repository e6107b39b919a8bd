#include "common.hpp"

#include <filesystem>
#include <sstream>

#include "xbarsim/config/arch_config.hpp"

namespace xbarsim::app {

std::string resolve_arch_path(const std::string& arch) {
  namespace fs = std::filesystem;
  if (fs::exists(arch) || arch.find('/') != std::string::npos ||
      arch.find(".yaml") != std::string::npos)
    return arch;
  const fs::path shipped = fs::path(data_dir()) / "arch" / (arch + ".yaml");
  return fs::exists(shipped) ? shipped.string() : arch;
}

std::string fmt_num(double v, int digits) {
  std::ostringstream out;
  out.precision(digits);
  out << v;
  return out.str();
}

}  // namespace xbarsim::app
