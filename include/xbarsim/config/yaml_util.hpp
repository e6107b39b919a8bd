#pragma once
// Small YAML helpers shared by every strict loader.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>

#include "xbarsim/config/param.hpp"

namespace xbarsim {

// Parses a YAML file; a missing or malformed file is a ConfigError naming the file and line.
YAML::Node load_yaml_file(const std::string& path);

// Rejects any key of `node` not in `allowed`; `prefix` is the node's own dotted path.
void check_keys(const YAML::Node& node, std::initializer_list<const char*> allowed,
                const std::string& file, const std::string& prefix);

YAML::Node to_yaml(const ParamValue& value);

}  // namespace xbarsim
