#include "xbarsim/config/node_scaling.hpp"

#include <array>
#include <cmath>
#include <stdexcept>

#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"

namespace xbarsim {

namespace {

// Stillmaker and Baas 2017: per node, delay d3 V^3 + d2 V^2 + d1 V + d0, energy
// e2 V^2 + e1 V + e0, power p2 V^2 + p1 V + p0 (relative units: only ratios matter). From
// 45 nm down the paper fits high-performance (HP) and low-power (LP) devices; this table takes
// the HP rows, the devices of the logic the cards describe (their worked example also uses
// HP 32 nm). Area: the paper's area factor from 180 nm to each node.
struct NodeRow {
  double node_nm;
  std::array<double, 4> delay;   // d3, d2, d1, d0
  std::array<double, 3> energy;  // e2, e1, e0
  std::array<double, 3> power;   // p2, p1, p0
  double area_from_180nm;
};

constexpr NodeRow kRows[] = {
    {180, {0, 97.09, -356.7, 406.5}, {0, 24.64, -17.98}, {0, 101000, -79720}, 1.0},
    {130, {-76.65, 334.9, -493.4, 275.8}, {7.171, -6.709, 2.904}, {27020, -15450, 5630}, 0.34},
    {90, {-60.34, 262.5, -384.2, 210.9}, {4.762, -4.781, 2.092}, {17320, -11230, 4328}, 0.15},
    {65, {-53.3, 230.4, -333.9, 178.6}, {3.755, -4.398, 1.975}, {12890, -10510, 4362}, 0.08},
    {45, {-501.6, 1567, -1619, 566.1}, {1.018, -0.3107, 0.1539}, {5462, -1760, 522.4}, 0.053},
    {32, {-1047, 2982, -2797, 873.5}, {0.8367, -0.4341, 0.1701}, {4001, -1733, 533.6}, 0.025},
    {20, {0, 34.63, -66.37, 41.15}, {0.373, -0.1582, 0.04104}, {2922, -1286, 299.9}, 0.011},
    {16, {0, 24.8, -47.52, 28.87}, {0.2958, -0.1241, 0.03024}, {2133, -882.6, 197.7}, 0.01},
    {14, {-40.66, 109.2, -100.6, 35.92}, {0.2363, -0.09675, 0.02239}, {1675, -711, 159}, 0.0093},
    {10, {-34.95, 93.65, -85.99, 30.4}, {0.2068, -0.09311, 0.02375}, {1456, -621.6, 143.8}, 0.0055},
    {7, {-28.58, 76.6, -70.26, 24.69}, {0.1776, -0.09097, 0.02447}, {1179, -515.7, 123.4}, 0.0032},
};

const NodeRow& row_of(double node_m) {
  for (const NodeRow& r : kRows)
    if (std::abs(r.node_nm * 1e-9 - node_m) < 1e-12) return r;
  throw std::invalid_argument("node " + std::to_string(node_m * 1e9) + " nm is not in the fit (" +
                              known_nodes_text() + ")");
}

double poly(const double* c, int n, double v) {
  double y = 0;
  for (int i = 0; i < n; ++i) y = y * v + c[i];
  return y;
}

}  // namespace

std::vector<double> known_nodes_m() {
  std::vector<double> out;
  for (const NodeRow& r : kRows) out.push_back(r.node_nm * 1e-9);
  return out;
}

bool is_known_node(double node_m) {
  for (const NodeRow& r : kRows)
    if (std::abs(r.node_nm * 1e-9 - node_m) < 1e-12) return true;
  return false;
}

std::string known_nodes_text() {
  std::string s;
  for (const NodeRow& r : kRows) append_item(s, std::to_string(static_cast<int>(r.node_nm)), ", ");
  return s + " nm";
}

NodeFactors node_scaling(double from_node_m, double from_v, double to_node_m, double to_v) {
  if (!(from_v > 0) || !(to_v > 0)) throw std::invalid_argument("supply voltage must be > 0 V");
  const NodeRow& a = row_of(from_node_m);
  const NodeRow& b = row_of(to_node_m);
  NodeFactors f;
  f.energy = poly(b.energy.data(), 3, to_v) / poly(a.energy.data(), 3, from_v);
  f.delay = poly(b.delay.data(), 4, to_v) / poly(a.delay.data(), 4, from_v);
  f.power = poly(b.power.data(), 3, to_v) / poly(a.power.data(), 3, from_v);
  f.area = b.area_from_180nm / a.area_from_180nm;
  if (!(f.energy > 0) || !(f.delay > 0) || !(f.power > 0))
    throw std::invalid_argument("the fit gives a non-positive factor at these supply voltages");
  return f;
}

void scale_to_node(ComponentConfig& c, const Registry& registry, double node_m, double supply_v) {
  const YAML::Node node_key = c.card["technology_node_m"];
  const double card_node = node_key.IsDefined() ? node_key.as<double>() : 0.0;
  // Off chip (DRAM is a memory process of its own, not this chip's logic) or not a physical
  // design: nothing to scale.
  if (card_node <= 0 || c.model == "memory.dram") return;
  const YAML::Node v_key = c.card["supply_voltage_v"];
  if (!v_key.IsDefined() || !v_key.IsScalar())
    throw ConfigError(c.card_path, "supply_voltage_v",
                      "missing; chip.node_nm scales this card from its own node and supply, so "
                      "the card must name its supply voltage");
  if (!is_known_node(card_node))
    throw ConfigError(c.card_path, "technology_node_m",
                      std::to_string(card_node * 1e9) +
                          " nm is not a node of the Stillmaker-Baas fit used to scale cards (" +
                          known_nodes_text() + ")");
  const NodeFactors f = node_scaling(card_node, v_key.as<double>(), node_m, supply_v);
  const ModelSpec& spec = registry.spec(c.model);
  ParamSet scaled(c.params.origin());
  for (const auto& [key, value] : c.params.values()) {
    const ParamSpec* p = spec.find(key);
    const double* d = std::get_if<double>(&value);
    if (key == "technology_node_m" && d) {
      scaled.set(key, node_m);
      continue;
    }
    if (!p || !d) {
      scaled.set(key, value);
      continue;
    }
    double factor = 1;
    if (p->unit == "J")
      factor = f.energy;
    else if (p->unit == "s")
      factor = f.delay;
    else if (p->unit == "W")
      factor = f.power;
    else if (p->unit == "m2")
      factor = f.area;
    scaled.set(key, *d * factor);
  }
  c.params = scaled;
}

}  // namespace xbarsim
