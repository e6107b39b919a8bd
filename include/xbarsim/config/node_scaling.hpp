#pragma once
// Technology-node scaling of circuit cards (docs/costs.md#node-scaling): the fitted factors of
// A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS device
// performance from 180 nm to 7 nm", Integration 58:74-81, 2017 (doi 10.1016/j.vlsi.2017.02.002).
// Energy, delay and power are polynomials in the supply voltage per node (their Table 5 form);
// area is their node-to-node area table. A value at (node A, V_A) moves to (node B, V_B) by the
// ratio of the factors.
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

struct NodeFactors {
  double energy = 1, delay = 1, power = 1, area = 1;
};

// Nodes of the published fit, in metres (180 nm down to 7 nm; there is no 22 or 28 nm row).
std::vector<double> known_nodes_m();
bool is_known_node(double node_m);
std::string known_nodes_text();  // "180, 130, ... 7 nm"

// Ratios that move a figure from (from_node_m, from_v) to (to_node_m, to_v). Throws
// std::invalid_argument for a node outside known_nodes_m() or a non-positive voltage.
NodeFactors node_scaling(double from_node_m, double from_v, double to_node_m, double to_v);

// Scales every energy (J), time (s), power (W) and area (m2) parameter of a circuit card to
// the target node and supply, and sets its technology_node_m. Cards without a node (0, e.g.
// off-chip DRAM) are left alone. Throws ConfigError naming the card when it lacks
// supply_voltage_v or its node is not in the fit.
void scale_to_node(ComponentConfig& component, const Registry& registry, double node_m,
                   double supply_v);

}  // namespace xbarsim
