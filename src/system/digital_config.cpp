// Strict loading of digital-baseline files (data/arch/digital/*.yaml): every key declared,
// every value checked, every contradiction a ConfigError naming the file and the key.
#include <algorithm>
#include <filesystem>
#include <set>
#include <variant>

#include "xbarsim/config/section_loader.hpp"
#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"
#include "xbarsim/system/digital_baseline.hpp"

namespace fs = std::filesystem;

namespace xbarsim {

void register_digital_sections(Registry& registry) {
  registry.add_section(ModelSpec{
      kDigitalSection,
      ModelKind::kSection,
      "Digital baseline: array precision, clock and dataflow (top level of "
      "data/arch/digital/*.yaml)",
      "docs/digital_baseline.md#configuration",
      {
          int_param("precision_bits", "bit", 8, 1, 32,
                    "b: bits of a weight and of an activation (operands of one MAC)"),
          int_param("accumulator_bits", "bit", 32, 2, 64,
                    "p: bits of a partial sum (at least 2b, the width of one product)"),
          real_param("clock_hz", "Hz", std::nullopt, 1e3, 1e11,
                     "PE array clock; each PE does one MAC per cycle"),
          choice_param("dataflow", std::string("weight_stationary"), {"weight_stationary"},
                       "weight_stationary: a weight tile stays in the PEs while every input "
                       "vector of the batch streams through (docs/digital_baseline.md)"),
      }});
  registry.add_section(
      ModelSpec{kDigitalPeArraySection,
                ModelKind::kSection,
                "Digital baseline: the PE array (key path pe_array.*)",
                "docs/digital_baseline.md#configuration",
                {
                    int_param("rows", "1", std::nullopt, 1, 4096,
                              "R: PE rows, the reduction inputs one weight tile covers"),
                    int_param("cols", "1", std::nullopt, 1, 4096,
                              "C: PE columns, the output channels one weight tile covers"),
                }});
}

namespace {

const std::set<std::string> kComponents{"mac",           "logic", "register_file", "global_buffer",
                                        "weight_buffer", "noc",   "dram"};
const std::set<std::string> kTopLevel{"name",     "description",    "pe_array",         "mac",
                                      "logic",    "register_file",  "global_buffer",    "noc",
                                      "dram",     "precision_bits", "accumulator_bits", "clock_hz",
                                      "dataflow", "weight_buffer"};

// load_section() joins paths with '.', which gives ".key" at the top level: load the top
// level through it and strip the leading dot from any error, naming the --set if it was one.
ParamSet load_top_level(const YAML::Node& root, const ModelSpec& spec, const Origins& origins) {
  std::set<std::string> skip{"name", "description", "pe_array"};
  skip.insert(kComponents.begin(), kComponents.end());
  try {
    return load_section(root, "", skip, spec, origins);
  } catch (const ConfigError& e) {
    if (e.key().empty() || e.key()[0] != '.') throw;
    const std::string key = e.key().substr(1);
    const std::string prefix =
        (e.file().empty() ? std::string("config") : e.file()) + ": key '" + e.key() + "': ";
    std::string what = e.what();
    if (what.rfind(prefix, 0) == 0) what = what.substr(prefix.size());
    throw ConfigError(e.file() == origins.file() ? origins.of(key) : e.file(), key, what);
  }
}

bool has_action(const CostModel& m, const std::string& action) {
  const std::vector<std::string> a = m.actions();
  return std::find(a.begin(), a.end(), action) != a.end();
}

void require_actions(const DigitalComponent& c, const std::string& key,
                     const std::vector<std::string>& actions, const Origins& origins) {
  for (const std::string& a : actions) {
    if (has_action(*c.model, a)) continue;
    std::string offered;
    for (const std::string& o : c.model->actions()) append_item(offered, o, ", ");
    throw ConfigError(origins.of(key + ".card"), key + ".card",
                      "model '" + c.config.model + "' (" + c.config.card_path +
                          ") does not price action '" + a + "' that " + key +
                          " needs; it offers: " + offered);
  }
}

DigitalComponent make_component(const YAML::Node& root, const std::string& key,
                                const Origins& origins, const Registry& registry) {
  DigitalComponent c;
  c.config = load_component(root[key], key, ModelKind::kCost, origins, registry);
  c.model = registry.make_cost(c.config.model, c.config.params);
  return c;
}

double capacity_of(const DigitalComponent& c, const std::string& key, const Origins& origins) {
  const std::string full = key + ".capacity_bits";
  if (!c.config.params.has("capacity_bits"))
    throw ConfigError(origins.of(full), full,
                      "model '" + c.config.model + "' declares no capacity_bits; " + key +
                          " needs a memory model (see xbarsim describe)");
  const ParamValue& v = c.config.params.values().at("capacity_bits");
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  throw ConfigError(origins.of(full), full, "expected a number of bits");
}

std::string bits_text(double bits) {
  return std::to_string(static_cast<long long>(bits)) + " bits";
}

}  // namespace

DigitalBaseline load_digital(const std::string& path, const std::vector<Override>& overrides,
                             const Registry& registry) {
  YAML::Node root = load_yaml_file(path);
  if (!root.IsMap()) throw ConfigError(path, "", "expected a map at the top level");
  for (const Override& o : overrides) apply_override(root, o);
  const Origins origins(path, overrides);
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (!kTopLevel.count(key)) {
      std::string known;
      for (const std::string& k : kTopLevel) append_item(known, k, ", ");
      throw ConfigError(origins.of(key), key, "unknown key; expected one of: " + known);
    }
  }

