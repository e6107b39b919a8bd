// The optimizer's search (include/xbarsim/optimize/search.hpp, docs/optimizer.md#search).
#include "xbarsim/optimize/search.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {

class Searcher {
 public:
  explicit Searcher(const SearchProblem& p) : p_(p) {}

  // Evaluates the settings not seen yet (one round), returns the index of each.
  std::vector<std::size_t> evaluate(const std::vector<Setting>& settings, const char* stage) {
    std::vector<Setting> fresh;
    for (const Setting& s : settings)
      if (!index_.count(s) && std::find(fresh.begin(), fresh.end(), s) == fresh.end())
        fresh.push_back(s);
    if (!fresh.empty()) {
      const std::vector<AccuracyBound> bounds = p_.evaluate(fresh);
      if (bounds.size() != fresh.size())
        throw Error("optimize: the evaluation returned " + std::to_string(bounds.size()) +
                    " results for " + std::to_string(fresh.size()) + " settings");
      for (std::size_t i = 0; i < fresh.size(); ++i) {
        Candidate c;
        c.setting = fresh[i];
        c.objective = p_.objective(fresh[i]);
        c.bound = bounds[i];
        c.feasible = bounds[i].meets(p_.max_drop);
        c.stage = stage;
        c.round = out_.rounds;
        index_[fresh[i]] = out_.evaluated.size();
        out_.evaluated.push_back(std::move(c));
      }
      ++out_.rounds;
    }
    std::vector<std::size_t> idx;
    for (const Setting& s : settings) idx.push_back(index_.at(s));
    return idx;
  }

  const Candidate& at(std::size_t i) const { return out_.evaluated[i]; }
  SearchOutcome& outcome() { return out_; }

 private:
  const SearchProblem& p_;
  std::map<Setting, std::size_t> index_;
  SearchOutcome out_;
};

Setting uniform_setting(const SearchProblem& p, const std::vector<std::int64_t>& per_knob) {
  Setting s(p.layers * p.knobs.size());
  for (std::size_t l = 0; l < p.layers; ++l)
    for (std::size_t k = 0; k < p.knobs.size(); ++k) s[l * p.knobs.size() + k] = per_knob[k];
  return s;
}

}  // namespace

