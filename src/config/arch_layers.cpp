// Per-layer tile settings: `layers: {fc1: {tile.adc.bits: 6}}` in an architecture, or
// `--set layers.fc1.tile.adc.bits=6`. Each named layer gets the whole architecture resolved
// again with its keys, so every check of a tile key applies to a per-layer value too.
#include <utility>

#include "xbarsim/config/section_loader.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"

namespace xbarsim {

namespace {

// The leaves of a layer's entry as dotted paths: {tile.adc.bits: 6} and
// {tile: {adc: {bits: 6}}} (what a --set creates) give the same ("tile.adc.bits", 6).
void flatten(const YAML::Node& node, const std::string& prefix,
             std::vector<std::pair<std::string, YAML::Node>>& out) {
  for (const auto& kv : node) {
    const std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    if (kv.second.IsMap())
      flatten(kv.second, key, out);
    else
      out.emplace_back(key, kv.second);
  }
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

std::map<std::string, std::shared_ptr<const ArchConfig>> resolve_layer_archs(
    const YAML::Node& layers, const YAML::Node& root, const std::string& path,
    const Origins& origins, const Registry& registry) {
  if (!layers.IsMap())
    throw ConfigError(origins.of("layers"), "layers",
                      "expected a map from layer name to that layer's tile keys, e.g. "
                      "layers: {fc1: {tile.adc.bits: 6}}");
  std::map<std::string, std::shared_ptr<const ArchConfig>> out;
  for (const auto& kv : layers) {
    const std::string name = kv.first.Scalar();
    const std::string prefix = "layers." + name;
    std::vector<std::pair<std::string, YAML::Node>> keys;
    if (kv.second.IsMap()) flatten(kv.second, "", keys);
    if (keys.empty())
      throw ConfigError(origins.of(prefix), prefix,
                        "expected a map of tile keys to values, e.g. {tile.adc.bits: 6}");
    YAML::Node layer_root = YAML::Clone(root);
    for (const auto& [key, value] : keys) {
      const std::string full = prefix + "." + key;
      if (!starts_with(key, "tile."))
        throw ConfigError(origins.of(full), full,
                          "only tile keys (tile.*) can differ per layer: the chip, its buffers "
                          "and its network are shared by every layer");
      apply_override(layer_root, {key, YAML::Dump(value)});
    }
    try {
      auto arch =
          std::make_shared<ArchConfig>(resolve_arch_tree(layer_root, path, origins, registry));
      arch->warnings.clear();  // the same as the architecture's own, reported once there
      arch->layer_origin = origins.of(prefix);
      for (const auto& [key, value] : keys) {
        YAML::Emitter text;
        text << YAML::Flow << value;
        arch->layer_keys.push_back(key + "=" + text.c_str());
      }
      out.emplace(name, std::move(arch));
    } catch (const ConfigError& e) {
      // Everything else loaded without this layer's keys: the error is one of theirs.
      const std::string key = starts_with(e.key(), "tile") ? prefix + "." + e.key() : e.key();
      const bool in_arch = e.file() == path || starts_with(e.file(), "--set ");
      throw ConfigError(in_arch ? origins.of(key) : e.file(), key,
                        e.detail() + " (in the tile settings of layer '" + name + "')");
    }
  }
  return out;
}

const ArchConfig& ArchConfig::for_layer(const std::string& layer) const {
  const auto it = layers.find(layer);
  return it == layers.end() ? *this : *it->second;
}

std::vector<std::string> ArchConfig::layer_names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : layers) out.push_back(name);
  return out;
}

std::string ArchConfig::layers_summary() const {
  std::string out;
  for (const auto& [name, layer] : layers) {
    std::string keys;
    for (const std::string& k : layer->layer_keys) append_item(keys, k, ", ");
    append_item(out, name + " (" + keys + ")", "; ");
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ArchConfig::layer_origins() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, layer] : layers) out.emplace_back(name, layer->layer_origin);
  return out;
}

void check_layer_names(const std::vector<std::pair<std::string, std::string>>& named,
                       const std::vector<std::string>& crossbar_layers, const std::string& model) {
  for (const auto& [name, origin] : named) {
    bool found = false;
    for (const std::string& l : crossbar_layers) found = found || l == name;
    if (found) continue;
    std::string known;
    for (const std::string& l : crossbar_layers) append_item(known, l, ", ");
    throw ConfigError(origin, "layers." + name,
                      "model '" + model + "' has no crossbar layer named '" + name +
                          "'; its crossbar layers are: " + (known.empty() ? "(none)" : known));
  }
}

}  // namespace xbarsim
