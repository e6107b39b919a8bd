// Knobs and ranges of `xbarsim optimize` (include/xbarsim/optimize/knobs.hpp).
#include "xbarsim/optimize/knobs.hpp"

#include <algorithm>

#include "xbarsim/config/sections.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"

namespace xbarsim {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  for (const char c : s) {
    if (c == sep) {
      out.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  out.push_back(part);
  return out;
}

// A decimal integer, or false.
bool parse_int(const std::string& s, std::int64_t& v) {
  if (s.empty()) return false;
  std::size_t used = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size();
}

const ComponentConfig* component(const ArchConfig& arch, const std::string& name) {
  if (name == "device") return &arch.tile.device;
  if (name == "dac") return &arch.tile.dac;
  if (name == "adc") return &arch.tile.adc;
  return nullptr;
}

}  // namespace

ParamSpec tile_key_spec(const ArchConfig& arch, const Registry& registry, const std::string& key) {
  const std::vector<std::string> parts = split(key, '.');
  const ParamSpec* spec = nullptr;
  std::string where;
  if (parts.size() == 2 && parts[0] == "tile") {
    spec = registry.spec(kTileSection).find(parts[1]);
    where = "the tile section";
  } else if (parts.size() == 3 && parts[0] == "tile") {
    if (parts[1] == "mapping" || parts[1] == "wires") {
      spec = registry.spec(parts[1] == "mapping" ? kMappingSection : kWiresSection).find(parts[2]);
      where = "tile." + parts[1];
    } else if (const ComponentConfig* c = component(arch, parts[1])) {
      spec = registry.spec(c->model).find(parts[2]);
      where = "model " + c->model + " (" + c->card_path + ")";
    }
  }
  if (!spec)
    throw ConfigError("--knobs", key,
                      "is not a tile key of " + arch.file +
                          (where.empty() ? std::string(": expected tile.<key>, tile.mapping.<key>, "
                                                       "tile.wires.<key> or tile.{device,dac,adc}."
                                                       "<key>, e.g. tile.adc.bits")
                                         : ": " + where + " declares no such key"));
  return *spec;
}

std::vector<Knob> parse_knobs(const std::vector<std::string>& knob_args,
                              const std::vector<std::string>& range_args, const ArchConfig& arch,
                              const Registry& registry, std::int64_t default_lo) {
  std::vector<Knob> knobs;
  std::vector<ParamSpec> specs;
  for (const std::string& arg : knob_args)
    for (const std::string& key : split(arg, ',')) {
      if (key.empty())
        throw ConfigError("--knobs " + arg, "",
                          "an empty knob: expected tile keys separated by commas");
      const ParamSpec spec = tile_key_spec(arch, registry, key);
      if (spec.type != ParamType::kInteger)
        throw ConfigError("--knobs", key,
                          "is a " + to_string(spec.type) +
                              " key; the optimizer searches integer tile keys only (e.g. "
                              "tile.adc.bits, tile.dac.bits)");
      for (const Knob& k : knobs)
        if (k.key == key) throw ConfigError("--knobs", key, "is named twice");
      // The architecture's own value is the top of a default range.
      const YAML::Node value = YAML::Clone(arch.resolved);
      std::int64_t hi = static_cast<std::int64_t>(spec.max);
      YAML::Node n = value;
      for (const std::string& p : split(key, '.')) n = n[p];
      std::int64_t own = 0;
      if (n && n.IsScalar() && parse_int(n.Scalar(), own)) hi = own;
      Knob k{key, std::max<std::int64_t>(default_lo, static_cast<std::int64_t>(spec.min)),
             std::min<std::int64_t>(hi, static_cast<std::int64_t>(spec.max))};
      if (k.lo > k.hi) k.lo = k.hi;
      knobs.push_back(k);
      specs.push_back(spec);
    }
  for (const std::string& arg : range_args) {
    const std::size_t eq = arg.find('='), colon = arg.find(':', eq == std::string::npos ? 0 : eq);
    std::int64_t lo = 0, hi = 0;
    if (eq == std::string::npos || colon == std::string::npos ||
        !parse_int(arg.substr(eq + 1, colon - eq - 1), lo) || !parse_int(arg.substr(colon + 1), hi))
      throw ConfigError("--range " + arg, "",
                        "expected KEY=LO:HI with integers LO <= HI, e.g. tile.adc.bits=3:10");
    const std::string key = arg.substr(0, eq);
    const auto it =
        std::find_if(knobs.begin(), knobs.end(), [&](const Knob& k) { return k.key == key; });
    if (it == knobs.end())
      throw ConfigError("--range " + arg, key, "is not one of the knobs (--knobs)");
    const ParamSpec& spec = specs[static_cast<std::size_t>(it - knobs.begin())];
    if (lo > hi) throw ConfigError("--range " + arg, key, "LO must not exceed HI");
    if (static_cast<double>(lo) < spec.min || static_cast<double>(hi) > spec.max)
      throw ConfigError("--range " + arg, key,
                        std::to_string(lo) + ":" + std::to_string(hi) +
                            " is outside the key's declared range, " + bounds_text(spec));
    it->lo = lo;
    it->hi = hi;
  }
  return knobs;
}

std::vector<Override> setting_overrides(const std::vector<std::string>& layers,
                                        const std::vector<Knob>& knobs, const Setting& setting) {
  std::vector<Override> out;
  for (std::size_t l = 0; l < layers.size(); ++l)
    for (std::size_t k = 0; k < knobs.size(); ++k)
      out.push_back({"layers." + layers[l] + "." + knobs[k].key,
                     std::to_string(setting[l * knobs.size() + k])});
  return out;
}

std::string setting_label(const std::vector<std::string>& layers, const std::vector<Knob>& knobs,
                          const Setting& setting) {
  std::string out;
  for (std::size_t l = 0; l < layers.size(); ++l)
    for (std::size_t k = 0; k < knobs.size(); ++k)
      append_item(
          out, layers[l] + ":" + knobs[k].key + "=" + std::to_string(setting[l * knobs.size() + k]),
          " ");
  return out;
}

}  // namespace xbarsim