SearchOutcome search_allocation(const SearchProblem& p) {
  if (p.layers == 0 || p.knobs.empty()) throw Error("optimize: nothing to search");
  Searcher s(p);
  const std::size_t nk = p.knobs.size();
  // 1. Uniform: every knob at its top value, then each knob in turn lowered by bisection to
  // the smallest uniform value that still meets the budget, the others held where they are.
  // Assumes accuracy does not fall as a uniform value rises (docs/optimizer.md#search).
  std::vector<std::int64_t> uni;
  for (const Knob& k : p.knobs) uni.push_back(k.hi);
  if (p.scan_uniform) {
    std::vector<Setting> all;
    for (std::int64_t v = p.knobs[0].hi; v >= p.knobs[0].lo; --v) {
      std::vector<std::int64_t> x = uni;
      x[0] = v;
      all.push_back(uniform_setting(p, x));
    }
    s.evaluate(all, "uniform");
  }
  std::size_t best = s.evaluate({uniform_setting(p, uni)}, "uniform")[0];
  if (!s.at(best).feasible) return s.outcome();
  for (std::size_t k = 0; k < nk; ++k) {
    std::int64_t lo = p.knobs[k].lo, hi = uni[k];  // hi meets the budget; below lo untried
    while (lo < hi) {
      std::vector<std::int64_t> trial = uni;
      trial[k] = lo + (hi - lo) / 2;
      const std::size_t i = s.evaluate({uniform_setting(p, trial)}, "uniform")[0];
      if (s.at(i).feasible) {
        hi = trial[k];
        best = i;
      } else {
        lo = trial[k] + 1;
      }
    }
    uni[k] = hi;
  }
  // The baseline is the cheapest uniform setting evaluated that meets the budget: the one the
  // bisection ends on unless noise broke its monotonicity assumption (a value that passes
  // above one that fails), which --scan-uniform shows in full.
  for (std::size_t i = 0; i < s.outcome().evaluated.size(); ++i) {
    const Candidate& c = s.at(i);
    if (c.stage == "uniform" && c.feasible && c.objective < s.at(best).objective) best = i;
  }
  s.outcome().uniform = best;
  // 2. Greedy descent from there, lazily (docs/optimizer.md#search). A move lowers one knob of
  // one layer by one step. First every move from the uniform setting is evaluated together
  // (one round: the per-layer sensitivity); a move whose result misses the budget or saves
  // nothing is blocked for good. Then, repeatedly, the move with the largest known ratio of
  // objective saved to accuracy lost is taken if that ratio was measured from the current
  // setting; if it was measured from an earlier one, the move is evaluated again from the
  // current setting, its ratio updated, and the choice made again. The loss is the rise of
  // the drop's upper bound; at or below zero (noise can lower the bound) it counts as one
  // image's worth, 1/n, so the ratio stays finite and ranks by saving.
  const std::size_t moves = p.layers * nk;
  std::size_t current = best;
  std::vector<double> ratio(moves, 0);
  std::vector<std::int64_t> measured_at(moves, -1);  // the setting (index) a ratio is from
  std::vector<bool> blocked(moves, false);
  auto move_from = [&](std::size_t base, std::size_t m) -> std::optional<Setting> {
    Setting x = s.at(base).setting;
    if (x[m] <= p.knobs[m % nk].lo) return std::nullopt;
    --x[m];
    return x;
  };
  // Measures move m from the current setting, given its evaluated result i.
  auto measure = [&](std::size_t m, std::size_t i) {
    const Candidate& cur = s.at(current);
    const Candidate& c = s.at(i);
    const double saving = cur.objective - c.objective;
    if (!c.feasible || !(saving > 0)) {
      blocked[m] = true;
      return;
    }
    const double floor = 1.0 / static_cast<double>(std::max<std::int64_t>(1, c.bound.images));
    ratio[m] = saving / std::max(c.bound.drop_upper - cur.bound.drop_upper, floor);
    measured_at[m] = static_cast<std::int64_t>(current);
  };
  {
    std::vector<Setting> first;
    std::vector<std::size_t> which;
    for (std::size_t m = 0; m < moves; ++m)
      if (std::optional<Setting> x = move_from(current, m)) {
        first.push_back(*x);
        which.push_back(m);
      } else {
        blocked[m] = true;
      }
    if (!first.empty()) {
      const std::vector<std::size_t> idx = s.evaluate(first, "greedy");
      for (std::size_t j = 0; j < idx.size(); ++j) measure(which[j], idx[j]);
    }
  }
  for (;;) {
    std::optional<std::size_t> top;
    for (std::size_t m = 0; m < moves; ++m)
      // Strictly greater: ties go to the first move (lowest layer, then knob), deterministic.
      if (!blocked[m] && (!top || ratio[m] > ratio[*top])) top = m;
    if (!top) break;
    const std::size_t m = *top;
    const std::optional<Setting> x = move_from(current, m);
    if (!x) {
      blocked[m] = true;
      continue;
    }
    const std::size_t i = s.evaluate({*x}, "greedy")[0];
    if (measured_at[m] != static_cast<std::int64_t>(current)) {
      measure(m, i);  // stale: measure from here and choose again
      continue;
    }
    current = i;  // the best ratio, measured from the current setting: take it
    // Its next step is untried: the ratio just taken stands in until it is measured.
  }
  s.outcome().chosen = current;
  return s.outcome();
}

std::vector<std::size_t> pareto_front(const std::vector<Candidate>& c) {
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < c.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < c.size() && !dominated; ++j) {
      if (j == i) continue;
      const bool no_worse = c[j].objective <= c[i].objective &&
                            c[j].bound.accuracy_analog >= c[i].bound.accuracy_analog;
      const bool better = c[j].objective < c[i].objective ||
                          c[j].bound.accuracy_analog > c[i].bound.accuracy_analog;
      dominated = no_worse && better;
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

double relative_saving(double chosen, double baseline) {
  return baseline > 0 ? 1.0 - chosen / baseline : 0.0;
}

}  // namespace xbarsim
