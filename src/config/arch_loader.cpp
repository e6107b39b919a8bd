// Strict loading of architecture files and cards: every key is declared, every value checked,
// every error names the file and the key.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/node_scaling.hpp"
#include "xbarsim/config/section_loader.hpp"
#include "xbarsim/config/sections.hpp"
#include "xbarsim/config/single_pricing.hpp"
#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"

namespace fs = std::filesystem;

namespace xbarsim {

std::vector<Override> parse_overrides(const std::vector<std::string>& args) {
  std::vector<Override> out;
  for (const std::string& a : args) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a.size())
      throw ConfigError("--set " + a, "", "expected path=value, e.g. tile.adc.bits=6");
    out.push_back({a.substr(0, eq), a.substr(eq + 1)});
  }
  return out;
}

std::string set_argument(const Override& o) {
  return "--set " + o.path + "=" + o.value;
}

bool looks_like_path(const std::string& arg) {
  const std::string yaml = ".yaml";
  return fs::is_regular_file(arg) || arg.find('/') != std::string::npos ||
         (arg.size() >= yaml.size() &&
          arg.compare(arg.size() - yaml.size(), yaml.size(), yaml) == 0);
}

std::vector<std::string> shipped_names(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(data_dir()) / folder, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->path().extension() == ".yaml" && it->is_regular_file(ec))
      names.push_back(it->path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string resolve_shipped(const std::string& arg, const std::string& folder,
                            const std::string& what) {
  if (looks_like_path(arg)) return arg;
  const fs::path shipped = fs::path(data_dir()) / folder / (arg + ".yaml");
  if (fs::is_regular_file(shipped)) return shipped.string();
  std::string known;
  for (const std::string& n : shipped_names(folder)) append_item(known, n);
  throw IoError(
      arg, "no such file, and not the name of a shipped " + what + " (" +
               (known.empty() ? "none in " + (fs::path(data_dir()) / folder).string() : known) +
               ")");
}

void apply_override(YAML::Node root, const Override& o) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (true) {
    const auto dot = o.path.find('.', start);
    parts.push_back(o.path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::vector<YAML::Node> chain{root};
  std::string walked;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    append_item(walked, parts[i], ".");
    if (parts[i].empty()) throw ConfigError(set_argument(o), o.path, "empty path component");
    YAML::Node next = chain.back()[parts[i]];
    if (next.IsDefined() && !next.IsMap())
      throw ConfigError(set_argument(o), walked,
                        "is a value, not a section, so it has no key '" + parts[i + 1] + "'");
    if (!next.IsDefined()) {
      chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = chain.back()[parts[i]];
    }
    chain.push_back(next);
  }
  YAML::Node value;
  try {
    value = YAML::Load(o.value);
  } catch (const YAML::Exception& e) {
    throw ConfigError(set_argument(o), o.path,
                      "value '" + o.value + "' is not valid YAML: " + e.msg);
  }
  chain.back()[parts.back()] = value;
}

namespace {

// The digital baseline's MAC (data/arch/digital/int8_ws.yaml), used for attention's products
// of activations when an architecture names no chip.attention_mac.
constexpr const char* kDefaultAttentionMacCard = "circuits/digital/horowitz_45nm.yaml";

ParamValue parse_value(const ParamSpec& spec, const YAML::Node& node, const std::string& origin,
                       const std::string& path) {
  if (!node.IsScalar())
    throw ConfigError(origin, path, "expected a single " + to_string(spec.type) + " value");
  const std::string text = node.Scalar();
  auto range_error = [&](const std::string& got) {
    return ConfigError(origin, path,
                       "value " + got + " is out of range; expected " +
                           (spec.type == ParamType::kInteger ? "an integer " : "a real number ") +
                           bounds_text(spec));
  };
  switch (spec.type) {
    case ParamType::kReal: {
      double v;
      if (!YAML::convert<double>::decode(node, v) || !std::isfinite(v))
        throw ConfigError(origin, path, "expected a real number, got '" + text + "'");
      if (v < spec.min || v > spec.max) throw range_error(text);
      return v;
    }
    case ParamType::kInteger: {
      // YAML 1.1 reads 010 as octal 8; a leading zero is almost surely not meant that way.
      const std::string digits = text.substr(text[0] == '-' || text[0] == '+' ? 1 : 0);
      if (digits.size() > 1 && digits[0] == '0')
        throw ConfigError(origin, path,
                          "expected a decimal integer without leading zeros, got '" + text + "'");
      std::int64_t v;
      if (!YAML::convert<std::int64_t>::decode(node, v))
        throw ConfigError(origin, path, "expected an integer, got '" + text + "'");
      if (static_cast<double>(v) < spec.min || static_cast<double>(v) > spec.max)
        throw range_error(text);
      return v;
    }
    case ParamType::kBoolean: {
      bool v;
      if (!YAML::convert<bool>::decode(node, v))
        throw ConfigError(origin, path, "expected true or false, got '" + text + "'");
      return v;
    }
    case ParamType::kText:
      return text;
    case ParamType::kChoice: {
      for (const std::string& c : spec.choices)
        if (c == text) return text;
      std::string list;
      for (const std::string& c : spec.choices) append_item(list, c, ", ");
      throw ConfigError(origin, path, "expected one of {" + list + "}, got '" + text + "'");
    }
  }
  throw ConfigError(origin, path, "unsupported parameter type");
}

// A text parameter ending in _csv names a data file: relative to the file that gives it.
ParamValue resolve_data_file(const ParamSpec& spec, ParamValue value, const fs::path& base) {
  const std::string* text = std::get_if<std::string>(&value);
  const std::string suffix = "_csv";
  if (spec.type != ParamType::kText || !text || text->empty() || spec.key.size() < suffix.size() ||
      spec.key.compare(spec.key.size() - suffix.size(), suffix.size(), suffix) != 0 ||
      fs::path(*text).is_absolute())
    return value;
  return (base / *text).lexically_normal().string();
}

// Fills `out` with defaults, then checks required keys once all layers are merged.
void set_defaults(const ModelSpec& spec, ParamSet& out) {
  for (const ParamSpec& p : spec.params)
    if (p.default_value) out.set(p.key, *p.default_value);
}

void require_all(const ModelSpec& spec, const ParamSet& set, const std::string& origin,
                 const std::string& prefix) {
  for (const ParamSpec& p : spec.params)
    if (!set.has(p.key))
      throw ConfigError(origin, prefix + p.key,
                        "missing required key (" + to_string(p.type) + ", " + p.doc + ")");
}

std::string resolve_card_path(const std::string& card, const std::string& arch_file,
                              const std::string& key) {
  const fs::path arch_dir = fs::path(arch_file).parent_path();
  std::vector<fs::path> candidates;
  std::optional<std::string> data;
  if (fs::path(card).is_absolute()) {
    candidates.push_back(card);
  } else {
    candidates.push_back(arch_dir / card);
    candidates.push_back(arch_dir / ".." / "cards" / card);
    // A card beside the architecture file needs no data folder: look there only if one exists.
    data = find_data_dir();
    if (data) candidates.push_back(fs::path(*data) / "cards" / card);
  }
  std::string tried;
  for (const fs::path& c : candidates) {
    if (fs::is_regular_file(c)) return fs::weakly_canonical(c).string();
    append_item(tried, c.lexically_normal().string(), ", ");
  }
  if (!fs::path(card).is_absolute() && !data)
    tried += " (and no xbarsim data folder: set XBARSIM_DATA_DIR, docs/install.md)";
  throw ConfigError(arch_file, key, "card '" + card + "' not found; looked in: " + tried);
}

}  // namespace

ComponentConfig load_component(const YAML::Node& section, const std::string& path, ModelKind kind,
                               const Origins& origins, const Registry& registry) {
  if (!section.IsDefined() || !section.IsMap())
    throw ConfigError(origins.file(), path,
                      "missing section; expected a map with at least 'card: <path>'");
  const YAML::Node card_key = section["card"];
  if (!card_key.IsDefined() || !card_key.IsScalar())
    throw ConfigError(origins.of(path + ".card"), path + ".card",
                      "missing; expected the path of a card under data/cards/");
  ComponentConfig c;
  c.card_path = resolve_card_path(card_key.Scalar(), origins.file(), path + ".card");
  c.card = load_yaml_file(c.card_path);
  if (!c.card.IsMap()) throw ConfigError(c.card_path, "", "expected a map at the top level");
  const YAML::Node& card = c.card;
  check_keys(card,
             {"model", "title", "technology_node_m", "supply_voltage_v", "source", "parameters",
              "includes"},
             c.card_path, "");
  // Read as numbers later (node scaling, the mixed-node check): a value that is not one must
  // be a ConfigError here, not yaml-cpp's BadConversion there.
  for (const char* key : {"technology_node_m", "supply_voltage_v"})
    if (const YAML::Node v = card[key]; v.IsDefined()) {
      double x = 0;
      if (!v.IsScalar() || !YAML::convert<double>::decode(v, x) || !std::isfinite(x))
        throw ConfigError(c.card_path, key,
                          std::string("expected a number (") +
                              (key[0] == 't' ? "the card's CMOS node in metres, 0 for none"
                                             : "the card's supply voltage in volts") +
                              ")");
    }
  if (const YAML::Node inc = card["includes"]; inc.IsDefined()) {
    static const std::set<std::string> kIncludable{"dac", "adc", "sample_hold", "shift_add"};
    std::string known;
    for (const std::string& k : kIncludable) append_item(known, k, ", ");
    if (!inc.IsSequence())
      throw ConfigError(
          c.card_path, "includes",
          "expected a list of the components this card's figures contain, from: " + known);
    for (const YAML::Node& item : inc) {
      if (!item.IsScalar() || !kIncludable.count(item.Scalar()))
        throw ConfigError(c.card_path, "includes",
                          "unknown component '" + (item.IsScalar() ? item.Scalar() : "") +
                              "'; expected one of: " + known);
      c.includes.push_back(item.Scalar());
    }
  }
  if (!card["model"].IsDefined() || !card["model"].IsScalar())
    throw ConfigError(c.card_path, "model", "missing model name");
  if (!card["source"].IsDefined() || !card["source"].IsMap() ||
      !card["source"]["citation"].IsDefined() || !card["source"]["citation"].IsScalar())
    throw ConfigError(c.card_path, "source.citation",
                      "missing; every card cites its source (or says it is a definition)");
  c.model = card["model"].Scalar();
  const ModelSpec* spec;
  try {
    spec = &registry.spec(c.model);
  } catch (const ConfigError& e) {
    throw ConfigError(c.card_path, "model", e.what());
  }
  if (spec->kind != kind)
    throw ConfigError(c.card_path, "model",
                      "'" + c.model + "' is a " + to_string(spec->kind) + " model, but " + path +
                          " needs a " + to_string(kind) + " model");
  c.params = ParamSet(c.card_path);
  set_defaults(*spec, c.params);

  const YAML::Node params = card["parameters"];
  if (params.IsDefined() && !params.IsMap())
    throw ConfigError(c.card_path, "parameters", "expected a map of key: {value, source}");
  if (params.IsDefined()) {
    for (const auto& kv : params) {
      const std::string key = kv.first.Scalar();
      const std::string card_path = "parameters." + key;
      const ParamSpec* p = spec->find(key);
      if (!p)
        throw ConfigError(
            c.card_path, card_path,
            "unknown key for model '" + c.model + "' (see xbarsim describe " + c.model + ")");
      const YAML::Node entry = kv.second;
      if (!entry.IsMap() || !entry["value"].IsDefined())
        throw ConfigError(c.card_path, card_path, "expected {value: ..., source: \"...\"}");
      if (!entry["source"].IsDefined() || !entry["source"].IsScalar() ||
          entry["source"].Scalar().empty())
        throw ConfigError(c.card_path, card_path + ".source",
                          "missing; every number in a card names its source or says it is an "
                          "assumption");
      check_keys(entry, {"value", "source"}, c.card_path, card_path);
      c.params.set(key,
                   resolve_data_file(*p, parse_value(*p, entry["value"], c.card_path, card_path),
                                     fs::path(c.card_path).parent_path()));
    }
  }
  // Architecture-file values and --set overrides come last and win.
  for (const auto& kv : section) {
    const std::string key = kv.first.Scalar();
    if (key == "card") continue;
    const std::string full = path + "." + key;
    const ParamSpec* p = spec->find(key);
    if (!p)
      throw ConfigError(
          origins.of(full), full,
          "unknown key for model '" + c.model + "' (see xbarsim describe " + c.model + ")");
    const std::string from = origins.of(full);
    c.params.set(key, resolve_data_file(*p, parse_value(*p, kv.second, from, full),
                                        fs::is_regular_file(from) ? fs::path(from).parent_path()
                                                                  : fs::current_path()));
  }
  require_all(*spec, c.params, c.card_path, "parameters.");
  c.params = [&] {
    // Re-label the set so model factories name the architecture file in their errors too.
    ParamSet labelled(c.card_path + " (as used by " + origins.file() + " " + path + ")");
    for (const auto& [k, v] : c.params.values()) labelled.set(k, v);
    return labelled;
  }();
  return c;
}

ParamSet load_section(const YAML::Node& section, const std::string& path,
                      const std::set<std::string>& skip, const ModelSpec& spec,
                      const Origins& origins) {
  ParamSet set(origins.file());
  set_defaults(spec, set);
  if (section.IsDefined()) {
    if (!section.IsMap()) throw ConfigError(origins.file(), path, "expected a map");
    for (const auto& kv : section) {
      const std::string key = kv.first.Scalar();
      if (skip.count(key)) continue;
      const std::string full = path.empty() ? key : path + "." + key;  // "" = top level
      const ParamSpec* p = spec.find(key);
      if (!p) {
        std::string known;
        for (const ParamSpec& q : spec.params) append_item(known, q.key, ", ");
        for (const std::string& s : skip) known += ", " + s;
        throw ConfigError(origins.of(full), full, "unknown key; expected one of: " + known);
      }
      set.set(key, parse_value(*p, kv.second, origins.of(full), full));
    }
  }
  require_all(spec, set, origins.file(), path.empty() ? "" : path + ".");
  return set;
}

YAML::Node component_tree(const ComponentConfig& c) {
  YAML::Node n(YAML::NodeType::Map);
  n["card"] = c.card_path;
  n["model"] = c.model;
  for (const auto& [k, v] : c.params.values()) n[k] = to_yaml(v);
  return n;
}

ArchConfig load_arch(const std::string& path, const std::vector<Override>& overrides,
                     const Registry& registry) {
  YAML::Node root = load_yaml_file(path);
  if (!root.IsMap()) throw ConfigError(path, "", "expected a map at the top level");
  check_keys(root, {"name", "description", "tile", "attention", "chip", "layers"}, path, "");
  for (const Override& o : overrides) apply_override(root, o);
  const Origins origins(path, overrides);
  // Overrides may have added keys that do not exist; check the top level again.
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (key != "name" && key != "description" && key != "tile" && key != "attention" &&
        key != "chip" && key != "layers")
      throw ConfigError(origins.of(key), key,
                        "unknown key; expected one of: name, description, tile, attention, "
                        "chip, layers");
  }
  // Looked up through a const reference: a non-const operator[] would add the key.
  const YAML::Node& read_root = root;
  YAML::Node layers;
  if (read_root["layers"]) {
    layers = YAML::Clone(read_root["layers"]);
    root.remove("layers");
  }
  ArchConfig arch = resolve_arch_tree(root, path, origins, registry);
  if (layers.IsDefined() && !layers.IsNull()) {
    arch.layers = resolve_layer_archs(layers, root, path, origins, registry);
    for (const auto& [name, layer] : arch.layers)
      arch.resolved["layers"][name]["tile"] = layer->resolved["tile"];
  }
  if (spdlog::should_log(spdlog::level::debug)) {
    // Each card once, named as in the architecture file when it is a shipped one.
    const std::string shipped = (fs::path(data_dir()) / "cards").string() + "/";
    std::set<std::string> seen;
    std::string cards;
    std::vector<const ComponentConfig*> comps = {&arch.tile.device, &arch.tile.dac, &arch.tile.adc};
    if (arch.system)
      for (const ComponentConfig* c :
           {&arch.system->sample_hold, &arch.system->shift_add, &arch.system->input_buffer,
            &arch.system->output_buffer, &arch.system->global_buffer, &arch.system->noc,
            &arch.system->dram, &arch.system->digital})
        comps.push_back(c);
    for (const ComponentConfig* c : comps) {
      if (c->card_path.empty() || !seen.insert(c->card_path).second) continue;
      append_item(cards, c->card_path.rfind(shipped, 0) == 0 ? c->card_path.substr(shipped.size())
                                                             : c->card_path);
    }
    std::string layers;
    for (const auto& [name, layer] : arch.layers) append_item(layers, name);
    spdlog::debug("architecture {} ({}): cards {}{}{}", arch.name, path, cards,
                  layers.empty() ? "" : "; own tiles for layers ", layers);
  }
  return arch;
}

