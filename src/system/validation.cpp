// xbarsim validate: designs, metrics and the comparison (docs/validation.md).
#include "xbarsim/system/validation.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/system/analog_system.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/workload.hpp"

namespace fs = std::filesystem;

namespace xbarsim {

namespace {

// The array side of a macro: what a macro's published efficiency covers.
const char* kMacroParts[] = {"cell", "dac", "adc", "sample_hold"};

std::string resolve(const fs::path& base, const YAML::Node& n) {
  if (!n.IsDefined()) return "";
  const fs::path p(n.Scalar());
  return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

double required_real(const YAML::Node& n, const std::string& file, const std::string& key) {
  double v;
  if (!n.IsDefined() || !n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    throw ConfigError(file, key, "expected a finite number");
  return v;
}

std::string required_text(const YAML::Node& n, const std::string& file, const std::string& key) {
  if (!n.IsDefined() || !n.IsScalar() || n.Scalar().empty())
    throw ConfigError(file, key, "expected a non-empty text");
  return n.Scalar();
}

// The metrics one simulated design offers, by name.
class Metrics {
 public:
  Metrics(const ValidationDesign& d, const Registry& registry) : design_(d) {
    Workload w;
    if (!d.workload.empty()) w = load_workload(d.workload);
    if (!d.arch.empty()) {
      const ArchConfig arch = load_arch(d.arch, {}, registry);
      if (!arch.system) throw ConfigError(d.arch, "chip", "a validated design needs its chip");
      if (d.workload.empty()) w = one_layer(arch);
      const SystemReport r = estimate_analog(w, arch, registry, d.batch);
      const double tiles = static_cast<double>(arch.system->tiles);
      double tile_w = 0, macro_w = 0, macro_m2 = 0, tile_m2 = 0;
      for (const PowerLine& p : r.peak_power) {
        set("peak_power_w.tile." + p.component, p.per_tile_w);
        tile_w += p.per_tile_w;
        if (is_macro_part(p.component)) macro_w += p.per_tile_w;
      }
      set("peak_power_w.tile.total", tile_w);
      set("peak_power_w.chip.total", r.peak_power_per_chip_w());
      std::map<std::string, double> area;
      for (const AreaLine& a : r.area) area[a.component] += a.area_m2();
      for (const auto& [component, m2] : area) {
        if (component == "global_buffer") {  // one per chip, not per tile
          set("area_m2.chip.global_buffer", m2);
          continue;
        }
        set("area_m2.tile." + component, m2 / tiles);
        tile_m2 += m2 / tiles;
        if (is_macro_part(component)) macro_m2 += m2 / tiles;
      }
      set("area_m2.tile.total", tile_m2);
      set("area_m2.chip.total", r.area_m2());
      // A macro's bit-normalised rate: 2 operations (a 1-bit multiply and an add) per cell
      // read, at full activity.
      const double ops = 2.0 * r.peak_cell_reads_per_s;
      set("macro.tops", ops / 1e12);
      if (macro_w > 0) set("macro.tops_per_w", ops / macro_w / 1e12);
      if (macro_m2 > 0) set("macro.tops_per_mm2", ops / 1e12 / (macro_m2 * 1e6));
      const auto adc = registry.make_adc(arch.tile.adc.model, arch.tile.adc.params);
      set("adc.energy_per_conversion_j", adc->energy_per_conversion_j());
    }
    if (!d.digital.empty()) {
      if (d.workload.empty())
        throw ConfigError(d.file, "workload", "a digital design needs a workload");
      const DigitalBaseline base = load_digital(d.digital, {}, registry);
      const SystemReport r = estimate_digital(w, base, d.batch);
      double mac_j = 0;
      for (const ActionLine& a : r.actions) {
        add("digital.count." + a.component + "." + a.action, a.count);
        add("digital.energy_j." + a.component, a.energy_j());
        if (a.component == "mac") mac_j = a.energy_per_action_j;
      }
      set("digital.energy_j.total", r.energy_j());
      // Energy of one operand-wide access (precision_bits bits) relative to one MAC.
      if (mac_j > 0)
        for (const ActionLine& a : r.actions)
          if (a.action == "read_bit" || a.action == "bit_hop")
            set("digital.access_energy_rel_mac." + a.component,
                a.energy_per_action_j * base.precision_bits / mac_j);
    }
  }

  double at(const std::string& metric) const {
    const auto it = values_.find(metric);
    if (it == values_.end()) {
      std::string known;
      for (const auto& [k, v] : values_) known += (known.empty() ? "" : ", ") + k;
      throw ConfigError(design_.file, "rows." + metric,
                        "unknown metric for this design; it offers: " + known);
    }
    return it->second;
  }

 private:
  static bool is_macro_part(const std::string& c) {
    return std::find(std::begin(kMacroParts), std::end(kMacroParts), c) != std::end(kMacroParts);
  }
  void set(const std::string& k, double v) { values_[k] = v; }
  void add(const std::string& k, double v) { values_[k] += v; }
  // Peak power and area do not depend on the workload; a one-layer dense network that fills
  // one array gives the estimator something to place.
  static Workload one_layer(const ArchConfig& arch) {
    Workload w;
    w.name = "one_array";
    const Index in = arch.tile.rows, out = 1;
    w.input_shape = {in, 1, 1, true};
    LayerWork fc;
    fc.name = "fc";
    fc.type = LayerType::kDense;
    fc.inputs = {kNetworkInput};
    fc.in_shape = w.input_shape;
    fc.out_shape = {out, 1, 1, true};
    fc.matrix_rows = in;
    fc.matrix_cols = out;
    fc.vectors_per_sample = 1;
    w.layers = {fc};
    w.num_classes = 1;
    return w;
  }

  const ValidationDesign& design_;
  std::map<std::string, double> values_;
};

}  // namespace

std::string validation_dir() {
  return data_dir() + "/validation";
}

std::vector<std::string> validation_design_names() {
  std::vector<std::string> names;
  if (!fs::is_directory(validation_dir())) return names;
  for (const auto& e : fs::directory_iterator(validation_dir()))
    if (e.is_directory() && fs::is_regular_file(e.path() / "design.yaml"))
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

ValidationDesign load_validation_design(const std::string& file) {
  const YAML::Node root = load_yaml_file(file);
  if (!root.IsMap()) throw ConfigError(file, "", "expected a map at the top level");
  check_keys(root, {"title", "source", "arch", "digital", "workload", "batch", "rows"}, file, "");
  ValidationDesign d;
  d.file = file;
  d.name = fs::path(file).parent_path().filename().string();
  d.title = required_text(root["title"], file, "title");
  required_text(root["source"], file, "source");
  const fs::path base = fs::path(file).parent_path();
  d.arch = resolve(base, root["arch"]);
  d.digital = resolve(base, root["digital"]);
  d.workload = resolve(base, root["workload"]);
  if (d.arch.empty() && d.digital.empty())
    throw ConfigError(file, "arch", "a design needs an arch (in-memory) or a digital file");
  if (root["batch"].IsDefined()) d.batch = required_real(root["batch"], file, "batch");
  if (!(d.batch >= 1)) throw ConfigError(file, "batch", "expected a batch >= 1");
  const YAML::Node rows = root["rows"];
  if (!rows.IsSequence() || rows.size() == 0)
    throw ConfigError(file, "rows", "expected a list of published figures");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string key = "rows[" + std::to_string(i) + "]";
    const YAML::Node r = rows[i];
    if (!r.IsMap()) throw ConfigError(file, key, "expected a map");
    check_keys(r, {"metric", "published", "source", "tolerance_rel", "tolerance_source", "kind"},
               file, key);
    ValidationRow row;
    row.metric = required_text(r["metric"], file, key + ".metric");
    row.published = required_real(r["published"], file, key + ".published");
    if (row.published == 0)
      throw ConfigError(file, key + ".published", "a published figure of 0 has no relative error");
    row.source = required_text(r["source"], file, key + ".source");
    row.tolerance_rel = required_real(r["tolerance_rel"], file, key + ".tolerance_rel");
    if (!(row.tolerance_rel >= 0 && row.tolerance_rel < 1))
      throw ConfigError(file, key + ".tolerance_rel", "expected 0 <= tolerance < 1");
    row.tolerance_source = required_text(r["tolerance_source"], file, key + ".tolerance_source");
    row.kind = required_text(r["kind"], file, key + ".kind");
    if (row.kind != "independent" && row.kind != "consistency")
      throw ConfigError(file, key + ".kind", "expected 'independent' or 'consistency'");
    d.rows.push_back(row);
  }
  return d;
}

std::vector<ValidationResult> run_validation(const ValidationDesign& d, const Registry& registry) {
  const Metrics metrics(d, registry);
  std::vector<ValidationResult> out;
  for (const ValidationRow& row : d.rows) {
    ValidationResult r;
    r.design = d.name;
    r.metric = row.metric;
    r.kind = row.kind;
    r.source = row.source;
    r.published = row.published;
    r.simulated = metrics.at(row.metric);
    r.error_rel = std::abs(r.simulated - r.published) / std::abs(r.published);
    r.tolerance_rel = row.tolerance_rel;
    out.push_back(r);
  }
  return out;
}

}  // namespace xbarsim
