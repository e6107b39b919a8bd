#pragma once
// The strict building blocks of every configuration loader (architectures, digital
// baselines, experiments): overrides, model components chosen by card, and plain sections.
#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"

namespace xbarsim {

// Where each value came from, so an error names the right place: the file, or the --set
// that created the key.
class Origins {
 public:
  Origins(std::string file, const std::vector<Override>& overrides) : file_(std::move(file)) {
    for (const Override& o : overrides) set_values_[o.path] = o.value;  // the last one wins
  }
  // The --set that created `path`, or one below it (a --set of tilez.rows creates tilez),
  // as the user typed it: "--set tile.adc.bits=99".
  std::string of(const std::string& path) const {
    for (const auto& [p, value] : set_values_)
      if (p == path || p.rfind(path + ".", 0) == 0) return set_argument({p, value});
    return file_;
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::map<std::string, std::string> set_values_;
};

// Writes one --set into a YAML tree, creating sections on the way.
void apply_override(YAML::Node root, const Override& o);

// A component chosen by its card: `section` holds `card: <path>` and overrides of the card's
// parameters; the model named by the card must be of `kind`.
ComponentConfig load_component(const YAML::Node& section, const std::string& path, ModelKind kind,
                               const Origins& origins, const Registry& registry);

// A plain section validated against a declared spec; keys in `skip` (sub-sections) are left
// to the caller.
ParamSet load_section(const YAML::Node& section, const std::string& path,
                      const std::set<std::string>& skip, const ModelSpec& spec,
                      const Origins& origins);

// The resolved form of a component, for provenance: card path, model and every value.
YAML::Node component_tree(const ComponentConfig& c);

// An architecture from its YAML tree (overrides already applied, no `layers` section).
ArchConfig resolve_arch_tree(YAML::Node root, const std::string& path, const Origins& origins,
                             const Registry& registry);

// The `layers` section: for each named layer, `root` resolved again with that layer's tile
// keys (src/config/arch_layers.cpp). Errors name the key as layers.<name>.tile.<...>.
std::map<std::string, std::shared_ptr<const ArchConfig>> resolve_layer_archs(
    const YAML::Node& layers, const YAML::Node& root, const std::string& path,
    const Origins& origins, const Registry& registry);

}  // namespace xbarsim