ArchConfig resolve_arch_tree(YAML::Node root, const std::string& path, const Origins& origins,
                             const Registry& registry) {
  ArchConfig arch;
  arch.file = path;
  arch.name = root["name"].IsScalar() ? root["name"].Scalar() : fs::path(path).stem().string();
  arch.description = root["description"].IsScalar() ? root["description"].Scalar() : "";
  const YAML::Node tile = root["tile"];
  if (!tile.IsMap()) throw ConfigError(path, "tile", "missing section; expected a map");

  const std::set<std::string> tile_children{
      "device",       "dac",           "adc",         "mapping", "sample_hold", "shift_add",
      "input_buffer", "output_buffer", "tile_buffer", "bus",     "wires"};
  const ParamSet tile_params =
      load_section(tile, "tile", tile_children, registry.spec(kTileSection), origins);
  arch.tile.source = path;
  arch.tile.rows = tile_params.integer("rows");
  arch.tile.cols = tile_params.integer("cols");
  arch.tile.arrays = tile_params.integer("arrays");
  arch.tile.adc_shared_columns = tile_params.integer("adc_shared_columns");
  if (arch.tile.cols % arch.tile.adc_shared_columns != 0)
    throw ConfigError(origins.of("tile.adc_shared_columns"), "tile.adc_shared_columns",
                      std::to_string(arch.tile.adc_shared_columns) +
                          " columns per ADC does not divide the " + std::to_string(arch.tile.cols) +
                          " columns of an array");
  arch.tile.device =
      load_component(tile["device"], "tile.device", ModelKind::kDevice, origins, registry);
  arch.tile.dac = load_component(tile["dac"], "tile.dac", ModelKind::kDac, origins, registry);
  arch.tile.adc = load_component(tile["adc"], "tile.adc", ModelKind::kAdc, origins, registry);
  const ParamSet mapping =
      load_section(tile["mapping"], "tile.mapping", {}, registry.spec(kMappingSection), origins);
  arch.tile.mapping = mapping_from(mapping);
  const ParamSet wires =
      load_section(tile["wires"], "tile.wires", {}, registry.spec(kWiresSection), origins);
  arch.tile.wires = wires_from(wires);
  const ParamSet attention =
      load_section(root["attention"], "attention", {}, registry.spec(kAttentionSection), origins);
  arch.attention = attention_from(attention);
  if (arch.tile.wires.ir_drop != IrDrop::kNone)
    for (const char* key : {"row_wire_ohm", "col_wire_ohm", "driver_ohm", "sense_ohm"})
      if (!(wires.real(key) > 0)) {  // also rejects NaN
        const std::string full = std::string("tile.wires.") + key;
        throw ConfigError(origins.of(full), full,
                          "expected a resistance > 0 ohm for the IR-drop solve, got " +
                              to_string(ParamValue(wires.real(key))) +
                              " (set tile.wires.ir_drop: none for ideal wires)");
      }

  const YAML::Node chip = root["chip"];
  // Subscripting a scalar or a list throws yaml-cpp's own exception: check the kind first.
  if (chip.IsDefined() && !chip.IsMap())
    throw ConfigError(origins.of("chip"), "chip",
                      "expected a map (the chip's settings and its components), found " +
                          std::string(chip.IsSequence() ? "a list" : "a single value"));
  const char* kTileCosts[] = {"sample_hold",   "shift_add",   "input_buffer",
                              "output_buffer", "tile_buffer", "bus"};
  if (chip.IsDefined()) {
    SystemConfig sys;
    if (chip["partial_sum_bits"].IsDefined())
      throw ConfigError(origins.of("chip.partial_sum_bits"), "chip.partial_sum_bits",
                        "no longer a setting: partial sums are priced at the exact width the "
                        "mapping needs, which is what the engine computes "
                        "(docs/energy_model.md#partial-sums); remove the key");
    const ParamSet chip_params =
        load_section(chip, "chip", {"global_buffer", "noc", "dram", "digital", "attention_mac"},
                     registry.spec(kChipSection), origins);
    sys.tiles = chip_params.integer("tiles");
    sys.mesh_columns = chip_params.integer("mesh_columns");
    sys.tiles_per_router = chip_params.integer("tiles_per_router");
    sys.node_m = chip_params.real("node_nm") * 1e-9;
    sys.supply_v = chip_params.real("supply_voltage_v");
    if (sys.node_m > 0 && !is_known_node(sys.node_m))
      throw ConfigError(origins.of("chip.node_nm"), "chip.node_nm",
                        "unknown node " + to_string(ParamValue(chip_params.real("node_nm"))) +
                            " nm; expected one of the Stillmaker-Baas fit: " + known_nodes_text());
    if (sys.node_m > 0 && sys.supply_v <= 0)
      throw ConfigError(origins.of("chip.supply_voltage_v"), "chip.supply_voltage_v",
                        "missing: chip.node_nm needs the supply voltage at that node");
    sys.input_bit_activity = chip_params.real("input_bit_activity_rel");
    auto cost = [&](const YAML::Node& node, const std::string& key) {
      return load_component(node, key, ModelKind::kCost, origins, registry);
    };
    sys.sample_hold = cost(tile["sample_hold"], "tile.sample_hold");
    sys.shift_add = cost(tile["shift_add"], "tile.shift_add");
    sys.input_buffer = cost(tile["input_buffer"], "tile.input_buffer");
    sys.output_buffer = cost(tile["output_buffer"], "tile.output_buffer");
    sys.input_buffers = tile_params.integer("input_buffers");
    sys.output_buffers = tile_params.integer("output_buffers");
    sys.shift_adds = tile_params.integer("shift_adds");
    if (tile["tile_buffer"].IsDefined())
      sys.tile_buffer = cost(tile["tile_buffer"], "tile.tile_buffer");
    if (tile["bus"].IsDefined()) {
      if (!sys.tile_buffer)
        throw ConfigError(origins.of("tile.bus"), "tile.bus",
                          "a bus carries the tile buffer's words to the input buffers; it needs "
                          "tile.tile_buffer");
      sys.bus = cost(tile["bus"], "tile.bus");
    }
    sys.global_buffer = cost(chip["global_buffer"], "chip.global_buffer");
    sys.noc = cost(chip["noc"], "chip.noc");
    sys.dram = cost(chip["dram"], "chip.dram");
    sys.digital = cost(chip["digital"], "chip.digital");
    if (chip["attention_mac"].IsDefined()) {
      sys.attention_mac = cost(chip["attention_mac"], "chip.attention_mac");
    } else {
      YAML::Node fallback;
      fallback["card"] = std::string(kDefaultAttentionMacCard);
      sys.attention_mac = cost(fallback, "chip.attention_mac");
    }
    // Circuit cards at one node: scaled there when chip.node_nm says so, else a warning when
    // they mix nodes (device cards are not CMOS logic and keep their own figures).
    std::vector<ComponentConfig*> circuits{
        &arch.tile.dac,    &arch.tile.adc,     &sys.sample_hold,   &sys.shift_add,
        &sys.input_buffer, &sys.output_buffer, &sys.global_buffer, &sys.noc,
        &sys.digital,      &sys.attention_mac};
    if (sys.tile_buffer) circuits.push_back(&*sys.tile_buffer);
    if (sys.bus) circuits.push_back(&*sys.bus);
    if (sys.node_m > 0) {
      for (ComponentConfig* c : circuits) scale_to_node(*c, registry, sys.node_m, sys.supply_v);
    } else {
      std::set<double> nodes;
      for (const ComponentConfig* c : circuits)
        if (const YAML::Node n = c->card["technology_node_m"]; n.IsDefined() && n.as<double>() > 0)
          nodes.insert(n.as<double>());
      if (nodes.size() > 1) {
        std::string list;
        for (double n : nodes) append_item(list, to_string(ParamValue(n * 1e9)), ", ");
        arch.warnings.push_back(path + ": circuit cards of different technology nodes (" + list +
                                " nm) are mixed unscaled; set chip.node_nm and "
                                "chip.supply_voltage_v to price them at one node");
      }
    }
    arch.system = sys;
  } else {
    for (const char* key : kTileCosts)
      if (tile[key].IsDefined())
        throw ConfigError(origins.of(std::string("tile.") + key), std::string("tile.") + key,
                          "tile cost components need a chip: section (docs/energy_model.md)");
  }

  YAML::Node resolved(YAML::NodeType::Map);
  resolved["name"] = arch.name;
  resolved["description"] = arch.description;
  resolved["tile"]["rows"] = arch.tile.rows;
  resolved["tile"]["cols"] = arch.tile.cols;
  resolved["tile"]["device"] = component_tree(arch.tile.device);
  resolved["tile"]["dac"] = component_tree(arch.tile.dac);
  resolved["tile"]["adc"] = component_tree(arch.tile.adc);
  for (const auto& [k, v] : mapping.values()) resolved["tile"]["mapping"][k] = to_yaml(v);
  for (const auto& [k, v] : wires.values()) resolved["tile"]["wires"][k] = to_yaml(v);
  resolved["tile"]["arrays"] = arch.tile.arrays;
  resolved["tile"]["adc_shared_columns"] = arch.tile.adc_shared_columns;
  for (const auto& [k, v] : attention.values()) resolved["attention"][k] = to_yaml(v);
  if (arch.system) {
    const SystemConfig& sys = *arch.system;
    resolved["tile"]["sample_hold"] = component_tree(sys.sample_hold);
    resolved["tile"]["shift_add"] = component_tree(sys.shift_add);
    resolved["tile"]["input_buffer"] = component_tree(sys.input_buffer);
    resolved["tile"]["output_buffer"] = component_tree(sys.output_buffer);
    resolved["tile"]["input_buffers"] = sys.input_buffers;
    resolved["tile"]["output_buffers"] = sys.output_buffers;
    resolved["tile"]["shift_adds"] = sys.shift_adds;
    if (sys.tile_buffer) resolved["tile"]["tile_buffer"] = component_tree(*sys.tile_buffer);
    if (sys.bus) resolved["tile"]["bus"] = component_tree(*sys.bus);
    resolved["chip"]["tiles"] = sys.tiles;
    resolved["chip"]["mesh_columns"] = sys.mesh_columns;
    resolved["chip"]["tiles_per_router"] = sys.tiles_per_router;
    resolved["chip"]["node_nm"] = sys.node_m * 1e9;
    resolved["chip"]["supply_voltage_v"] = sys.supply_v;
    resolved["chip"]["input_bit_activity_rel"] = sys.input_bit_activity;
    resolved["chip"]["global_buffer"] = component_tree(sys.global_buffer);
    resolved["chip"]["noc"] = component_tree(sys.noc);
    resolved["chip"]["dram"] = component_tree(sys.dram);
    resolved["chip"]["digital"] = component_tree(sys.digital);
    resolved["chip"]["attention_mac"] = component_tree(sys.attention_mac);
  }
  arch.resolved = resolved;
  check_single_pricing(arch, registry);
  return arch;
}

}  // namespace xbarsim
