#pragma once
// What one action of a hardware component costs, and how much area one instance takes.
// Circuit models (circuits/) implement this from cited cards; the system layer multiplies
// action counts by these costs (energy = sum of counts x costs).
#include <string>
#include <vector>

namespace xbarsim {

struct ActionCost {
  double energy_j = 0.0;   // energy of one action
  double latency_s = 0.0;  // time one instance takes for one action
};

class CostModel {
 public:
  virtual ~CostModel() = default;
  virtual std::string name() const = 0;
  // The actions this component performs, e.g. {"read_bit", "write_bit"} for a buffer,
  // {"bit_hop"} for a router, {"mac", "add"} for digital logic.
  virtual std::vector<std::string> actions() const = 0;
  // Throws ConfigError naming the model if `action` is not one of actions().
  virtual ActionCost cost(const std::string& action) const = 0;
  // Area of one instance (a buffer of its configured capacity, one router, one MAC unit).
  virtual double area_m2() const = 0;
  // Technology node of the card the numbers come from, m (0 when not a physical design).
  virtual double technology_node_m() const = 0;
  // Power of one instance at full activity: its action repeated at the fastest rate its card
  // states (docs/energy_model.md#peak-power); 0 when the card states no rate.
  virtual double peak_power_w() const { return 0.0; }
};

}  // namespace xbarsim
