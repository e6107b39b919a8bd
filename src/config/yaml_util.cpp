#include "xbarsim/config/yaml_util.hpp"

#include <filesystem>

#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"

namespace xbarsim {

YAML::Node load_yaml_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    throw ConfigError(path, "", "file not found (or not a regular file)");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path, "",
                      "malformed YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                          std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

void check_keys(const YAML::Node& node, std::initializer_list<const char*> allowed,
                const std::string& file, const std::string& prefix) {
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) append_item(list, std::string(a), ", ");
      throw ConfigError(file, prefix.empty() ? key : prefix + "." + key,
                        "unknown key; expected one of: " + list);
    }
  }
}

YAML::Node to_yaml(const ParamValue& value) {
  return std::visit([](const auto& v) { return YAML::Node(v); }, value);
}

}  // namespace xbarsim
