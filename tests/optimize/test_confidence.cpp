// The optimizer's accuracy bound against tables and against its promised coverage.
#include <doctest/doctest.h>

#include <cmath>

#include "xbarsim/core/random.hpp"
#include "xbarsim/optimize/confidence.hpp"

namespace xbarsim {

namespace {

// A uniform draw in [0, 1) from the project's Rng (53 random bits), independent of the
// standard library's distributions.
double uniform01(Rng& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

TEST_CASE("normal and t quantiles match published tables") {
  // Phi^-1(0.95), Phi^-1(0.975), Phi^-1(0.5): Abramowitz & Stegun table 26.5.
  CHECK(normal_quantile(0.95) == doctest::Approx(1.6448536269514722).epsilon(1e-12));
  CHECK(normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-12));
  CHECK(std::abs(normal_quantile(0.5)) < 1e-12);
  CHECK(normal_quantile(0.05) == doctest::Approx(-1.6448536269514722).epsilon(1e-12));
  // Student t, one-sided 95 %: 10 dof 1.812461, 30 dof 1.697261, 120 dof 1.657651
  // (A&S table 26.10). The expansion's error falls as 1/dof^5.
  CHECK(student_t_quantile(0.95, 10) == doctest::Approx(1.812461).epsilon(2e-4));
  CHECK(student_t_quantile(0.95, 30) == doctest::Approx(1.697261).epsilon(1e-6));
  CHECK(student_t_quantile(0.95, 120) == doctest::Approx(1.657651).epsilon(1e-6));
  CHECK(student_t_quantile(0.99, 30) == doctest::Approx(2.457262).epsilon(1e-5));
}

TEST_CASE("paired bound: the drop and its bound by hand on a small case") {
  // 4 images; float right on 3. Analog over 2 trials: image 0 right twice, image 1 once,
  // image 2 never, image 3 (float wrong) once. d = f - a = 0, 0.5, 1, -0.5.
  const std::vector<std::uint8_t> f = {1, 1, 1, 0};
  const std::vector<std::vector<std::uint8_t>> a = {{1, 1, 0, 0}, {1, 0, 0, 1}};
  const AccuracyBound b = paired_accuracy_bound(f, a, 0.95);
  CHECK(b.accuracy_float == doctest::Approx(0.75));
  CHECK(b.accuracy_analog == doctest::Approx(0.5));
  CHECK(b.accuracy_trials[0] == doctest::Approx(0.5));
  CHECK(b.drop_mean == doctest::Approx(0.25));
  // s^2 = sum (d - 0.25)^2 / 3 = (0.0625 + 0.0625 + 0.5625 + 0.5625) / 3.
  const double s = std::sqrt(1.25 / 3);
  CHECK(b.drop_std == doctest::Approx(s));
  CHECK(b.drop_upper == doctest::Approx(0.25 + student_t_quantile(0.95, 3) * s / 2));
  CHECK(b.accuracy_lower() == doctest::Approx(0.75 - b.drop_upper));
}

TEST_CASE("paired bound: coverage of seeded synthetic Bernoulli data") {
  // Float right with p_f = 0.9; each analog trial agrees with float with probability 0.95.
  // True drop: p_f - (p_f 0.95 + (1 - p_f) 0.05) = 0.9 - 0.86 = 0.04. The upper bound must
  // cover it in about 95 % of replications: the count of misses over R replications is
  // Binomial(R, 0.05), standard deviation sqrt(R 0.05 0.95); 4 of them are allowed, plus 1 %
  // for the normal approximation at n = 400 (its skewness error is O(1/sqrt n)).
  const int replications = 400, n = 400, trials = 3;
  const double true_drop = 0.9 - (0.9 * 0.95 + 0.1 * 0.05);
  for (const double confidence : {0.95, 0.8}) {
    Rng rng =
        make_rng(20261207, StreamPurpose::kInputs, {static_cast<std::uint64_t>(confidence * 100)});
    int covered = 0;
    for (int r = 0; r < replications; ++r) {
      std::vector<std::uint8_t> f(n);
      std::vector<std::vector<std::uint8_t>> a(trials, std::vector<std::uint8_t>(n));
      for (int i = 0; i < n; ++i) {
        f[i] = uniform01(rng) < 0.9;
        for (int t = 0; t < trials; ++t) a[t][i] = uniform01(rng) < 0.95 ? f[i] : 1 - f[i];
      }
      covered += paired_accuracy_bound(f, a, confidence).drop_upper >= true_drop;
    }
    const double rate = static_cast<double>(covered) / replications;
    const double sd = std::sqrt(confidence * (1 - confidence) / replications);
    CAPTURE(confidence);
    CHECK(std::abs(rate - confidence) < 4 * sd + 0.01);
  }
}

}  // namespace xbarsim