  DigitalBaseline d;
  d.file = path;
  d.name = root["name"].IsScalar() ? root["name"].Scalar() : fs::path(path).stem().string();
  d.description = root["description"].IsScalar() ? root["description"].Scalar() : "";

  const ParamSet top = load_top_level(root, registry.spec(kDigitalSection), origins);
  d.precision_bits = static_cast<int>(top.integer("precision_bits"));
  d.accumulator_bits = static_cast<int>(top.integer("accumulator_bits"));
  d.clock_hz = top.real("clock_hz");
  d.dataflow = Dataflow::kWeightStationary;  // the only choice the spec admits
  if (d.accumulator_bits < 2 * d.precision_bits)
    throw ConfigError(origins.of("accumulator_bits"), "accumulator_bits",
                      std::to_string(d.accumulator_bits) + " bits cannot hold one product of two " +
                          std::to_string(d.precision_bits) + "-bit operands (needs at least " +
                          std::to_string(2 * d.precision_bits) + ")");

  const YAML::Node pe_array = root["pe_array"];
  if (!pe_array.IsDefined())
    throw ConfigError(origins.file(), "pe_array", "missing section; expected {rows, cols}");
  const ParamSet pe =
      load_section(pe_array, "pe_array", {}, registry.spec(kDigitalPeArraySection), origins);
  d.pe_rows = pe.integer("rows");
  d.pe_cols = pe.integer("cols");

  d.mac = make_component(root, "mac", origins, registry);
  require_actions(d.mac, "mac", {kActionMac}, origins);
  if (root["logic"].IsDefined()) {
    d.logic = make_component(root, "logic", origins, registry);
    require_actions(d.logic, "logic", {kActionAdd}, origins);
  } else {
    require_actions(d.mac, "mac", {kActionAdd}, origins);
  }
  d.register_file = make_component(root, "register_file", origins, registry);
  require_actions(d.register_file, "register_file", {kActionReadBit, kActionWriteBit}, origins);
  d.register_file.capacity_bits = capacity_of(d.register_file, "register_file", origins);
  d.global_buffer = make_component(root, "global_buffer", origins, registry);
  require_actions(d.global_buffer, "global_buffer", {kActionReadBit, kActionWriteBit}, origins);
  d.global_buffer.capacity_bits = capacity_of(d.global_buffer, "global_buffer", origins);
  if (root["weight_buffer"].IsDefined()) {
    d.weight_buffer = make_component(root, "weight_buffer", origins, registry);
    require_actions(d.weight_buffer, "weight_buffer", {kActionReadBit, kActionWriteBit}, origins);
    d.weight_buffer.capacity_bits = capacity_of(d.weight_buffer, "weight_buffer", origins);
  }
  if (root["noc"].IsDefined()) {
    d.noc = make_component(root, "noc", origins, registry);
    require_actions(d.noc, "noc", {kActionBitHop}, origins);
  }
  d.dram = make_component(root, "dram", origins, registry);
  require_actions(d.dram, "dram", {kActionReadBit, kActionWriteBit}, origins);
  // The DRAM card's time per bit is the inverse of its bandwidth.
  const double dram_bit_s = d.dram.model->cost(kActionReadBit).latency_s;
  d.dram_bandwidth_bits_per_s = dram_bit_s > 0 ? 1.0 / dram_bit_s : 0.0;

