#include "report_format.hpp"

#include <cstdio>
#include <set>
#include <vector>

#include "xbarsim/system/report_json.hpp"

namespace xbarsim::app {

namespace {
std::string eng(double v, const char* unit) {
  static const std::vector<std::pair<double, const char*>> prefixes = {
      {1e-15, "f"}, {1e-12, "p"}, {1e-9, "n"}, {1e-6, "u"}, {1e-3, "m"},
      {1, ""},      {1e3, "k"},   {1e6, "M"},  {1e9, "G"},  {1e12, "T"}};
  char buf[64];
  if (v == 0) {
    std::snprintf(buf, sizeof(buf), "0 %s", unit);
    return buf;
  }
  auto p = prefixes.front();
  for (const auto& cand : prefixes)
    if (std::abs(v) >= cand.first) p = cand;
  std::snprintf(buf, sizeof(buf), "%.3g %s%s", v / p.first, p.second, unit);
  return buf;
}

void print_breakdown(std::ostream& out, const SystemReport& r) {
  const double total = r.energy_j();
  out << "\nenergy by component (" << r.name << ", whole batch)\n";
  for (const auto& [k, v] : energy_by_component(r)) {
    char line[128];
    std::snprintf(line, sizeof(line), "  %-15s %14s  %5.1f %%\n", k.c_str(), eng(v, "J").c_str(),
                  total > 0 ? 100 * v / total : 0.0);
    out << line;
  }
  out << "area by component (" << r.name << ")\n";
  const double area = r.area_m2();
  for (const auto& [k, v] : area_by_component(r)) {
    char line[128];
    std::snprintf(line, sizeof(line), "  %-15s %11.4g mm2  %5.1f %%\n", k.c_str(), v * 1e6,
                  area > 0 ? 100 * v / area : 0.0);
    out << line;
  }
  // Long per-layer lists stay readable: the first few notes, then a count (all of them are
  // in --format json).
  constexpr std::size_t kShownNotes = 4;
  for (std::size_t i = 0; i < r.notes.size() && i < kShownNotes; ++i)
    out << "note: " << r.notes[i] << "\n";
  if (r.notes.size() > kShownNotes)
    out << "note: ... and " << r.notes.size() - kShownNotes << " more (see --format json)\n";
}
}  // namespace

static void print_peak_power(std::ostream& out, const SystemReport& r) {
  out << "peak power at full activity (" << r.name << ")\n";
  char head[128];
  std::snprintf(head, sizeof(head), "  %-15s %14s %14s\n", "", "per tile", "per chip");
  out << head;
  for (const PowerLine& p : r.peak_power) {
    char line[128];
    std::snprintf(line, sizeof(line), "  %-15s %14s %14s\n", p.component.c_str(),
                  eng(p.per_tile_w, "W").c_str(), eng(p.per_chip_w, "W").c_str());
    out << line;
  }
  char total[128];
  std::snprintf(total, sizeof(total), "  %-15s %14s %14s\n", "total",
                eng(r.peak_power_per_tile_w(), "W").c_str(),
                eng(r.peak_power_per_chip_w(), "W").c_str());
  out << total;
}

namespace {

// What a layer of the in-memory chip runs on, from the components its actions price: weight
// MVMs on the crossbars (cells), attention's products of activations on the digital MAC unit
// or on arrays rewritten for every sample, else the digital unit alone. "network" is the input
// and the logits.
std::string layer_kind(const SystemReport& a, const std::string& layer) {
  if (layer == "network") return "input/logits";
  bool attention = false, cells = false;
  for (const ActionLine& l : a.actions) {
    if (l.layer != layer) continue;
    // Cells written while the network runs: attention's K and V arrays, rewritten per sample.
    if (l.component == "cell" && l.action == "write") return "in-memory attention";
    cells = cells || l.component == "cell";
    attention = attention || l.component == "attention_mac";
  }
  if (cells) return "analog MVM";
  return attention ? "digital attention" : "digital";
}

// Layers in network order (the order of the analog report's lines), each with what it runs
// on, then the energy of each kind: what runs in the crossbars against what stays digital.
void print_layer_table(std::ostream& out, const SystemReport& a, const SystemReport* d) {
  out << "\nenergy by layer (whole batch)\n";
  const auto al = energy_by_layer(a);
  const auto dl = d ? energy_by_layer(*d) : std::map<std::string, double>{};
  std::vector<std::string> names;
  std::set<std::string> seen{"network"};
  for (const ActionLine& l : a.actions)
    if (seen.insert(l.layer).second) names.push_back(l.layer);
  if (d)
    for (const ActionLine& l : d->actions)
      if (seen.insert(l.layer).second) names.push_back(l.layer);
  names.push_back("network");
  char head[200];
  std::snprintf(head, sizeof(head), "  %-22s %-18s %16s %16s\n", "layer", "in-memory runs as",
                "in-memory", d ? "digital" : "");
  out << head;
  std::map<std::string, std::pair<double, double>> by_kind;
  std::vector<std::string> kinds;
  for (const std::string& n : names) {
    const double av = al.count(n) ? al.at(n) : 0, dv = dl.count(n) ? dl.at(n) : 0;
    const std::string kind = layer_kind(a, n);
    if (!by_kind.count(kind)) kinds.push_back(kind);
    by_kind[kind].first += av;
    by_kind[kind].second += dv;
    char line[240];
    std::snprintf(line, sizeof(line), "  %-22s %-18s %16s %16s\n", n.c_str(), kind.c_str(),
                  eng(av, "J").c_str(), d ? eng(dv, "J").c_str() : "");
    out << line;
  }
  out << "energy by kind of layer (whole batch)\n";
  for (const std::string& k : kinds) {
    char line[200];
    std::snprintf(line, sizeof(line), "  %-41s %16s %16s\n", k.c_str(),
                  eng(by_kind[k].first, "J").c_str(), d ? eng(by_kind[k].second, "J").c_str() : "");
    out << line;
  }
}

}  // namespace

void print_comparison(std::ostream& out, const SystemReport& a, const SystemReport* d,
                      double inferences_per_load) {
  auto row = [&](const char* label, const std::string& av, const std::string& dv, double ratio) {
    char line[200];
    if (d)
      std::snprintf(line, sizeof(line), "  %-22s %16s %16s %12.3g\n", label, av.c_str(), dv.c_str(),
                    ratio);
    else
      std::snprintf(line, sizeof(line), "  %-22s %16s\n", label, av.c_str());
    out << line;
  };
  char head[200];
  std::snprintf(head, sizeof(head), "  %-22s %16s %16s %12s\n", "", "in-memory", d ? "digital" : "",
                d ? "digital/imc" : "");
  out << head;
  const double b = a.batch;
  const double ea = a.energy_per_inference_j(inferences_per_load);
  const double ed = d ? d->energy_per_inference_j(inferences_per_load) : 0;
  row(inferences_per_load > 0 ? "energy per inference*" : "energy per inference", eng(ea, "J"),
      d ? eng(ed, "J") : "", d ? ed / ea : 0);
  auto category = [&](const char* label, EnergyCategory c) {
    const double av = a.energy_j(c) / b, dv = d ? d->energy_j(c) / b : 0;
    row(label, eng(av, "J"), d ? eng(dv, "J") : "", d && av > 0 ? dv / av : 0);
  };
  category("  compute", EnergyCategory::kCompute);
  category("  on-chip movement", EnergyCategory::kOnChipMovement);
  category("  DRAM", EnergyCategory::kDram);
  row("one-time weight load", eng(a.setup_energy_j(), "J"), d ? eng(d->setup_energy_j(), "J") : "",
      d && a.setup_energy_j() > 0 ? d->setup_energy_j() / a.setup_energy_j() : 0);
  row("  its time", eng(a.setup_time_s, "s"), d ? eng(d->setup_time_s, "s") : "",
      d && a.setup_time_s > 0 ? d->setup_time_s / a.setup_time_s : 0);
  row("latency (batch)", eng(a.latency_s, "s"), d ? eng(d->latency_s, "s") : "",
      d ? d->latency_s / a.latency_s : 0);
  row("throughput", eng(a.throughput_per_s, "inf/s"), d ? eng(d->throughput_per_s, "inf/s") : "",
      d ? d->throughput_per_s / a.throughput_per_s : 0);
  auto plain = [](double v, const char* unit) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.3g %s", v, unit);
    return std::string(buf);
  };
  row("area", plain(a.area_m2() * 1e6, "mm2"), d ? plain(d->area_m2() * 1e6, "mm2") : "",
      d ? d->area_m2() / a.area_m2() : 0);
  row("TOPS/W", plain(a.tops_per_w(), ""), d ? plain(d->tops_per_w(), "") : "",
      d ? d->tops_per_w() / a.tops_per_w() : 0);
  row("TOPS/mm2", plain(a.tops_per_mm2(), ""), d ? plain(d->tops_per_mm2(), "") : "",
      d ? d->tops_per_mm2() / a.tops_per_mm2() : 0);
  row("peak power (chip)", eng(a.peak_power_per_chip_w(), "W"),
      d ? eng(d->peak_power_per_chip_w(), "W") : "",
      d ? d->peak_power_per_chip_w() / a.peak_power_per_chip_w() : 0);
  if (inferences_per_load > 0)
    out << "  * including the one-time weight load shared over "
        << static_cast<long long>(inferences_per_load) << " inferences\n";
  print_breakdown(out, a);
  if (d) print_breakdown(out, *d);
  out << "\n";
  print_peak_power(out, a);
  if (d) print_peak_power(out, *d);
  print_layer_table(out, a, d);
}

}  // namespace xbarsim::app
