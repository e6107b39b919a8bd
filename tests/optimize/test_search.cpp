// The search against brute-force enumeration on separable problems where its gap is proven.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "xbarsim/core/random.hpp"
#include "xbarsim/optimize/search.hpp"

namespace xbarsim {

namespace {

double uniform01(Rng& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Layer k at b bits: drop a_k 4^-b, cost s_k 2^b. A step b -> b-1 saves s_k 2^(b-1) and loses
// 3 a_k 4^-b, a ratio s_k 8^b / (6 a_k) that shrinks as b falls: each layer's steps come in
// falling ratio, so the problem is a 0-1 knapsack whose items the greedy takes in ratio order
// (docs/optimizer.md#search).
struct Separable {
  std::vector<double> a, s;
  double drop(const Setting& x) const {
    double d = 0;
    for (std::size_t k = 0; k < x.size(); ++k)
      d += a[k] * std::pow(4.0, -static_cast<double>(x[k]));
    return d;
  }
  double cost(const Setting& x) const {
    double c = 0;
    for (std::size_t k = 0; k < x.size(); ++k) c += s[k] * std::pow(2.0, static_cast<double>(x[k]));
    return c;
  }
};

AccuracyBound bound_of(double drop) {
  AccuracyBound b;
  b.images = std::int64_t{1} << 40;  // the 1/n floor of a loss then never matters
  b.accuracy_float = 1;
  b.accuracy_analog = 1 - drop;
  b.drop_mean = drop;
  b.drop_upper = drop;
  return b;
}

void enumerate(std::size_t layers, std::int64_t lo, std::int64_t hi,
               const std::function<void(const Setting&)>& visit) {
  Setting x(layers, lo);
  for (;;) {
    visit(x);
    std::size_t k = 0;
    while (k < layers && x[k] == hi) x[k++] = lo;
    if (k == layers) return;
    ++x[k];
  }
}

}  // namespace

TEST_CASE("search: uniform bisection and greedy against brute force on separable problems") {
  Rng rng = make_rng(16, StreamPurpose::kWeights);
  const std::int64_t lo = 1, hi = 8;
  for (int instance = 0; instance < 60; ++instance) {
    const std::size_t layers = 2 + instance % 3;
    Separable p;
    for (std::size_t k = 0; k < layers; ++k) {
      p.a.push_back(0.05 + uniform01(rng));
      p.s.push_back(0.1 + uniform01(rng));
    }
    const double budget = 0.0005 + 0.02 * uniform01(rng);
    SearchProblem problem;
    problem.layers = layers;
    problem.knobs = {{"tile.adc.bits", lo, hi}};
    problem.max_drop = budget;
    problem.objective = [&](const Setting& x) { return p.cost(x); };
    std::int64_t evaluations = 0;
    problem.evaluate = [&](const std::vector<Setting>& xs) {
      std::vector<AccuracyBound> out;
      for (const Setting& x : xs) out.push_back(bound_of(p.drop(x)));
      evaluations += static_cast<std::int64_t>(xs.size());
      return out;
    };
    const SearchOutcome r = search_allocation(problem);
    CAPTURE(instance);
    // Brute force: the cheapest uniform setting meeting the budget, and the optimum in the box
    // the greedy searches (every layer at or below the uniform value).
    std::optional<std::int64_t> uniform;
    for (std::int64_t b = hi; b >= lo; --b)
      if (p.drop(Setting(layers, b)) <= budget) uniform = b;
    REQUIRE(r.uniform.has_value() == uniform.has_value());
    if (!uniform) continue;
    const Candidate& u = r.evaluated[*r.uniform];
    CHECK(u.setting == Setting(layers, *uniform));
    double best = std::numeric_limits<double>::infinity(), max_step = 0;
    enumerate(layers, lo, *uniform, [&](const Setting& x) {
      if (p.drop(x) <= budget) best = std::min(best, p.cost(x));
    });
    for (std::size_t k = 0; k < layers; ++k)
      max_step = std::max(max_step, p.s[k] * std::pow(2.0, static_cast<double>(*uniform - 1)));
    REQUIRE(r.chosen.has_value());
    const Candidate& c = r.evaluated[*r.chosen];
    CHECK(c.feasible);
    CHECK(p.drop(c.setting) <= budget);
    CHECK(c.objective <= u.objective);
    // The 0-1 knapsack bound: the greedy is within the largest single step of the optimum.
    CHECK(c.objective <= best + max_step + 1e-12);
    CHECK(c.objective >= best - 1e-12);
    // Never the whole box: it would take (uniform - lo + 1)^layers evaluations.
    CHECK(static_cast<std::int64_t>(r.evaluated.size()) == evaluations);
  }
}

TEST_CASE("search: a budget the top setting misses is infeasible, found in one evaluation") {
  SearchProblem problem;
  problem.layers = 2;
  problem.knobs = {{"tile.adc.bits", 3, 10}};
  problem.max_drop = 0.01;
  problem.objective = [](const Setting& x) { return static_cast<double>(x[0] + x[1]); };
  problem.evaluate = [](const std::vector<Setting>& xs) {
    return std::vector<AccuracyBound>(xs.size(), bound_of(0.02));
  };
  const SearchOutcome r = search_allocation(problem);
  CHECK(!r.uniform);
  CHECK(!r.chosen);
  CHECK(r.evaluated.size() == 1);
}

TEST_CASE("search: saving and Pareto front by hand") {
  CHECK(relative_saving(3.0, 4.0) == doctest::Approx(0.25));
  CHECK(relative_saving(4.0, 4.0) == 0.0);
  std::vector<Candidate> c(4);
  // (objective, accuracy): (1, 0.8) front, (2, 0.9) front, (2, 0.85) dominated by (2, 0.9),
  // (3, 0.9) dominated by (2, 0.9).
  const double obj[] = {1, 2, 2, 3}, acc[] = {0.8, 0.9, 0.85, 0.9};
  for (int i = 0; i < 4; ++i) {
    c[i].objective = obj[i];
    c[i].bound.accuracy_analog = acc[i];
  }
  CHECK(pareto_front(c) == std::vector<std::size_t>{0, 1});
}

}  // namespace xbarsim