  // A MAC card labelled with an operand format must match precision_bits.
  if (d.mac.config.params.has("precision")) {
    const std::string format = d.mac.config.params.choice("precision");
    const auto digits = format.find_first_of("0123456789");
    if (digits != std::string::npos && std::stoi(format.substr(digits)) != d.precision_bits)
      throw ConfigError(origins.of("precision_bits"), "precision_bits",
                        std::to_string(d.precision_bits) + " bits, but the MAC card " +
                            d.mac.config.card_path + " prices " + format +
                            " operations; choose a card of that precision");
  }
  // Each PE finishes one MAC per cycle.
  const double mac_s = d.mac.model->cost(kActionMac).latency_s;
  if (mac_s > 0 && d.clock_hz * mac_s > 1.0 + 1e-9)
    throw ConfigError(origins.of("clock_hz"), "clock_hz",
                      std::to_string(d.clock_hz) +
                          " Hz is faster than the MAC card allows: " + "one MAC takes " +
                          std::to_string(mac_s) + " s (" + d.mac.config.card_path + ")");

  // Contradictions between sections.
  if (d.register_file.capacity_bits < d.register_file_min_bits())
    throw ConfigError(origins.of("register_file.capacity_bits"), "register_file.capacity_bits",
                      bits_text(d.register_file.capacity_bits) +
                          " cannot hold what one PE keeps: two weights, one activation and one "
                          "partial sum (3 x " +
                          std::to_string(d.precision_bits) + " + " +
                          std::to_string(d.accumulator_bits) + " = " +
                          bits_text(d.register_file_min_bits()) + ")");
  if (d.global_buffer.capacity_bits < d.weight_tile_bits())
    throw ConfigError(origins.of("global_buffer.capacity_bits"), "global_buffer.capacity_bits",
                      bits_text(d.global_buffer.capacity_bits) +
                          " cannot hold one weight tile (pe_array.rows x pe_array.cols x "
                          "precision_bits = " +
                          std::to_string(d.pe_rows) + " x " + std::to_string(d.pe_cols) + " x " +
                          std::to_string(d.precision_bits) + " = " +
                          bits_text(d.weight_tile_bits()) + ")");

  YAML::Node resolved(YAML::NodeType::Map);
  resolved["name"] = d.name;
  resolved["description"] = d.description;
  for (const auto& [k, v] : top.values()) resolved[k] = to_yaml(v);
  resolved["pe_array"]["rows"] = d.pe_rows;
  resolved["pe_array"]["cols"] = d.pe_cols;
  const std::pair<const char*, const DigitalComponent*> components[] = {
      {"mac", &d.mac},
      {"logic", &d.logic},
      {"register_file", &d.register_file},
      {"global_buffer", &d.global_buffer},
      {"weight_buffer", &d.weight_buffer},
      {"noc", &d.noc},
      {"dram", &d.dram}};
  for (const auto& [key, c] : components)
    if (c->present()) resolved[key] = component_tree(c->config);
  d.resolved = resolved;
  return d;
}

}  // namespace xbarsim
