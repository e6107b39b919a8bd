#include "circuits/action_table.hpp"

#include "xbarsim/core/error.hpp"

namespace xbarsim::circuits {

std::vector<std::string> ActionTableCost::actions() const {
  std::vector<std::string> out;
  out.reserve(table_.size());
  for (const auto& [action, cost] : table_) out.push_back(action);
  return out;
}

ActionCost ActionTableCost::cost(const std::string& action) const {
  std::string known;
  for (const auto& [name, cost] : table_) {
    if (name == action) return cost;
    known += known.empty() ? name : ", " + name;
  }
  throw ConfigError(origin_, "action",
                    name_ + " has no action '" + action + "'; its actions are: " + known);
}

ParamSpec technology_node_param(double def, const std::string& why) {
  return real_param("technology_node_m", "m", def, 0.0, 1e-6,
                    "technology node of the card's numbers, m (0 = no node: a definition or an "
                    "off-chip part); the same value as the card's top-level technology_node_m. "
                    "Costs are used at this node, never scaled (docs/costs.md); " +
                        why);
}

}  // namespace xbarsim::circuits
