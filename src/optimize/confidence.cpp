// The optimizer's accuracy bound (include/xbarsim/optimize/confidence.hpp); equations in
// docs/optimizer.md#statistics.
#include "xbarsim/optimize/confidence.hpp"

#include <cmath>
#include <string>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

double normal_quantile(double p) {
  if (!(p > 0 && p < 1))
    throw Error("normal_quantile: p must be in (0, 1), got " + std::to_string(p));
  // Bisection on Phi(x) = erfc(-x / sqrt 2) / 2, which std::erfc gives to full double
  // precision: slower than a rational approximation but exact, and called a handful of times.
  double lo = -40, hi = 40;
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

double student_t_quantile(double p, double dof) {
  if (!(dof >= 1)) throw Error("student_t_quantile: degrees of freedom must be >= 1");
  const double z = normal_quantile(p);
  const double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
  // Abramowitz & Stegun 26.7.5: t = z + g1/v + g2/v^2 + g3/v^3 + g4/v^4.
  const double g1 = (z3 + z) / 4;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  const double v = dof;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

AccuracyBound paired_accuracy_bound(const std::vector<std::uint8_t>& float_correct,
                                    const std::vector<std::vector<std::uint8_t>>& analog_correct,
                                    double confidence) {
  const std::size_t n = float_correct.size();
  const std::size_t trials = analog_correct.size();
  if (n < 2) throw Error("accuracy bound: needs at least 2 images, got " + std::to_string(n));
  if (trials == 0) throw Error("accuracy bound: needs at least one trial");
  for (const auto& t : analog_correct)
    if (t.size() != n)
      throw Error("accuracy bound: a trial scored " + std::to_string(t.size()) + " images, not " +
                  std::to_string(n));
  AccuracyBound b;
  b.images = static_cast<std::int64_t>(n);
  b.trials = static_cast<std::int64_t>(trials);
  b.confidence = confidence;
  // d_i = f_i - a_i, a_i the image's analog correctness averaged over the trials: the drop on
  // image i. Sums in integers (counts of correct answers) so that the order of images or
  // trials cannot change a bit of the result.
  std::int64_t float_hits = 0;
  std::vector<std::int64_t> trial_hits(trials, 0);
  double sum = 0, sum_sq = 0;
  const double inv_t = 1.0 / static_cast<double>(trials);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t hits = 0;
    for (std::size_t t = 0; t < trials; ++t) {
      hits += analog_correct[t][i];
      trial_hits[t] += analog_correct[t][i];
    }
    float_hits += float_correct[i];
    const double d = static_cast<double>(float_correct[i]) - static_cast<double>(hits) * inv_t;
    sum += d;
    sum_sq += d * d;
  }
  const double nd = static_cast<double>(n);
  b.accuracy_float = static_cast<double>(float_hits) / nd;
  std::int64_t all_hits = 0;
  for (std::size_t t = 0; t < trials; ++t) {
    b.accuracy_trials.push_back(static_cast<double>(trial_hits[t]) / nd);
    all_hits += trial_hits[t];
  }
  b.accuracy_analog = static_cast<double>(all_hits) / (nd * static_cast<double>(trials));
  b.drop_mean = sum / nd;
  const double var = std::max(0.0, (sum_sq - sum * sum / nd) / (nd - 1));
  b.drop_std = std::sqrt(var);
  b.drop_upper = b.drop_mean + student_t_quantile(confidence, nd - 1) * b.drop_std / std::sqrt(nd);
  return b;
}

}  // namespace xbarsim
