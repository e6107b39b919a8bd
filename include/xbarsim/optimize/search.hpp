#pragma once
// The search of `xbarsim optimize` (docs/optimizer.md#search), apart from any network: the
// cheapest uniform setting meeting the budget by bisection, then greedy one-step reductions
// of single layers ranked by objective saved per accuracy lost. The caller supplies the
// objective and the evaluation of a round of candidates; the search is deterministic given
// what they return, whatever order or place they are computed in.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "xbarsim/optimize/confidence.hpp"

namespace xbarsim {

// One searched tile key and its values lo..hi (integers, lower = cheaper).
struct Knob {
  std::string key;  // e.g. tile.adc.bits
  std::int64_t lo = 0, hi = 0;
};

// A setting: the value of every knob for every crossbar layer, layer-major
// (values[layer * knobs + knob]).
using Setting = std::vector<std::int64_t>;

struct SearchProblem {
  std::size_t layers = 0;
  std::vector<Knob> knobs;
  double max_drop = 0;  // the budget: drop_upper <= max_drop
  // Evaluate every uniform setting of the first knob in one round before the bisection (which
  // then finds them evaluated): the uniform curve for a figure, at the cost of more evaluations.
  bool scan_uniform = false;
  std::function<double(const Setting&)> objective;
  // Evaluates a round of distinct settings; returns one bound per setting, in order.
  std::function<std::vector<AccuracyBound>(const std::vector<Setting>&)> evaluate;
};

struct Candidate {
  Setting setting;
  double objective = 0;
  AccuracyBound bound;
  bool feasible = false;   // bound.meets(max_drop)
  std::string stage;       // "uniform" or "greedy"
  std::int64_t round = 0;  // evaluation round it was first evaluated in, from 0
};

struct SearchOutcome {
  std::vector<Candidate> evaluated;    // in the order first evaluated
  std::optional<std::size_t> uniform;  // index of the cheapest uniform setting meeting the budget
  std::optional<std::size_t> chosen;   // index of the allocation found
  std::int64_t rounds = 0;
};

// Infeasible (no index set) when the most expensive uniform setting misses the budget.
SearchOutcome search_allocation(const SearchProblem& problem);

// Indices of `evaluated` on the Pareto front of (objective: lower is better, analog accuracy:
// higher is better): no other candidate is at least as good in both and better in one.
std::vector<std::size_t> pareto_front(const std::vector<Candidate>& evaluated);

// The relative saving of `chosen` against `baseline`: 1 - chosen / baseline.
double relative_saving(double chosen, double baseline);

}  // namespace xbarsim
