#include "xbarsim/config/shipped_files.hpp"

#include <filesystem>

#include "xbarsim/config/arch_config.hpp"

namespace xbarsim {

std::string shipped_or_path(const std::string& name, const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool looks_like_path = name.find('/') != std::string::npos ||
                               (name.size() > 5 && name.substr(name.size() - 5) == ".yaml");
  if (fs::is_regular_file(name, ec) || looks_like_path) return name;
  const fs::path shipped = fs::path(data_dir()) / folder / (name + ".yaml");
  return fs::is_regular_file(shipped, ec) ? shipped.string() : name;
}

}  // namespace xbarsim
