#pragma once
// A cost model as a fixed table: each action's energy and latency, one instance's area and the
// technology node of the card the numbers come from. The cost models under memory/, noc/,
// digital/ and array/ compute their table from a card once, in their factory
// (docs/costs.md); the system layer then only looks costs up.
#include <string>
#include <utility>
#include <vector>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/param.hpp"

namespace xbarsim::circuits {

class ActionTableCost final : public CostModel {
 public:
  using Table = std::vector<std::pair<std::string, ActionCost>>;

  // `origin` names the card in the error raised for an unknown action.
  ActionTableCost(std::string name, std::string origin, Table table, double area_m2,
                  double technology_node_m, double peak_power_w = 0.0)
      : name_(std::move(name)),
        origin_(std::move(origin)),
        table_(std::move(table)),
        area_m2_(area_m2),
        technology_node_m_(technology_node_m),
        peak_power_w_(peak_power_w) {}

  std::string name() const override { return name_; }
  std::vector<std::string> actions() const override;
  ActionCost cost(const std::string& action) const override;
  double area_m2() const override { return area_m2_; }
  double technology_node_m() const override { return technology_node_m_; }
  double peak_power_w() const override { return peak_power_w_; }

 private:
  std::string name_;
  std::string origin_;
  Table table_;
  double area_m2_;
  double technology_node_m_;
  double peak_power_w_;
};

// The `technology_node_m` parameter every cost model declares: the node of the card's numbers
// (0 = not a physical design, or off chip). Cards repeat their top-level technology_node_m
// here, because a model only sees its parameters.
ParamSpec technology_node_param(double def, const std::string& why);

}  // namespace xbarsim::circuits
